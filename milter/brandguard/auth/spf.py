"""SPF (RFC 7208) for the MAIL FROM and HELO identities, through pyspf with our resolver."""
from __future__ import annotations

import contextlib
import ipaddress
import logging
import threading
from typing import Any, Iterator

import spf as pyspf

from brandguard.auth.dns import Resolver
from brandguard.errors import DnsError
from brandguard.model import SpfResult, domain_of

log = logging.getLogger(__name__)

RESULTS = frozenset({"pass", "fail", "softfail", "neutral", "none", "permerror", "temperror"})
# pyspf spells two results the RFC 4408 way in some code paths
_OLD_NAMES = {"unknown": "permerror", "error": "temperror"}

# pyspf calls the module-level function spf.DNSLookup; it is process-global, so the
# resolver for the query running on *this* thread is kept in a thread-local.
_bound = threading.local()


def _dns_lookup(name: str, qtype: str, strict: Any = True, timeout: Any = None) -> list:
    """pyspf's DNS hook: answers as ((name, type), value) pairs, errors as spf.TempError."""
    resolver: Resolver | None = getattr(_bound, "resolver", None)
    if resolver is None:
        # never fall back to pyspf's own system-resolver lookups behind our back
        raise pyspf.TempError("DNS: no resolver bound to this thread")
    try:
        records = resolver.lookup(name, qtype)
    except DnsError as exc:
        raise pyspf.TempError(f"DNS {exc}") from None
    return [((name, qtype), value) for value in records]


pyspf.DNSLookup = _dns_lookup


@contextlib.contextmanager
def bound_resolver(resolver: Resolver) -> Iterator[None]:
    """Route this thread's pyspf lookups to `resolver` for the duration of the block."""
    previous = getattr(_bound, "resolver", None)
    _bound.resolver = resolver
    try:
        yield
    finally:
        _bound.resolver = previous


def check_host(
    resolver: Resolver,
    client_ip: str,
    mail_from: str,
    helo: str,
    *,
    receiver: str = "",
    default_explanation: str | None = None,
) -> SpfResult:
    """SPF result for `mail_from`, or for postmaster@`helo` when the reverse-path is null.

    RFC 7208 2.4: a null MAIL FROM is checked as the HELO identity, so DMARC can use it.
    `explanation` is set only for fail (the domain's exp= text, or `default_explanation`).
    """
    sender = mail_from.strip().strip("<>").strip()
    helo = helo.strip()
    ip = _client_ip(client_ip)
    if ip is None or not (sender or helo):
        domain = (domain_of(sender) or sender) if sender else helo
        return SpfResult(result="none", domain=domain.rstrip(".").lower(), explanation="")
    try:
        query = pyspf.query(i=ip, s=sender, h=helo, receiver=receiver or None, strict=True)
    except pyspf.PermError as exc:
        return SpfResult(result="permerror", domain=domain_of(sender) or helo.lower(), explanation=str(exc))
    domain = str(query.o).rstrip(".").lower()  # pyspf's identity domain (the HELO for a null sender)
    if default_explanation is not None:
        query.set_default_explanation(default_explanation)
    with bound_resolver(resolver):
        try:
            result, _code, explanation = query.check()
        except Exception as exc:  # pyspf bug on hostile input: data, not a crash
            log.warning("pyspf failed on %s from %s: %r", domain, ip, exc)
            return SpfResult(result="permerror", domain=domain, explanation=f"internal: {exc.__class__.__name__}")
        explained_by_domain = explanation != query.defexps.get("fail")
    result = _OLD_NAMES.get(result, result)
    if result not in RESULTS:
        result = "permerror"
    if result != "fail" or (default_explanation is None and not explained_by_domain):
        explanation = ""
    return SpfResult(result=result, domain=domain, explanation=explanation)


def check_helo(resolver: Resolver, client_ip: str, helo: str, *, receiver: str = "") -> SpfResult:
    """SPF result for the HELO identity alone (RFC 7208 2.3); none for address literals."""
    name = helo.strip()
    if not name or name.startswith("[") or "." not in name:
        return SpfResult(result="none", domain=name.lower())
    return check_host(resolver, client_ip, "", name, receiver=receiver)


def _client_ip(value: str) -> str | None:
    text = value.strip().strip("[]")
    if text.lower().startswith("ipv6:"):
        text = text[5:]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
