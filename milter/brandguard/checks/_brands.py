"""What checks read of the attribution stage (brandguard.attribution): claims, owners, suspects, brand names."""
from __future__ import annotations

from brandguard.attribution import LEVELS, Claim, discussion_list
from brandguard.checks.base import CheckInput
from brandguard.content.urls import in_domain

__all__ = ["LEVELS", "Claim", "authenticated_brands", "brand_name", "claims", "discussion_list", "domain_is_brands",
           "forwarded_brands", "owned_brands", "primary", "suspects"]


def claims(inp: CheckInput) -> dict[str, Claim]:
    """Every catalogue brand named in the message, strongest place first."""
    return dict(inp.attribution.claims)


def authenticated_brands(inp: CheckInput) -> set[str]:
    """Brands whose domain (or a subdomain) the message is authenticated as."""
    return set(inp.attribution.authenticated)


def owned_brands(inp: CheckInput) -> set[str]:
    """Brands the sender is: authenticated as, or (offline only) From / Return-Path in the brand's domains."""
    return set(inp.attribution.owned)


def forwarded_brands(inp: CheckInput) -> set[str]:
    """Brands whose own domain appears as the From of a forwarded message (a user forwarding a receipt)."""
    return set(inp.attribution.forwarded)


def suspects(inp: CheckInput, min_level: str = "body") -> dict[str, Claim]:
    """Claimed brands that did not send the message, at `min_level` or stronger: the impersonation candidates."""
    return inp.attribution.suspected(min_level)


def primary(inp: CheckInput) -> str | None:
    """The one brand a lure is attributed to: strongest claim, then most mentions."""
    return inp.attribution.primary


def brand_name(inp: CheckInput, brand: str) -> str:
    b = inp.catalogue.brands.get(brand)
    return b.name if b else brand


def domain_is_brands(inp: CheckInput, host: str, brand: str) -> bool:
    b = inp.catalogue.brands.get(brand)
    return b is not None and any(in_domain(host, d) for d in b.domains | b.web_domains)
