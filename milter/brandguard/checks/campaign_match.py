"""campaign_match: the message carries a number, address, host, attachment or text of confirmed scams."""
from __future__ import annotations

from pydantic import Field

from brandguard.campaign.facts import Match, describe
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding

# strongest first: a scam's attachment or number is its own; a host or wording may be shared by accident
_ORDER = ("attachment", "phone", "address", "link_host", "text_fuzzy")
_OWN = frozenset(_ORDER[:3])  # "several" needs one of these: two weak matches together are still weak


class CampaignMatchParams(CheckParams):
    min_count: int = Field(1, ge=1, description="confirmed scams an indicator must have been seen in")
    max_text_distance: int = Field(50, ge=0, le=100, description="text_fuzzy: largest TLSH distance to a "
                                   "remembered scam's text that counts (0: the same text; about 50: the same "
                                   "template with other names and amounts)")


@register
class CampaignMatch(Check):
    """A campaign changes its wording, sender and subject, not its number or its Reply-To: remember them."""

    name = "campaign_match"
    description = ("an indicator (phone number, free-mail or Reply-To address, link host, attachment, text "
                   "fingerprint) was seen in confirmed scams within the campaign memory's TTL")
    outcomes = frozenset((*_ORDER, "several"))
    Params = CampaignMatchParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        params = CampaignMatchParams.of(params)
        best: dict[str, Match] = {}
        for m in inp.campaign.matches:
            if m.count < params.min_count or (m.kind == "text_fuzzy" and m.distance > params.max_text_distance):
                continue
            if m.kind not in best or m.count > best[m.kind].count:
                best[m.kind] = m
        if not best:
            return []
        kinds = [k for k in _ORDER if k in best]
        outcome = "several" if len(kinds) > 1 and kinds[0] in _OWN else kinds[0]
        evidence = "; ".join(describe(best[k]) for k in kinds)
        return [self.finding(outcome, inp.attribution.primary, evidence, kinds[0])]
