"""org_name_mismatch: the display name speaks for an organisation the sending domain has nothing to do with."""
from __future__ import annotations

from brandguard.checks._brands import claims
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.content.names import compact
from brandguard.content.sendername import ROLE, org_words
from brandguard.content.urls import org_domain
from brandguard.model import Finding


@register
class OrgNameMismatch(Check):
    """'Chase Online Security' <x@random.example>: an organisation plus a role word, none of it in the domain."""

    name = "org_name_mismatch"
    description = "display name names an organisation with a role (support, billing, security) unrelated to the domain"
    outcomes = frozenset({"display_name_org", "role_only"})

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        c = inp.content
        name = c.display_name
        if not name or not c.from_domain or "@" in name or claims(inp) and any(
            cl.level == "display_name" for cl in claims(inp).values()
        ):
            return []  # catalogue brands in the display name are the brand checks' business
        role = ROLE.search(name)
        if not role:
            return []
        org = compact(org_domain(c.from_domain).split(".")[0])
        orgs = org_words(name)
        if not orgs:
            if inp.catalogue is not None and inp.catalogue.is_freemail(c.from_domain) and len(name.split()) <= 4:
                return [self.finding("role_only", None, f"\"{name}\" from free-mail {c.from_address}", "display_name")]
            return []
        domain = compact(c.from_domain.replace(".", " "))
        for w in orgs:
            key = compact(w)
            if len(key) >= 3 and (key in domain or (len(org) >= 3 and org in compact(name))):
                return []  # "Slashdot Team" <x@slashdot.org>
        return [self.finding("display_name_org", None, f"\"{name}\" ({role.group()}) but sent from {c.from_domain}",
                             "display_name")]
