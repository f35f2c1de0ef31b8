"""Authentication facts (SPF, DKIM, DMARC, ARC) for a message; no policy decisions."""
from __future__ import annotations

from brandguard.auth.authenticator import Authenticator
from brandguard.auth.config import AuthSettings
from brandguard.auth.dns import BudgetedResolver, DnsResolver, Resolver, make_resolver

__all__ = ["Authenticator", "AuthSettings", "BudgetedResolver", "DnsResolver", "Resolver", "make_resolver"]
