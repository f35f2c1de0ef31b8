"""own_domain_mismatch: the From is a brand's own domain, but the mail leads everywhere except to the brand."""
from __future__ import annotations

from pydantic import Field

from brandguard.checks._brands import authenticated_brands, brand_name, discussion_list
from brandguard.checks._lexicon import vocabulary
from brandguard.checks._redirects import redirect_target
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.content.urls import in_domain, org_domain
from brandguard.model import Finding


class OwnDomainMismatchParams(CheckParams):
    neutral_domains: list[str] = Field(
        [], description="link and envelope domains that say nothing about the author, added to the vocabulary's "
        "esp_domains (ESP click trackers and bounce domains)")
    min_links: int = Field(1, ge=1, description="links that must all lead away from the brand")


@register
class OwnDomainMismatch(Check):
    """A spoofer can write the brand's domain in From, not make the message lead to the brand; offline this is the
    tell that DMARC would give online (so with DNS a DMARC pass for the brand silences it)."""

    name = "own_domain_mismatch"
    description = "From is a brand's own domain, but every link, or the envelope sender and Reply-To, lead elsewhere"
    outcomes = frozenset({"offbrand_links", "foreign_envelope_reply"})
    Params = OwnDomainMismatchParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        params = OwnDomainMismatchParams.of(params)
        c, cat = inp.content, inp.catalogue
        if not c.from_domain or cat.is_freemail(c.from_domain) or discussion_list(inp.ctx):
            return []
        owners = cat.sender_brands(c.from_domain)
        if not owners or (inp.auth.checked and authenticated_brands(inp) & set(owners)):
            return []
        brand = owners[0]
        name = brand_name(inp, brand)
        from_org = org_domain(c.from_domain)

        def ours(host: str) -> bool:
            return org_domain(host) == from_org or bool(cat.brands_for_domain(host))

        v = vocabulary(inp)
        neutral_domains = (*v.esp_domains, *params.neutral_domains)

        def neutral(host: str) -> bool:
            return any(in_domain(host, d) for d in neutral_domains)

        # only what a reader clicks: an address in plain text is often a mention (a DMARC report names its domain)
        hosts = [redirect_target(link.url, v.open_redirectors) or link.host
                 for link in c.links if link.host and link.kind in ("href", "annotation")]
        hosts = [h for h in hosts if h and not neutral(h)]
        leads_home = any(ours(h) for h in hosts)
        if len(hosts) >= params.min_links and not leads_home:
            shown = ", ".join(dict.fromkeys(hosts))[:120]
            return [self.finding("offbrand_links", brand, f"From {c.from_domain} is a {name} domain, yet every link "
                                 f"leads elsewhere: {shown}", "from")]
        rp = c.return_path_domain
        replies = [a.rsplit("@", 1)[-1] for a in c.reply_to]
        if (not leads_home and rp and not ours(rp) and not neutral(rp) and replies
                and not any(ours(d) for d in replies)):
            return [self.finding("foreign_envelope_reply", brand, f"From {c.from_domain} is a {name} domain, but the "
                                 f"envelope sender ({rp}) and Reply-To ({replies[0]}) are not", "from")]
        return []
