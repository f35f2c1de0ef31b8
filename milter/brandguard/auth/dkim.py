"""DKIM (RFC 6376, RFC 8463): verify every signature, one result per signature with d= s= a=."""
from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable

import dkim as dkimpy
from dkim.canonicalization import CanonicalizationPolicy, InvalidCanonicalizationPolicyError
from dkim.util import InvalidTagValueList, parse_tag_value

from brandguard.auth.dkimverifier import BodyHashMismatch, Headers, Verifier
from brandguard.auth.dns import Resolver
from brandguard.errors import DnsError
from brandguard.model import DkimSignature

log = logging.getLogger(__name__)
# dkimpy logs every bad signature at ERROR: sender-controlled noise, and the result says it all
_dkimpy_log = logging.getLogger("brandguard.auth.dkimpy")
_dkimpy_log.addHandler(logging.NullHandler())
_dkimpy_log.propagate = False

# Signatures past this many are not verified: each costs a DNS query and an RSA operation,
# and no legitimate message carries more than a handful.
MAX_SIGNATURES = 10

# Key records longer than this are classified on every lookup rather than remembered, so a
# hostile zone cannot fill the memo with megabytes; real RSA-4096 records are under 1 KB.
_MEMO_RECORD_BYTES = 2048


class KeyFetcher:
    """dkimpy's `dnsfunc`, remembering why the last key lookup failed.

    dkimpy turns DNS timeouts and bad key records into a plain `False`; the reason is
    what separates temperror and permerror from fail, so it is recorded here.
    """

    def __init__(self, resolver: Resolver):
        self._resolver = resolver
        self.problem: tuple[str, str] | None = None  # (result, reason)

    def __call__(self, name: bytes | str, timeout: float = 5) -> bytes | None:
        text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
        text = text.rstrip(".")
        self.problem = None
        try:
            records = self._resolver.lookup(text, "TXT")
        except DnsError as exc:
            self.problem = ("temperror", f"key lookup failed: {exc}")
            raise dkimpy.DnsTimeoutError(str(exc)) from None
        if not records:
            self.problem = ("permerror", f"no key published at {text}")
            return None
        value = b"".join(records[0])
        # only the classification is remembered: the lookup above stays per call, so TTLs and
        # DNS failures are the resolver's business
        problem = (_key_problem(text, value) if len(value) <= _MEMO_RECORD_BYTES
                   else _key_problem.__wrapped__(text, value))
        if problem is not None:
            self.problem = ("permerror", problem)
        return value


@functools.lru_cache(maxsize=512)
def _key_problem(name: str, value: bytes) -> str | None:
    """Why the key record `value` published at `name` is unusable, or None.

    Parsing an RSA key is pure-Python ASN.1 work, and big senders publish few keys, so
    the verdict is memoised; it depends only on (name, value), both part of the key.
    """
    try:
        dkimpy.evaluate_pk(name, value)
    except Exception as exc:  # KeyFormatError, binascii.Error, nacl errors: all "bad key"
        return f"unusable key record at {name}: {exc}"
    return None


def verify_all(
    resolver: Resolver,
    raw: bytes,
    *,
    min_key_bits: int = 1024,
    body_truncated: bool = False,
    now: Callable[[], float] = time.time,
) -> tuple[DkimSignature, ...]:
    """Verify each DKIM-Signature of `raw` (top to bottom); never raises for bad input or DNS."""
    try:
        headers, body = _parse(raw)
    except Exception as exc:
        log.debug("message not parseable for DKIM: %r", exc)
        return ()
    # One instance serves every signature. dkimpy's verify(idx) keeps nothing from one call that a
    # later call reads (the key and its size are reloaded each time), so this equals a fresh
    # dkimpy.DKIM(raw) per signature without parsing the message again for each.
    verifier = Verifier(headers, body, logger=_dkimpy_log, minkey=min_key_bits)
    sig_values = [v for k, v in headers if k.lower() == b"dkim-signature"]
    out = []
    for idx, value in enumerate(sig_values):
        if idx >= MAX_SIGNATURES:
            out.append(DkimSignature(result="policy", reason=f"more than {MAX_SIGNATURES} signatures"))
            continue
        out.append(_verify_one(resolver, verifier, headers, idx, value, body_truncated, now()))
    return tuple(out)


def _parse(raw: bytes) -> tuple[Headers, bytes]:
    """Exactly dkimpy.rfc822_parse(raw): same headers, same body, same exceptions.

    rfc822_parse splits the whole message into lines with a regex and joins the body back with
    CRLF; for a large body that costs more than verifying a signature. Only the header block
    goes through rfc822_parse here; the body gets the same LF-to-CRLF result from two
    bytes.replace calls (every LF ends a line, and a CR already before it is kept once).
    """
    end = _headers_end(raw)
    if end is None:  # no empty line: all headers, and rfc822_parse returns an empty body
        parsed: tuple[Headers, bytes] = dkimpy.rfc822_parse(raw)
        return parsed
    headers: Headers
    headers, _ = dkimpy.rfc822_parse(raw[:end[0]])
    return headers, raw[end[1]:].replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _headers_end(raw: bytes) -> tuple[int, int] | None:
    """Start and end of the first empty line, where rfc822_parse's header loop stops."""
    if raw.startswith(b"\n"):
        return 0, 1
    if raw.startswith(b"\r\n"):
        return 0, 2
    # CRLF first: the milter rebuilds messages with CRLF, so the LF-only search stays short
    crlf = raw.find(b"\n\r\n")
    lf = raw.find(b"\n\n", 0, crlf + 1 if crlf >= 0 else len(raw))
    if lf >= 0:
        return lf + 1, lf + 2
    if crlf >= 0:
        return crlf + 1, crlf + 3
    if raw.endswith(b"\n"):  # the split's trailing empty string is the empty line
        return len(raw), len(raw)
    return None


def _signed_headers(headers: Headers, tags: dict[bytes, bytes]) -> Headers:
    """The headers dkimpy can read for this signature: those named in h=, and the signatures.

    dkimpy canonicalises every header of the message for each signature, then picks the ones
    h= names, bottom-up by name. Dropping headers no h= entry can match (a name that is not
    even a substring of h=) leaves that pick, and the index of each DKIM-Signature, unchanged.
    """
    h_value = tags.get(b"h")
    if not isinstance(h_value, bytes):
        return headers
    wanted = h_value.lower()
    return [h for h in headers if h[0].lower() in wanted or h[0].lower() == b"dkim-signature"]


def _tag(tags: dict[bytes, bytes], name: bytes) -> str:
    return tags.get(name, b"").decode("ascii", "replace").strip()


def _verify_one(
    resolver: Resolver, verifier: Verifier, headers: Headers, idx: int, value: bytes,
    body_truncated: bool, now: float,
) -> DkimSignature:
    try:
        tags: dict[bytes, bytes] = parse_tag_value(value)
    except InvalidTagValueList as exc:
        return DkimSignature(result="permerror", reason=f"malformed signature: {exc}")
    domain, selector = _tag(tags, b"d").lower(), _tag(tags, b"s")
    algorithm = _tag(tags, b"a").lower()

    def result(res: str, reason: str = "") -> DkimSignature:
        return DkimSignature(result=res, domain=domain, selector=selector, algorithm=algorithm, reason=reason)

    if not domain or not selector:
        return result("permerror", "missing d= or s=")
    signed = [h.strip().lower() for h in _tag(tags, b"h").split(":")]
    if "from" not in signed:
        # RFC 6376 5.4: else a captured signature keeps verifying while From is rewritten
        return result("permerror", "From header not signed")
    if algorithm == "rsa-sha1":
        return result("policy", "rsa-sha1 is not acceptable (RFC 8301)")
    expiry = _tag(tags, b"x")
    if re.fullmatch(r"\d{1,12}", expiry) and int(expiry) < now:
        # checked before dkimpy, which allows 10 hours of slack; RFC 6376 3.5 allows none
        return result("fail", f"signature expired (x={expiry})")

    fetch = KeyFetcher(resolver)
    verifier.use_headers(_signed_headers(headers, tags))
    try:
        ok = verifier.verify(idx=idx, dnsfunc=fetch)
    except BodyHashMismatch:
        if body_truncated:
            return result("neutral", "body truncated before verification")
        return result("fail", "body hash did not verify")
    except dkimpy.DKIMException as exc:  # ValidationError, KeyFormatError, MessageFormatError, ...
        return result("permerror", _short(exc))
    except Exception as exc:  # dkimpy bug on hostile input: data, not a crash
        log.warning("dkimpy failed on signature %d (d=%s): %r", idx, domain, exc)
        return result("permerror", f"internal: {exc.__class__.__name__}")
    if fetch.problem is not None:
        return result(*fetch.problem)
    if not ok:
        return result("fail", "signature did not verify")
    unsigned = _unsigned_body_bytes(tags, verifier)
    if unsigned > 0:
        return result("policy", f"l= leaves {unsigned} body bytes unsigned")
    return result("pass")


def _unsigned_body_bytes(tags: dict[bytes, bytes], verifier: Verifier) -> int:
    """Canonical body bytes after the l= count: content anyone could have appended."""
    length = tags.get(b"l")
    if length is None:
        return 0
    try:
        policy = CanonicalizationPolicy.from_c_value(tags.get(b"c", b"simple/simple"))
    except InvalidCanonicalizationPolicyError:
        return 0
    return max(0, len(verifier.canonical_body(policy)) - int(length))


def _short(exc: BaseException) -> str:
    text = str(exc).replace("\n", " ")
    return text if len(text) <= 120 else text[:117] + "..."
