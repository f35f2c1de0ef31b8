"""redirect_link: a link bounces through a big platform's open redirector (bing.com/ck/a, google.com/url) elsewhere."""
from __future__ import annotations

from brandguard.checks._brands import owned_brands, primary
from brandguard.checks._lexicon import vocabulary
from brandguard.checks._redirects import UNKNOWN, redirect_target
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.content.urls import org_domain
from brandguard.model import Finding


@register
class RedirectLink(Check):
    """Senders link to their own pages; routing a link through Bing's or Google's redirector hides the destination
    from filters and readers, which only a phish needs (the recipient's own Safe Links wrapper is not counted)."""

    name = "redirect_link"
    description = "a link passes through a platform's open redirector to another site"
    outcomes = frozenset({"open_redirect"})

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        c = inp.content
        if owned_brands(inp) and primary(inp) is None:
            return []  # a platform's own mail may use its own redirector
        hops = vocabulary(inp).open_redirectors
        for link in c.links:
            if link.kind not in ("href", "annotation") or "safelinks.protection.outlook.com" in link.host:
                continue
            target = redirect_target(link.url, hops)
            if target and (target == UNKNOWN or org_domain(target) != org_domain(link.host)):
                shown = "an unreadable target" if target == UNKNOWN else target
                return [self.finding("open_redirect", primary(inp), f"link via {link.host} to {shown}", link.where)]
        return []
