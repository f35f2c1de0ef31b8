"""reward_lure: prize, voucher or survey-reward bait under a brand ("you have been selected", "Gutschein")."""
from __future__ import annotations

from pydantic import Field

from brandguard.checks._brands import brand_name, primary
from brandguard.checks._lexicon import vocabulary
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding


class RewardLureParams(CheckParams):
    min_phrases: int = Field(2, ge=1, le=10, description="distinct reward phrases needed (one is common in ads)")


@register
class RewardLure(Check):
    """Survey-for-a-prize scams borrow retailers' names; the bait words repeat in many languages."""

    name = "reward_lure"
    description = "prize, voucher, gift or survey-reward wording under a brand that did not send the message"
    outcomes = frozenset({"prize_or_survey"})
    Params = RewardLureParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        params = RewardLureParams.of(params)
        c = inp.content
        brand = primary(inp)
        if brand is None:
            return []  # unbranded offers are marketing; spam filters, not brand checks, handle them
        text = f"{c.display_name}\n{c.subject}\n{c.text_of()}"
        found = vocabulary(inp).reward.finditer(text)
        phrases = list(dict.fromkeys(" ".join(m.group().lower().split()) for m in found))
        if len(phrases) < params.min_phrases:
            return []
        shown = ", ".join(f'"{p}"' for p in phrases[:4])
        return [self.finding("prize_or_survey", brand, f"{brand_name(inp, brand)} with {shown}", "body")]
