"""link_text_mismatch: a link shows one address (or a brand) but points somewhere else."""
from __future__ import annotations

import re

from brandguard.checks._brands import brand_name, domain_is_brands, suspects
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.content.urls import has_public_suffix, host_of, org_domain
from brandguard.model import Finding

_SHOWN = re.compile(r"^\s*(?:https?://)?((?:[a-z0-9-]+\.)+[a-z]{2,24})(?:[/:?#]\S*)?\s*$", re.I)


@register
class LinkTextMismatch(Check):
    """Click trackers rewrite hrefs of honest newsletters too, so unbranded mismatches get their own outcome."""

    name = "link_text_mismatch"
    description = "link text shows a URL or brand, but the link goes to an unrelated domain"
    outcomes = frozenset({"brand_url_text_mismatch", "brand_text_foreign_href", "url_text_mismatch"})

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        c, cat = inp.content, inp.catalogue
        brands = suspects(inp, "subject")  # digests link headlines naming brands: body mentions are no claim
        found: dict[str | None, Finding] = {}
        from_org = org_domain(c.from_domain) if c.from_domain and c.links else None
        for link in c.links:
            if link.kind != "href" or not link.text or not link.host or link.host.startswith(("mailto", "tel")):
                continue
            shown = _SHOWN.match(link.text)
            if shown and has_public_suffix(shown.group(1)):
                host = host_of("http://" + shown.group(1))
                if org_domain(host) == org_domain(link.host):
                    continue
                owners: list[str | None] = (
                    [b for b in cat.brands_for_domain(host) if not cat.brands_for_domain(link.host)] if cat else [])
                ev = f"link text \"{link.text[:60]}\" goes to {link.host}"
                for b in owners or [None]:
                    outcome = "brand_url_text_mismatch" if b else "url_text_mismatch"
                    found.setdefault(b, self.finding(outcome, b, ev, link.where))
                continue
            if from_org is not None and org_domain(link.host) == from_org:
                continue  # a newsletter's headline naming a brand, linking to its own article or click tracker
            for hit in cat.find_names(link.text) if cat else ():
                for b in hit.owners:
                    if b in brands and not domain_is_brands(inp, link.host, b):
                        ev = f"link \"{link.text[:60]}\" names {brand_name(inp, b)} but goes to {link.host}"
                        found.setdefault(b, self.finding("brand_text_foreign_href", b, ev, link.where))
        # branded findings first: the score counts each (check, brand) once
        return sorted(found.values(), key=lambda f: f.brand is None)
