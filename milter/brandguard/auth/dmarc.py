"""DMARC (RFC 7489, or DMARCbis with the DNS tree walk): result, applicable policy and disposition."""
from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypedDict

from brandguard.auth.dns import Resolver
from brandguard.auth.orgdomain import AuthorDomain, aligned, org_domain
from brandguard.errors import DnsError
from brandguard.model import DkimSignature, DmarcResult, SpfResult

POLICIES = ("none", "quarantine", "reject")
_VERSION_RE = re.compile(r"^\s*v\s*=\s*DMARC1\s*(;|$)")
_DOWNGRADE = {"reject": "quarantine", "quarantine": "none", "none": "none"}
MAX_WALK = 5  # DMARCbis tree walk: the domain itself, then at most four more names


@dataclass(frozen=True)
class Record:
    """One DMARC policy record, or why the name's records could not be used."""

    domain: str
    tags: dict[str, str] = field(default_factory=dict)
    error: str = ""


def parse_record(text: str) -> dict[str, str]:
    """Tag map of a record that starts with v=DMARC1 (tag names lower-cased, values stripped)."""
    # a copy: callers may change theirs; only usual-sized records are remembered (a TXT record can be huge)
    return dict(_parse_cached(text) if len(text) <= 1024 else _parse_record(text))


@functools.lru_cache(maxsize=1024)
def _parse_cached(text: str) -> tuple[tuple[str, str], ...]:
    return _parse_record(text)


def _parse_record(text: str) -> tuple[tuple[str, str], ...]:
    tags: dict[str, str] = {}
    for part in text.split(";"):
        name, eq, value = part.partition("=")
        if eq and name.strip():
            tags.setdefault(name.strip().lower(), value.strip())
    return tuple(tags.items())


def fetch_record(resolver: Resolver, domain: str) -> Record | None:
    """The DMARC record at _dmarc.`domain` (None when there is none); raises DnsError."""
    texts = []
    for chunks in resolver.lookup(f"_dmarc.{domain}", "TXT"):
        text = b"".join(chunks).decode("utf-8", "replace")
        if _VERSION_RE.match(text):
            texts.append(text)
    if not texts:
        return None
    if len(texts) > 1:  # RFC 7489 6.6.3 step 4: several records mean no usable policy
        return Record(domain, error="several DMARC records")
    return Record(domain, parse_record(texts[0]))


def walk_targets(domain: str) -> list[str]:
    """DMARCbis tree walk order: the domain, then (at most) its last 4, 3, 2, 1 labels."""
    labels = domain.split(".")
    return [domain] + [".".join(labels[-k:]) for k in range(min(len(labels) - 1, MAX_WALK - 1), 0, -1)]


class _Walker:
    """DMARCbis policy discovery and organisational domains, each _dmarc name queried once."""

    def __init__(self, resolver: Resolver):
        self._resolver = resolver
        self._memo: dict[str, Record | None] = {}

    def record(self, domain: str) -> Record | None:
        if domain not in self._memo:
            self._memo[domain] = fetch_record(self._resolver, domain)
        return self._memo[domain]

    def org_domain(self, domain: str) -> str:
        """DMARCbis 4.10.2: psd=n stops at that name, psd=y one label below it, else the shortest."""
        shortest = None
        for target in walk_targets(domain):
            rec = self.record(target)
            if rec is None or rec.error:
                continue
            psd = rec.tags.get("psd", "u").lower()
            if psd == "n":
                return target
            if psd == "y" and target != domain:
                return ".".join(domain.split(".")[-(target.count(".") + 2):])
            shortest = target
        return shortest or domain


class _Identity(TypedDict, total=False):
    """DmarcResult fields every result of one evaluation shares."""

    from_domain: str
    from_problem: str
    org_domain: str


class _Evaluated(_Identity):
    policy: str
    spf_aligned: bool
    dkim_aligned: bool


def evaluate(
    resolver: Resolver,
    author: AuthorDomain,
    spf: SpfResult,
    dkim: Iterable[DkimSignature],
    *,
    mode: str = "rfc7489",
    sample_key: str = "",
) -> DmarcResult:
    """DMARC for the author domain; DNS trouble is temperror, never an exception."""
    if not author.domain:
        return DmarcResult(result="permerror", from_problem=author.problem or "unparseable",
                           reason="no single RFC5322.From domain")
    from_dom = author.domain
    walker = _Walker(resolver) if mode == "dmarcbis" else None
    base: _Identity = {"from_domain": from_dom, "from_problem": author.problem}
    try:
        org = walker.org_domain(from_dom) if walker else org_domain(from_dom)
        base["org_domain"] = org
        rec = _discover(resolver, walker, from_dom, org)
        if rec is None:
            return DmarcResult(result="none", reason="no DMARC record", **base)
        if rec.error:
            return DmarcResult(result="permerror", reason=f"{rec.error} at _dmarc.{rec.domain}", **base)
        tags, problem = _validated(rec.tags, mode)
        if tags is None:
            return DmarcResult(result="permerror", reason=f"{problem} at _dmarc.{rec.domain}", **base)
        org_of = walker.org_domain if walker else org_domain
        spf_ok = spf.result == "pass" and aligned(spf.domain, from_dom, tags["aspf"], org_of)
        dkim_ok = any(s.result == "pass" and aligned(s.domain, from_dom, tags["adkim"], org_of) for s in dkim)
        policy, why = _applicable_policy(resolver, rec, from_dom, tags, mode)
    except DnsError as exc:
        return DmarcResult(result="temperror", reason=f"DNS: {exc}", **base)
    passed = spf_ok or dkim_ok
    outcome: _Evaluated = {"policy": policy, "spf_aligned": spf_ok, "dkim_aligned": dkim_ok, **base}
    if passed:
        via = " and ".join(n for n, ok in (("spf", spf_ok), ("dkim", dkim_ok)) if ok)
        return DmarcResult(result="pass", disposition="none", reason=f"aligned {via} pass", **outcome)
    disposition, note = _disposition(policy, tags, mode, sample_key)
    reason = f"no aligned pass; p={policy} from _dmarc.{rec.domain}{why}{note}"
    return DmarcResult(result="fail", disposition=disposition, reason=reason, **outcome)


def _discover(resolver: Resolver, walker: _Walker | None, from_dom: str, org: str) -> Record | None:
    if walker is None:  # RFC 7489 6.6.3: the From domain, then its organisational domain
        rec = fetch_record(resolver, from_dom)
        if rec is None and org != from_dom:
            rec = fetch_record(resolver, org)
        return rec
    for target in walk_targets(from_dom):  # DMARCbis 4.10.1: first record found walking up
        rec = walker.record(target)
        if rec is not None:
            return rec
    return None


def _validated(raw: dict[str, str], mode: str) -> tuple[dict[str, str] | None, str]:
    """Tags with defaults filled in, or (None, problem) when the record must be ignored."""
    tags = {k: v.lower() for k, v in raw.items() if k != "rua" and k != "ruf"}
    p_ok = tags.get("p") in POLICIES
    sp_ok = tags.get("sp", "none") in POLICIES
    if not (p_ok and sp_ok):
        # RFC 7489 6.6.3 step 6: act as p=none only when a valid rua shows someone listens
        has_rua = any(u.strip().lower().startswith("mailto:") for u in raw.get("rua", "").split(","))
        if mode != "dmarcbis":
            if not has_rua:
                return None, ("invalid p= or sp=" if "p" in tags else "missing p=")
            p_ok = False  # the whole record counts as p=none
        tags["p"] = tags["p"] if p_ok else "none"
        if not sp_ok or mode != "dmarcbis":
            tags.pop("sp", None)
    tags["adkim"] = tags["adkim"] if tags.get("adkim") in ("r", "s") else "r"
    tags["aspf"] = tags["aspf"] if tags.get("aspf") in ("r", "s") else "r"
    pct = tags.get("pct", "100")
    tags["pct"] = pct if pct.isdigit() and int(pct) <= 100 else "100"
    return tags, ""


def _applicable_policy(resolver: Resolver, rec: Record, from_dom: str, tags: dict[str, str],
                       mode: str) -> tuple[str, str]:
    if rec.domain == from_dom:
        return tags["p"], ""
    policy, why = tags.get("sp", tags["p"]), " (subdomain)"
    np = tags.get("np")
    if mode == "dmarcbis" and np in POLICIES and _nonexistent(resolver, from_dom):
        policy, why = np, " (non-existent subdomain, np=)"
    return policy, why


def _nonexistent(resolver: Resolver, domain: str) -> bool:
    """DMARCbis: no A, AAAA or MX. A DNS error counts as existing: np= must not apply on doubt."""
    try:
        return not any(resolver.lookup(domain, rtype) for rtype in ("A", "AAAA", "MX"))
    except DnsError:
        return False


def _disposition(policy: str, tags: dict[str, str], mode: str, sample_key: str) -> tuple[str, str]:
    if mode == "dmarcbis":
        if tags.get("t") == "y":
            return _DOWNGRADE[policy], "; t=y testing, one level lower"
        return policy, ""
    pct = int(tags["pct"])
    if pct >= 100 or policy == "none":
        return policy, ""
    # deterministic sample (a hash of the message) so `scan` reproduces the daemon's decision
    bucket = int.from_bytes(hashlib.sha256(sample_key.encode("utf-8", "replace")).digest()[:4], "big") % 100
    if bucket < pct:
        return policy, f"; pct={pct} sampled in"
    return _DOWNGRADE[policy], f"; pct={pct} sampled out"
