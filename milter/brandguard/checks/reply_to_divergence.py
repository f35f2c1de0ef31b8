"""reply_to_divergence: replies go somewhere other than the sender (free-mail, or away from a claimed brand)."""
from __future__ import annotations

from brandguard.checks._brands import brand_name, domain_is_brands, owned_brands, suspects
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.content.urls import org_domain
from brandguard.model import Finding


@register
class ReplyToDivergence(Check):
    """Mailing lists and ESPs set other Reply-To domains all the time; free-mail or a brand claim make it telling."""

    name = "reply_to_divergence"
    description = "Reply-To is a free-mail address unlike the sender, or leaves the domain of a claimed brand"
    outcomes = frozenset({"freemail_reply_to", "foreign_reply_to"})

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        c, cat = inp.content, inp.catalogue
        if not c.reply_to or not c.from_domain:
            return []
        brands = suspects(inp, "subject")
        if not brands and owned_brands(inp):
            return []
        from_org = org_domain(c.from_domain)
        for addr in c.reply_to:
            domain = addr.rsplit("@", 1)[-1]
            if org_domain(domain) == from_org:
                continue
            if cat.is_freemail(domain) and not cat.is_freemail(c.from_domain):
                ev = f"Reply-To {addr} is free-mail; From is {c.from_address}"
                targets: list[str | None] = [*brands] or [None]
                return [self.finding("freemail_reply_to", b, ev, "reply_to") for b in targets]
            foreign = {b: cl for b, cl in brands.items() if not domain_is_brands(inp, domain, b)}
            if foreign:
                return [self.finding("foreign_reply_to", b, f"{claim.describe(brand_name(inp, b))}; Reply-To {addr} "
                                     f"differs from From {c.from_address}", "reply_to") for b, claim in foreign.items()]
        return []
