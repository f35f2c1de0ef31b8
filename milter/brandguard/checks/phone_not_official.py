"""phone_not_official: a phone number is presented as a brand's but is not one the brand publishes."""
from __future__ import annotations

from pydantic import Field

from brandguard.checks._brands import brand_name, senders_own_line, suspects
from brandguard.checks._lexicon import vocabulary
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding


class PhoneNotOfficialParams(CheckParams):
    require_brand_context: bool = Field(
        True, description="the brand must be claimed in display name/subject, or named next to the number"
    )


@register
class PhoneNotOfficial(Check):
    """Callback scams only work with the scammer's number: any other number beside the brand gives it away."""

    name = "phone_not_official"
    description = "a phone number shown with a claimed brand is not one of the brand's official numbers"
    outcomes = frozenset({"not_official", "no_official_numbers"})
    Params = PhoneNotOfficialParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        params = PhoneNotOfficialParams.of(params)
        c, cat = inp.content, inp.catalogue
        out = []
        v = vocabulary(inp)
        # a shop's or a reseller's own line under its receipt for the brand's product; the scam's story (a charge to
        # cancel, a refund) keeps the number suspect whoever tells it
        own_lines_ok = bool(inp.attribution.self_named) and not v.cancel.search(f"{c.subject}\n{c.text_of()}")
        for brand, claim in suspects(inp, "body").items():
            b = cat.brands[brand]
            for phone in c.phones:
                if phone.e164 in b.phones or cat.phone_owners(phone.e164):
                    continue  # the brand's own number, or another brand's published number
                if v.dial_in.search(phone.context):
                    continue  # a meeting's dial-in number
                if own_lines_ok and senders_own_line(inp, phone):
                    continue
                nearby = any(brand in hit.owners for hit in cat.find_names(phone.context))
                if params.require_brand_context and not (claim.at_least("subject") or nearby):
                    continue
                outcome = "not_official" if b.phones else "no_official_numbers"
                how = "obfuscated, " if phone.obfuscated else ""
                out.append(self.finding(outcome, brand, f"{phone.e164} ({how}{phone.type}, in {phone.where}) is not "
                                        f"a listed {brand_name(inp, brand)} number: \"{phone.context[:90]}\"",
                                        phone.where))
                break  # one finding per brand: the score counts a (check, brand) once
        return out
