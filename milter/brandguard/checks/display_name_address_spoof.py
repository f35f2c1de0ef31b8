"""display_name_address_spoof: the display name shows an address or domain other than the real sender."""
from __future__ import annotations

import re

from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.content.urls import has_public_suffix, org_domain
from brandguard.model import Finding

_ADDRESS = re.compile(r"[\w.+-]+@((?:[\w-]+\.)+[a-z]{2,24})", re.I)
_DOMAIN = re.compile(r"(?<![\w@.-])((?:[a-z0-9-]+\.)+[a-z]{2,24})(?![\w-])", re.I)


@register
class DisplayNameAddressSpoof(Check):
    """Most clients show only the display name: '"service@paypal.com" <x@evil.example>' reads as PayPal."""

    name = "display_name_address_spoof"
    description = "the From display name contains an e-mail address or domain of another organisation"
    outcomes = frozenset({"address_in_name", "domain_in_name"})

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        c, cat = inp.content, inp.catalogue
        name = c.display_name
        if not name or not c.from_domain:
            return []
        real = org_domain(c.from_domain)
        m = _ADDRESS.search(name)
        outcome, shown = ("address_in_name", m.group(1).lower()) if m else (None, "")
        if m is None:
            m = _DOMAIN.search(name)
            if m and has_public_suffix(m.group(1)):
                outcome, shown = "domain_in_name", m.group(1).lower()
        if outcome is None or org_domain(shown) == real:
            return []
        brands: list[str | None] = list(cat.brands_for_domain(shown)) if cat is not None else []
        if outcome == "domain_in_name" and (not brands or cat.brands_for_domain(c.from_domain)):
            return []  # "CNET News.com Daily" is a name; only a brand's domain shown by someone else misleads
        ev = f"display name \"{name[:80]}\" shows {shown}; the address is {c.from_address}"
        return [self.finding(outcome, b, ev, "display_name") for b in (brands or [None])]
