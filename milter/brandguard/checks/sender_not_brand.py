"""sender_not_brand: a brand is claimed but the mail does not come from (or is not authenticated as) it."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from brandguard.checks._brands import authenticated_brands, brand_name, domain_is_brands, suspects
from brandguard.checks._lexicon import vocabulary
from brandguard.checks._redirects import redirect_target
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding


class SenderNotBrandParams(CheckParams):
    min_level: Literal["display_name", "subject", "body"] = Field(
        "subject", description="weakest claim that counts; body mentions are too common in newsletters"
    )


@register
class SenderNotBrand(Check):
    """Offline only From / Return-Path domains can be compared; with auth, only a pass for the brand counts."""

    name = "sender_not_brand"
    description = "the claimed brand is not the sender: From/Return-Path outside its domains, or not authenticated"
    outcomes = frozenset({"foreign_domain", "relayed", "unauthenticated"})
    Params = SenderNotBrandParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        params = SenderNotBrandParams.of(params)
        c, cat = inp.content, inp.catalogue
        out = []
        for brand, claim in suspects(inp, params.min_level).items():
            if claim.level == "subject" and inp.attribution.self_named:
                continue  # "Invoice 20931: Microsoft 365 renewal" from a reseller naming itself: a product, no claim
            name = brand_name(inp, brand)
            in_brand = bool(c.from_domain) and brand in cat.sender_brands(c.from_domain)
            if not in_brand and c.from_domain and domain_is_brands(inp, c.from_domain, brand) and (
                not inp.auth.checked or c.from_domain in inp.auth.authenticated_domains()
            ):
                continue  # the brand's own platform (postmaster@outlook.com, amazonses.com reports)
            if in_brand and inp.auth.checked and brand not in authenticated_brands(inp):
                out.append(self.finding("unauthenticated", brand, f"From {c.from_domain} is a {name} domain but "
                                        f"the message is not authenticated as it ({claim.describe(name)})", "from"))
            elif not in_brand:
                rp = f", Return-Path {c.return_path_domain}" if c.return_path_domain not in ("", c.from_domain) else ""
                relayed = _leads_only_to(inp, brand)
                out.append(self.finding("relayed" if relayed else "foreign_domain", brand,
                                        f"{claim.describe(name)}; From domain {c.from_domain or '(none)'}{rp} is not a "
                                        f"{name} domain" + ("; every link and Reply-To leads to it" if relayed else ""),
                                        claim.where))
        return out


def _leads_only_to(inp: CheckInput, brand: str) -> bool:
    """Every link and Reply-To goes to the brand and nothing is attached: a brand's notice relayed by a platform
    ("DPD (via Allegro)"). A phish must lead somewhere it controls; the callback rule covers phone numbers."""
    c = inp.content
    # a link through the brand's own open redirector (bing.com/ck/a) leads wherever its target is
    hops = vocabulary(inp).open_redirectors
    links = [redirect_target(link.url, hops) or link.host
             for link in c.links if link.kind in ("href", "text", "annotation") and link.host]
    return bool(links) and not c.attachments and all(
        domain_is_brands(inp, host, brand) for host in links + [a.rsplit("@", 1)[-1] for a in c.reply_to])
