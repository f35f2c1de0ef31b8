"""Frozen data passed along the pipeline: envelope, message, auth facts, findings, verdict."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property


class Action(str, Enum):  # noqa: UP042 - StrEnum would change str() and format() of members
    """What the policy decided for a message; ordered by severity."""

    ACCEPT = "accept"
    TAG = "tag"
    QUARANTINE = "quarantine"
    REJECT = "reject"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def worst(cls, *actions: Action) -> Action:
        return max(actions, key=lambda a: a.rank, default=cls.ACCEPT)


_RANK = {Action.ACCEPT: 0, Action.TAG: 1, Action.QUARANTINE: 2, Action.REJECT: 3}


class Mode(str, Enum):  # noqa: UP042 - StrEnum would change str() and format() of members
    """Enforce applies terminal actions; monitor only writes what would have happened."""

    ENFORCE = "enforce"
    MONITOR = "monitor"


@dataclass(frozen=True)
class Envelope:
    """SMTP facts collected by the adapter callbacks (or synthesised by `scan`)."""

    client_addr: str = ""
    client_name: str = ""
    helo: str = ""
    mail_from: str = ""
    rcpts: tuple[str, ...] = ()
    queue_id: str = ""
    auth_authen: str = ""  # SASL login name when the client authenticated

    @property
    def mail_from_domain(self) -> str:
        return domain_of(self.mail_from)


def domain_of(address: str) -> str:
    """Lower-case domain part of an address (angle brackets tolerated), '' when none."""
    addr = address.strip().strip("<>").strip()
    if "@" not in addr:
        return ""
    return addr.rsplit("@", 1)[1].strip().rstrip(".").lower()


@dataclass(frozen=True)
class MessageContext:
    """One message frozen at end-of-message: everything a check may look at.

    `headers` keeps the order and the raw (unfolded-as-received) values, because
    authentication (DKIM, ARC) and header-composition checks need them verbatim.
    """

    envelope: Envelope
    headers: tuple[tuple[str, str], ...]
    body: bytes
    body_truncated: bool = False
    size: int = 0  # full size in bytes as received, even when body was truncated

    def header_values(self, name: str) -> list[str]:
        return list(self._by_name.get(name.lower(), ()))

    @cached_property
    def _by_name(self) -> dict[str, list[str]]:
        # auth, attribution, the checks and the engine ask for headers by name some twenty times a message
        out: dict[str, list[str]] = {}
        for k, v in self.headers:
            out.setdefault(k.lower(), []).append(v)
        return out

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "_by_name"}  # rebuilt where it is asked for

    def first_header(self, name: str) -> str | None:
        values = self.header_values(name)
        return values[0] if values else None

    def raw_bytes(self) -> bytes:
        """The message as RFC 5322 bytes (CRLF line ends), rebuilt from headers and body."""
        head = b"".join(
            k.encode("utf-8", "surrogateescape") + b":" + _hdr_value_bytes(v) + b"\r\n"
            for k, v in self.headers
        )
        return head + b"\r\n" + self.body


def _hdr_value_bytes(value: str) -> bytes:
    # libmilter (without SMFIP_HDR_LEADSPC) and mailfile both drop exactly one leading space; put it back
    raw = b" " + value.encode("utf-8", "surrogateescape")
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# --- authentication facts (filled by auth/, defaults mean "not checked") ---------------


@dataclass(frozen=True)
class SpfResult:
    """SPF result for one identity (mailfrom or helo)."""

    result: str = "none"  # pass fail softfail neutral none permerror temperror
    domain: str = ""
    explanation: str = ""


@dataclass(frozen=True)
class DkimSignature:
    """Verification result of one DKIM-Signature header."""

    result: str = "none"  # pass fail neutral none permerror temperror policy
    domain: str = ""  # d=
    selector: str = ""  # s=
    algorithm: str = ""
    reason: str = ""


@dataclass(frozen=True)
class DmarcResult:
    """DMARC evaluation of the RFC5322.From domain."""

    result: str = "none"  # pass fail none temperror permerror
    from_domain: str = ""
    org_domain: str = ""
    policy: str = ""  # p/sp/np that applied: none quarantine reject
    disposition: str = "none"  # what the domain asks for after pct/t: none quarantine reject
    spf_aligned: bool = False
    dkim_aligned: bool = False
    from_problem: str = ""  # "", "no_from", "multiple_from", "multiple_addresses", "unparseable"
    reason: str = ""


@dataclass(frozen=True)
class ArcResult:
    """ARC chain validation."""

    result: str = "none"  # pass fail none
    sealers: tuple[str, ...] = ()  # d= of each ARC-Seal, instance order
    trusted_override: bool = False  # a trusted sealer's valid chain overrode a DMARC fail
    reason: str = ""


@dataclass(frozen=True)
class AuthResults:
    """All authentication facts for a message; `checked` is False offline."""

    spf: SpfResult = field(default_factory=SpfResult)
    spf_helo: SpfResult = field(default_factory=SpfResult)
    dkim: tuple[DkimSignature, ...] = ()
    dmarc: DmarcResult = field(default_factory=DmarcResult)
    arc: ArcResult = field(default_factory=ArcResult)
    checked: bool = False
    source: str = "none"  # none | dns | authres (trusted upstream Authentication-Results)

    def authenticated_domains(self) -> frozenset[str]:
        """Domains this message is proven to come from: DKIM pass d=, SPF pass domain, DMARC pass From."""
        out = {s.domain.lower() for s in self.dkim if s.result == "pass" and s.domain}
        if self.spf.result == "pass" and self.spf.domain:
            out.add(self.spf.domain.lower())
        if self.dmarc.result == "pass" and self.dmarc.from_domain:
            out.add(self.dmarc.from_domain.lower())
        return frozenset(out)


# --- findings and verdicts -----------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One fact a check established, with the evidence a person needs to judge it."""

    check: str
    outcome: str
    brand: str | None = None
    evidence: str = ""
    where: str = ""  # from, display_name, subject, body, pdf, ics, url, reply_to, ...


@dataclass(frozen=True)
class Reply:
    """SMTP reply for reject or tempfail."""

    code: str = "550"
    xcode: str = "5.7.1"
    text: str = "Message rejected by policy"


@dataclass(frozen=True)
class RuleHit:
    """A policy rule or scored check that fired, with the score it added."""

    id: str
    action: Action | None = None  # forced action, None for score-only
    score: float = 0.0
    mode: Mode = Mode.ENFORCE


@dataclass(frozen=True)
class Verdict:
    """The policy's decision for one message."""

    action: Action
    score: float
    hits: tuple[RuleHit, ...] = ()
    findings: tuple[Finding, ...] = ()
    brands: tuple[str, ...] = ()
    mode: Mode = Mode.ENFORCE
    would_action: Action | None = None  # set in monitor mode: what enforce would have done
    reply: Reply | None = None
    reason: str = ""
    error: str = ""  # set when the verdict is the on_error fallback
    degraded: tuple[str, ...] = ()  # guarded steps (checks, extractors, auth methods) that raised: judged without them

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(h.id for h in self.hits)
