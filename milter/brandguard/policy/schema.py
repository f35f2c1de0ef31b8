"""Closed pydantic schema of a policy file: thresholds, check weights, rules, allowlists, overrides."""
from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from brandguard.model import Action, Mode
from brandguard.policy.platforms import PlatformSpec
from brandguard.policy.vocabulary import VocabularySection


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Closed):
    """Score at or above which each action applies (rspamd/SpamAssassin style)."""

    tag: float = 5.0
    quarantine: float = 10.0
    reject: float = 15.0

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if not self.tag <= self.quarantine <= self.reject:
            raise ValueError("thresholds must satisfy tag <= quarantine <= reject")
        return self


class ReplySpec(_Closed):
    """SMTP reply; `{brand}` in text is replaced by the brands the message claims."""

    code: str = Field("550", pattern=r"^5\d\d$")
    xcode: str = Field("5.7.1", pattern=r"^5\.\d{1,3}\.\d{1,3}$")
    text: str = Field("Message rejected as brand impersonation", max_length=400)

    @field_validator("text")
    @classmethod
    def _printable(cls, v: str) -> str:
        if any(ord(c) < 32 or ord(c) == 127 for c in v):
            raise ValueError("reply text must not contain control characters")
        return v


# --- conditions ---------------------------------------------------------------------------


class CheckCond(_Closed):
    """True when a check produced a finding (optionally with this outcome / brand)."""

    check: str
    outcome: str | list[str] | None = None
    brand: str | None = None


class HeaderCond(_Closed):
    """True when a header exists / contains a substring / matches an RE2 regex (case-insensitive)."""

    header: str
    exists: bool | None = None
    contains: str | None = None
    matches: str | None = None


class EnvelopeCond(_Closed):
    """Envelope matches: sender/recipient/From domains (subdomains included), client networks, SASL."""

    mail_from_domain: list[str] | None = None
    from_domain: list[str] | None = None
    rcpt_domain: list[str] | None = None
    client_ip: list[str] | None = None
    authenticated: bool | None = None
    mail_from_matches: str | None = None

    @field_validator("client_ip")
    @classmethod
    def _nets(cls, v: list[str] | None) -> list[str] | None:
        for net in v or []:
            ipaddress.ip_network(net, strict=False)
        return v


class AuthCond(_Closed):
    """Authentication facts: method result, DMARC policy, From domain is a brand's domain."""

    method: Literal["spf", "dkim", "dmarc", "arc"] | None = None
    result: str | list[str] | None = None
    dmarc_policy: Literal["none", "quarantine", "reject"] | list[str] | None = None
    from_problem: bool | None = None
    from_domain_is_brand: bool | None = None
    arc_trusted_override: bool | None = Field(
        None, description="a trusted ARC sealer's valid chain vouches for a message that fails DMARC"
    )


class ScoreCond(_Closed):
    """True when the score from check weights is at least this."""

    score_at_least: float


class AllCond(_Closed):
    """True when every listed condition holds."""

    all: list[Condition]


class AnyCond(_Closed):
    """True when at least one listed condition holds."""

    any: list[Condition]


class NotCond(_Closed):
    """True when the condition does not hold."""

    not_: Condition = Field(alias="not")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _cond_kind(v: Any) -> str | None:
    """Pick the condition type from its keys, so errors name one type instead of all of them."""
    if isinstance(v, BaseModel):
        return type(v).__name__
    if not isinstance(v, dict):
        return None
    keys = set(v)
    for key, kind in (("all", "AllCond"), ("any", "AnyCond"), ("not", "NotCond"), ("check", "CheckCond"),
                      ("header", "HeaderCond"), ("score_at_least", "ScoreCond")):
        if key in keys:
            return kind
    if keys & set(AuthCond.model_fields):
        return "AuthCond"
    return "EnvelopeCond"


Condition = Annotated[
    Annotated[AllCond, Tag("AllCond")]
    | Annotated[AnyCond, Tag("AnyCond")]
    | Annotated[NotCond, Tag("NotCond")]
    | Annotated[CheckCond, Tag("CheckCond")]
    | Annotated[HeaderCond, Tag("HeaderCond")]
    | Annotated[AuthCond, Tag("AuthCond")]
    | Annotated[ScoreCond, Tag("ScoreCond")]
    | Annotated[EnvelopeCond, Tag("EnvelopeCond")],
    Discriminator(_cond_kind),
]
AllCond.model_rebuild()
AnyCond.model_rebuild()
NotCond.model_rebuild()


class Rule(_Closed):
    """An explicit rule: when the condition holds, add a score and/or force an action."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.\-]{0,63}$")
    description: str = ""
    when: Condition
    action: Literal["accept", "tag", "quarantine", "reject"] | None = None
    score: float = 0.0
    mode: Mode | None = Field(None, description="enforce | monitor; default: the policy's mode")
    sample_percent: float = Field(100.0, ge=0, le=100, description="apply to this share of matching mail")
    expires: dt.date | None = Field(None, description="after this date the rule is ignored (and `check` warns)")
    reply: ReplySpec | None = None
    final: bool = Field(False, description="stop evaluating later rules when this one matches")
    cap: Literal["accept", "tag", "quarantine"] | None = Field(
        None, description="the most this message may get, from its score and from the rules listed after this one "
        "(rules before it keep their action): e.g. mail about a scam is at most tagged")

    @model_validator(mode="after")
    def _does_something(self) -> Rule:
        if self.action is None and self.score == 0 and self.cap is None:
            raise ValueError("a rule needs an action, a score or a cap")
        return self


class AllowEntry(_Closed):
    """An exemption: findings for these brands are dropped for matching mail; the reason is logged."""

    sender_domain: list[str] | None = None
    client_ip: list[str] | None = None
    authenticated: bool | None = None
    recipient_domain: list[str] | None = None
    brands: list[str] | Literal["all"] = "all"
    reason: str = Field(min_length=3)
    expires: dt.date | None = None

    @model_validator(mode="after")
    def _has_selector(self) -> AllowEntry:
        if not (self.sender_domain or self.client_ip or self.authenticated):
            raise ValueError("an allow entry needs sender_domain, client_ip or authenticated")
        for net in self.client_ip or []:
            ipaddress.ip_network(net, strict=False)
        return self


class RecipientOverride(_Closed):
    """Different mode or thresholds when every recipient is in these domains."""

    recipient_domain: list[str]
    mode: Mode | None = None
    thresholds: Thresholds | None = None


class TagSpec(_Closed):
    """How tagged mail is marked."""

    subject_prefix: str | None = Field(None, max_length=40)
    headers: bool = True


class CatalogueSpec(_Closed):
    """Where brand, freemail and platform files are (globs relative to the policy file)."""

    brands: list[str] = ["brands/*.yaml"]
    freemail: str | None = "freemail.yaml"
    platforms: list[str] = Field(["platforms.yaml"], description="files (globs) of platforms whose mail carries "
                                 "user-written fields (PayPal invoices, calendar invites, ...)")
    vocabulary: list[str] = Field(["vocabulary/*.yaml"], description="files (globs) of lure phrases per language, "
                                  "remote-access tools and link lists (local files add under `vocabulary:`)")


class PolicyFile(_Closed):
    """A whole policy file (default.yaml and included local files share this shape)."""

    version: Literal[1] = Field(1, description="schema version of the file")
    mode: Mode = Field(Mode.ENFORCE, description="enforce applies actions; monitor only writes would-... headers")
    thresholds: Thresholds = Field(default_factory=Thresholds, description="score at which tag/quarantine/reject apply")
    catalogue: CatalogueSpec = Field(default_factory=CatalogueSpec, description="brand and freemail files")
    include: list[str] = Field(default_factory=list, description="more policy files (globs), merged in order")
    brands: list[str] | Literal["all"] = Field("all", description="brand ids to act on; findings for others are dropped")
    tag: TagSpec = Field(default_factory=TagSpec, description="how tagged mail is marked")
    reject_reply: ReplySpec = Field(default_factory=ReplySpec, description="SMTP reply for score-based rejects")
    quarantine_reason: str = Field("brandguard: {rules}", max_length=200,
                                   description="hold reason; {brand} and {rules} are filled in")
    checks: dict[str, dict[str, Any]] = Field(default_factory=dict,
                                              description="check name -> weight and parameters; absent checks do not run")
    rules: list[Rule] = Field(default_factory=list, description="explicit rules, evaluated top-down")
    allow: list[AllowEntry] = Field(default_factory=list, description="exemptions, each with a reason")
    recipient_overrides: list[RecipientOverride] = Field(default_factory=list,
                                                         description="other mode/thresholds for some recipient domains")


class LocalPolicyFile(_Closed):
    """An included file: adds rules, allow entries and overrides; may override mode, thresholds and texts.

    Local files survive upgrades of the shipped default.yaml, so site choices belong here.
    """

    version: Literal[1] = 1
    mode: Mode | None = None
    thresholds: Thresholds | None = None
    tag: TagSpec | None = None
    reject_reply: ReplySpec | None = None
    quarantine_reason: str | None = Field(None, max_length=200)
    checks: dict[str, dict[str, Any]] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    allow: list[AllowEntry] = Field(default_factory=list)
    recipient_overrides: list[RecipientOverride] = Field(default_factory=list)
    platforms: list[PlatformSpec] = Field(default_factory=list, description="more platforms, as in platforms.yaml")
    vocabulary: VocabularySection | None = Field(None, description="more phrases, remote-access tools and link "
                                                 "lists, as in vocabulary/*.yaml")


__all__ = ["Action", "PolicyFile", "LocalPolicyFile", "Rule", "Condition", "AllowEntry"]
