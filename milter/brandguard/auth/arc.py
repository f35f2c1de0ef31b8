"""ARC (RFC 8617) chain validation through dkimpy, and the trusted-sealer override of a DMARC fail."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import authres
import dkim as dkimpy

from brandguard.auth.dkim import KeyFetcher
from brandguard.auth.dkimverifier import ArcSet, arc_verify
from brandguard.auth.dns import Resolver
from brandguard.model import ArcResult, DmarcResult

log = logging.getLogger(__name__)
_dkimpy_log = logging.getLogger("brandguard.auth.dkimpy")
_AAR_INSTANCE_RE = re.compile(r"^\s*i\s*=\s*\d+\s*;\s*", re.I)


def verify_chain(
    resolver: Resolver,
    raw: bytes,
    *,
    dmarc: DmarcResult | None = None,
    trusted_sealers: Iterable[str] = (),
    min_key_bits: int = 1024,
) -> ArcResult:
    """Validate the ARC chain of `raw`; never raises.

    DNS trouble while fetching seal keys yields "fail" (RFC 8617 has no temperror for the
    chain) with a reason saying so; the override then simply does not happen.
    """
    fetch = KeyFetcher(resolver)
    try:
        cv, results, reason = arc_verify(raw, logger=_dkimpy_log, dnsfunc=fetch, minkey=min_key_bits)
    except Exception as exc:  # dkimpy bug on hostile input: data, not a crash
        log.warning("dkimpy arc_verify failed: %r", exc)
        return ArcResult(result="fail", reason=f"internal: {exc.__class__.__name__}")
    ordered = sorted(results, key=lambda r: r.get("instance", 0))
    sealers = tuple(_text(r.get("as-domain", b"")).lower() for r in ordered)
    if cv == dkimpy.CV_None:
        return ArcResult(result="none", reason=reason)
    if cv != dkimpy.CV_Pass:
        if fetch.problem is not None and fetch.problem[0] == "temperror":
            reason = f"temperror: {fetch.problem[1]}"
        return ArcResult(result="fail", sealers=sealers, reason=reason)
    override, why = _trusted_override(ordered, dmarc, [t.lower().rstrip(".") for t in trusted_sealers])
    return ArcResult(result="pass", sealers=sealers, trusted_override=override, reason=why or reason)


def _trusted_override(ordered: list[ArcSet], dmarc: DmarcResult | None, trusted: list[str]) -> tuple[bool, str]:
    """Override a DMARC fail when a trusted hop recorded dmarc=pass, trusting only contiguous hops.

    Walking from the newest seal (the hop that handed us the message) towards the oldest,
    each trusted sealer vouches for what it received; the first untrusted one ends the
    walk, since what it says, and everything before it, could be invented.
    """
    if dmarc is None or dmarc.result != "fail" or not ordered or not trusted:
        return False, ""
    for arc_set in reversed(ordered):
        sealer = _text(arc_set.get("as-domain", b"")).lower()
        if not any(sealer == t or sealer.endswith("." + t) for t in trusted):
            return False, f"sealer {sealer} is not trusted"
        if _aar_says_dmarc_pass(_text(arc_set.get("aar-value", b""))):
            return True, f"trusted sealer {sealer} recorded dmarc=pass"
    return False, "no trusted sealer recorded dmarc=pass"


def _aar_says_dmarc_pass(value: str) -> bool:
    try:
        header = authres.all_features().parse_value(_AAR_INSTANCE_RE.sub("", value, count=1))
    except Exception:  # a sealer's malformed AAR proves nothing
        return False
    return any(getattr(r, "method", "") == "dmarc" and r.result == "pass" for r in header.results)


def _text(value: bytes | str) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else value
