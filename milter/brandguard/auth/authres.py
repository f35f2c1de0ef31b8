"""Authentication-Results (RFC 8601): build ours, read a trusted upstream one, spot forged ones."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import authres
from authres.arc import ARCAuthenticationResult
from authres.dmarc import DMARCAuthenticationResult

from brandguard.auth.orgdomain import aligned, normalise_domain, org_domain
from brandguard.model import (
    ArcResult,
    AuthResults,
    DkimSignature,
    DmarcResult,
    MessageContext,
    SpfResult,
    domain_of,
)

_FOLD_RE = re.compile(r"\r?\n(?=[ \t])")
_UNSAFE_RE = re.compile(r"[^A-Za-z0-9 .,:=/_+-]+")
# authres drops result comments, where Gmail and others write "(p=REJECT sp=NONE dis=NONE)"
_DMARC_COMMENT_RE = re.compile(r"\bdmarc\s*=\s*[a-z]+\s*\(([^()]*)\)", re.I)
_POLICY_COMMENT_RE = re.compile(r"\bp=(none|quarantine|reject)\b", re.I)
_FEATURES = authres.all_features()


def _safe(text: str, limit: int = 120) -> str:
    """Text safe inside a value or comment: senders control much of it (d=, reasons)."""
    # '@' matters: authres leaves any value containing it unquoted
    cleaned = " ".join(_UNSAFE_RE.sub(" ", text).split())
    return cleaned[:limit]


def _dom(text: str) -> str | None:
    return normalise_domain(text) if text else None


def build_header(authserv_id: str, auth: AuthResults) -> str:
    """The Authentication-Results value (without the field name) stating `auth` under `authserv_id`."""
    try:
        return _memoised_header(authserv_id, auth)
    except TypeError:  # a list somewhere in the facts (not how auth/ builds them): not hashable, so not memoised
        return _header(authserv_id, auth)


# a sender's mail repeats the same results all day, and authres builds and formats a dozen objects per call
@lru_cache(maxsize=1024)
def _memoised_header(authserv_id: str, auth: AuthResults) -> str:
    return _header(authserv_id, auth)


def _header(authserv_id: str, auth: AuthResults) -> str:
    results: list[object] = []  # authres result objects
    if auth.checked:
        results.append(authres.SPFAuthenticationResult(
            result=auth.spf.result, smtp_mailfrom=_dom(auth.spf.domain),
            reason=_safe(auth.spf.explanation) or None))
        if auth.spf_helo.domain:
            results.append(authres.SPFAuthenticationResult(
                result=auth.spf_helo.result, smtp_helo=_dom(auth.spf_helo.domain)))
        for sig in auth.dkim:
            results.append(authres.DKIMAuthenticationResult(
                result=sig.result, header_d=_dom(sig.domain), header_s=_safe(sig.selector) or None,
                header_a=_safe(sig.algorithm) or None,
                reason=_safe(sig.reason) if sig.result != "pass" and sig.reason else None))
        if not auth.dkim:
            results.append(authres.DKIMAuthenticationResult(result="none"))
        d = auth.dmarc
        results.append(DMARCAuthenticationResult(
            result=d.result, header_from=_dom(d.from_domain),
            result_comment=f"p={d.policy} dis={d.disposition}" if d.policy else None,
            policy=d.disposition if d.result == "fail" else None,
            reason=_safe(d.from_problem) or None))
        if auth.arc.result != "none":
            comment = " ".join(_safe(s) for s in auth.arc.sealers)
            if auth.arc.trusted_override:
                comment = f"trusted sealer override; {comment}"
            results.append(ARCAuthenticationResult(result=auth.arc.result, result_comment=comment or None))
    header = authres.AuthenticationResultsHeader(authserv_id=authserv_id, results=results)
    value: str = header.header_value()
    return value


def authserv_id_of(value: str) -> str | None:
    """The authserv-id an Authentication-Results value starts with (token or quoted-string)."""
    text = _FOLD_RE.sub("", value)
    pos = _skip_cfws(text, 0)
    if pos < len(text) and text[pos] == '"':
        out, pos = [], pos + 1
        while pos < len(text) and text[pos] != '"':
            if text[pos] == "\\":
                pos += 1
            out.append(text[pos:pos + 1])
            pos += 1
        return "".join(out) or None
    match = re.compile(r'[^\s;()"]+').match(text, pos)
    return match.group(0) if match else None


def _skip_cfws(text: str, pos: int) -> int:
    depth = 0
    while pos < len(text):
        ch = text[pos]
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif ch == "\\" and depth:
            pos += 1
        elif not depth and not ch.isspace():
            break
        pos += 1
    return pos


def _same_id(a: str, b: str) -> bool:
    return a.strip().rstrip(".").lower() == b.strip().rstrip(".").lower()


def claims_our_id(value: str, authserv_id: str) -> bool:
    """True when this Authentication-Results value claims `authserv_id` (so must be removed inbound).

    Works on malformed values too: a forged header need not be valid to mislead a reader.
    """
    found = authserv_id_of(value)
    return found is not None and _same_id(found, authserv_id)


def from_trusted_headers(ctx: MessageContext, authserv_id: str) -> AuthResults:
    """Authentication facts from the topmost parseable A-R header by `authserv_id` (source="authres").

    When there is none, the result is unchecked (`checked=False`): nobody we trust looked.
    """
    for value in ctx.header_values("Authentication-Results"):
        if not claims_our_id(value, authserv_id):
            continue
        text = _FOLD_RE.sub("", value)
        try:
            header = _FEATURES.parse_value(text)
        except Exception:  # authres raises its own SyntaxError and assorted others
            continue
        comment = _DMARC_COMMENT_RE.search(text)
        return _facts(header.results, comment.group(1) if comment else "")
    return AuthResults()


def _prop(result: object, ptype: str, name: str) -> str:
    for prop in getattr(result, "properties", []):
        if prop.type == ptype and prop.name == name:
            return str(prop.value or "")
    return ""


def _facts(results: list[Any], dmarc_comment: str) -> AuthResults:  # authres result objects (untyped)
    spf, spf_helo, dmarc, arc = SpfResult(), SpfResult(), DmarcResult(), ArcResult()
    dkim: list[DkimSignature] = []
    for r in results:
        method = getattr(r, "method", "")
        if method == "spf":
            mailfrom, helo = _prop(r, "smtp", "mailfrom"), _prop(r, "smtp", "helo")
            if helo and not mailfrom:
                spf_helo = SpfResult(result=r.result, domain=helo.lower().rstrip("."))
            else:
                spf = SpfResult(result=r.result, domain=(domain_of(mailfrom) or mailfrom.lower()).rstrip("."))
        elif method == "dkim":
            dkim.append(DkimSignature(result=r.result, domain=_prop(r, "header", "d").lower(),
                                      selector=_prop(r, "header", "s"), algorithm=_prop(r, "header", "a"),
                                      reason=str(r.reason or "")))
        elif method == "dmarc":
            dmarc = _dmarc_fact(r, dmarc_comment)
        elif method == "arc":
            arc = ArcResult(result=r.result)
    if dmarc.from_domain:
        # alignment is not written in the header; rebuild it (relaxed) from what is
        spf_ok = spf.result == "pass" and aligned(spf.domain, dmarc.from_domain)
        dkim_ok = any(s.result == "pass" and aligned(s.domain, dmarc.from_domain) for s in dkim)
        dmarc = DmarcResult(**{**dmarc.__dict__, "spf_aligned": spf_ok, "dkim_aligned": dkim_ok})
    return AuthResults(spf=spf, spf_helo=spf_helo, dkim=tuple(dkim), dmarc=dmarc, arc=arc,
                       checked=True, source="authres")


def _dmarc_fact(r: Any, comment: str) -> DmarcResult:  # an authres DMARC result (untyped)
    from_domain = _prop(r, "header", "from").lower().rstrip(".")
    if "@" in from_domain:
        from_domain = domain_of(from_domain)
    match = _POLICY_COMMENT_RE.search(comment)
    policy = match.group(1).lower() if match else ""
    disposition = _prop(r, "policy", "dmarc").lower()
    if disposition not in ("none", "quarantine", "reject"):
        disposition = policy if r.result == "fail" and policy else "none"
    return DmarcResult(result=r.result, from_domain=from_domain,
                       org_domain=org_domain(from_domain) if from_domain else "",
                       policy=policy, disposition=disposition, reason="from trusted Authentication-Results")
