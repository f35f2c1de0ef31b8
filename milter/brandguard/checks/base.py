"""The check protocol: a tiny named class, a closed set of outcomes, one evaluate()."""
from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from typing import TYPE_CHECKING, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from brandguard.campaign.facts import NOTHING, CampaignFacts
from brandguard.content.model import Content
from brandguard.model import AuthResults, Finding, MessageContext

if TYPE_CHECKING:  # the catalogue module imports content and policy helpers: keep the runtime import graph flat
    from brandguard.attribution import Attribution
    from brandguard.policy.catalogue import Catalogue


class CheckParams(BaseModel):
    """Parameters every check accepts in the policy's `checks:` table; checks subclass this."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    weight: float = Field(0.0, description="score added per finding (once per check and brand)")
    enabled: bool = Field(True, description="false turns the check off")
    outcome_weights: dict[str, float] = Field(
        default_factory=dict, description="weight per outcome, overriding `weight` for that outcome"
    )
    max_action: Literal["tag", "quarantine"] | None = Field(
        None, description="the most this check's weight may lead to: with quarantine, a score that reaches the "
        "reject threshold only thanks to this check quarantines (rules still act as written)"
    )

    @classmethod
    def of(cls, params: CheckParams) -> Self:
        """`params` as this class: a check's evaluate() takes CheckParams, as the pipeline holds them, and
        narrows with `params = MyParams.of(params)`. The loader builds each check's table with its own Params,
        so another class here is a wiring bug, reported as such rather than as a missing attribute."""
        if not isinstance(params, cls):
            raise TypeError(f"{cls.__name__} expected, got {type(params).__name__}")
        return params


@dataclass(frozen=True)
class CheckInput:
    """What a check sees: the frozen message, auth facts, extracted content, the catalogue and the attribution."""

    ctx: MessageContext
    auth: AuthResults
    content: Content  # built once per message (an empty Content when the policy needs none)
    catalogue: Catalogue  # brands, free-mail domains
    attribution: Attribution  # which brands are claimed, where, and which the sender is
    mime: Message  # the MIME tree, parsed once per message
    campaign: CampaignFacts = NOTHING  # what the campaign memory knows of its indicators (default: nothing)

    @classmethod
    def build(cls, ctx: MessageContext, auth: AuthResults, content: Content, catalogue: Catalogue,
              mime: Message | None = None) -> CheckInput:
        """The input with its attribution stage run (what the pipeline does; tests and tools use this too)."""
        from brandguard.attribution import attribute
        from brandguard.content.mimeparse import mime_of

        tree = mime if mime is not None else mime_of(ctx)
        return cls(ctx, auth, content, catalogue, attribute(ctx, auth, content, catalogue), tree)


class Check:
    """Base class: subclasses set name, description, outcomes, Params and implement evaluate().

    A check with parameters declares `class MyCheckParams(CheckParams)` at module level, sets
    `Params = MyCheckParams`, and starts evaluate() with `params = MyCheckParams.of(params)`.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    outcomes: ClassVar[frozenset[str]]
    Params: ClassVar[type[CheckParams]] = CheckParams
    needs_content: ClassVar[bool] = True

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        raise NotImplementedError

    def finding(self, outcome: str, brand: str | None = None, evidence: str = "", where: str = "") -> Finding:
        if outcome not in self.outcomes:
            raise ValueError(f"check {self.name}: outcome {outcome!r} not in {sorted(self.outcomes)}")
        return Finding(check=self.name, outcome=outcome, brand=brand, evidence=evidence[:200], where=where)
