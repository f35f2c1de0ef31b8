"""What checks read of the attribution stage (brandguard.attribution): claims, owners, suspects, brand names."""
from __future__ import annotations

import re

from brandguard.attribution import LEVELS, Claim, discussion_list
from brandguard.checks.base import CheckInput
from brandguard.content.model import Phone
from brandguard.content.urls import in_domain

# a sentence ends at . ! ? (and their CJK forms) before a space, or at a line end; "1.808.555" is no sentence end
_SENTENCE_END = re.compile(r"[.!?。！？](?=\s)|\n")

__all__ = ["LEVELS", "Claim", "authenticated_brands", "brand_name", "claims", "discussion_list", "domain_is_brands",
           "forwarded_brands", "owned_brands", "primary", "senders_own_line", "suspects"]


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


def senders_own_line(inp: CheckInput, phone: Phone) -> bool:
    """A number of a sender that speaks as itself (attribution's `self_named`), with no claimed brand named in the
    number's own sentence: "Questions about your order? Call us at ..." under a shop's receipt for a McAfee licence.
    "Call McAfee Billing at ..." presents the number as the brand's, whoever sends it."""
    if not inp.attribution.self_named:
        return False
    ctx = phone.context
    pos = ctx.find(phone.raw)
    if pos < 0:
        return False
    ends = [m.end() for m in _SENTENCE_END.finditer(ctx)]
    start = max((e for e in ends if e <= pos), default=0)
    stop = min((e for e in ends if e > pos + len(phone.raw)), default=len(ctx))
    claimed = set(inp.attribution.claims)
    return not any(claimed.intersection(hit.owners) for hit in inp.catalogue.find_names(ctx[start:stop]))
