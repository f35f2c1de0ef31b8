"""contact_not_official: a brand's message asks the reader to write to an address that is not the brand's."""
from __future__ import annotations

from brandguard.checks._brands import brand_name, domain_is_brands, forwarded_brands, owned_brands, suspects
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.content.mailto import shows_own_address
from brandguard.content.model import MailLink
from brandguard.model import Finding, domain_of


def _is_action(link: MailLink) -> bool:
    # "Report the user", "click here" or another address shown for this one, or a mail prepared for the reader;
    # an address written as itself is a contact line, as in any signature or mailing-list footer
    return link.prefilled or not shows_own_address(link)


@register
class ContactNotOfficial(Check):
    """The written twin of a scammer's phone number: the reply channel must be the scammer's own address."""

    name = "contact_not_official"
    description = ("a mailto: call to action in a message that claims a brand (or forwards the brand's message) "
                   "writes to a free-mail address")
    outcomes = frozenset({"freemail_action", "forwarded_freemail_action"})
    Params = CheckParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        c, cat = inp.content, inp.catalogue
        actions = [ml for ml in c.mail_links if _is_action(ml) and ml.address != c.from_address]
        if not actions:
            return []
        owned = owned_brands(inp)
        brands = {b: False for b in suspects(inp, "body")}
        brands.update({b: True for b in forwarded_brands(inp) - owned if b not in brands})
        out = []
        for brand, in_forward in brands.items():
            for link in actions:
                domain = domain_of(link.address)
                # a different address shown for the target is no sign on its own: bounces and list software
                # rewrite addresses; a brand's own pages never route a reader's mail to a free-mail box
                if domain_is_brands(inp, domain, brand) or not cat.is_freemail(domain):
                    continue
                shown = f" shown as \"{link.text[:60]}\"" if link.text else ""
                outcome = "forwarded_freemail_action" if in_forward else "freemail_action"
                where = "in the forwarded message" if in_forward else "with the brand claimed"
                evidence = (f"mailto:{link.address}{shown} is a free-mail address, {where}: "
                            f"{brand_name(inp, brand)} does not take replies there")
                out.append(self.finding(outcome, brand, evidence, link.where))
                break  # one finding per brand: the score counts a (check, brand) once
        return out
