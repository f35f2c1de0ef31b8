"""brand_claim: the message names a catalogue brand that did not send it (display name, subject or body)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from brandguard.checks._brands import brand_name, suspects
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding


class BrandClaimParams(CheckParams):
    min_level: Literal["display_name", "subject", "body"] = Field(
        "body", description="weakest place a name counts: body < subject < display_name"
    )


@register
class BrandClaim(Check):
    """A claim alone proves nothing; it is the brand context the other checks and rules build on."""

    name = "brand_claim"
    description = "a catalogue brand is named (display name, subject or body) by a sender that is not that brand"
    outcomes = frozenset({"display_name", "subject", "body"})
    Params = BrandClaimParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        params = BrandClaimParams.of(params)
        return [
            self.finding(claim.level, brand, claim.describe(brand_name(inp, brand)), claim.where)
            for brand, claim in suspects(inp, params.min_level).items()
        ]
