"""SPF (RFC 7208) for the MAIL FROM and HELO identities, through pyspf with our resolver."""
from __future__ import annotations

import contextlib
import ipaddress
import logging
import threading
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import spf as pyspf

from brandguard.auth.dns import Resolver
from brandguard.auth.spfcache import SpfCache
from brandguard.errors import DnsError
from brandguard.model import SpfResult, domain_of

log = logging.getLogger(__name__)

RESULTS = frozenset({"pass", "fail", "softfail", "neutral", "none", "permerror", "temperror"})
# pyspf spells two results the RFC 4408 way in some code paths
_OLD_NAMES = {"unknown": "permerror", "error": "temperror"}

# pyspf calls the module-level function spf.DNSLookup; it is process-global, so the
# resolver for the query running on *this* thread is kept in a thread-local.
_bound = threading.local()


class _Trace:
    """What one check read from DNS: the shortest remaining TTL, and whether any lookup failed."""

    def __init__(self, max_age: float):
        self.ttl = max_age
        self.dns_error = False


def _dns_lookup(name: str, qtype: str, strict: Any = True, timeout: Any = None) -> list[tuple[tuple[str, str], Any]]:
    """pyspf's DNS hook: answers as ((name, type), value) pairs, errors as spf.TempError."""
    resolver: Resolver | None = getattr(_bound, "resolver", None)
    if resolver is None:
        # never fall back to pyspf's own system-resolver lookups behind our back
        raise pyspf.TempError("DNS: no resolver bound to this thread")
    trace: _Trace | None = getattr(_bound, "trace", None)
    try:
        records = resolver.lookup(name, qtype)
    except DnsError as exc:
        if trace is not None:
            trace.dns_error = True
        raise pyspf.TempError(f"DNS {exc}") from None
    if trace is not None:
        remaining = getattr(resolver, "remaining_ttl", None)
        ttl = remaining(name, qtype) if remaining is not None else None
        if ttl is not None:
            trace.ttl = min(trace.ttl, ttl)
    return [((name, qtype), value) for value in records]


pyspf.DNSLookup = _dns_lookup


@contextlib.contextmanager
def bound_resolver(resolver: Resolver, trace: _Trace | None = None) -> Iterator[None]:
    """Route this thread's pyspf lookups to `resolver` for the duration of the block."""
    previous = getattr(_bound, "resolver", None), getattr(_bound, "trace", None)
    _bound.resolver, _bound.trace = resolver, trace
    try:
        yield
    finally:
        _bound.resolver, _bound.trace = previous


def check_host(
    resolver: Resolver,
    client_ip: str,
    mail_from: str,
    helo: str,
    *,
    receiver: str = "",
    default_explanation: str | None = None,
    cache: SpfCache | None = None,
) -> SpfResult:
    """SPF result for `mail_from`, or for postmaster@`helo` when the reverse-path is null.

    RFC 7208 2.4: a null MAIL FROM is checked as the HELO identity, so DMARC can use it.
    `explanation` is set only for fail (the domain's exp= text, or `default_explanation`).
    `cache` (shared by the callers of one resolver) answers repeats of the same inputs.
    """
    sender = mail_from.strip().strip("<>").strip()
    helo = helo.strip()
    ip = _client_ip(client_ip)
    if ip is None or not (sender or helo):
        domain = (domain_of(sender) or sender) if sender else helo
        return SpfResult(result="none", domain=domain.rstrip(".").lower(), explanation="")
    key = (ip, sender, helo, receiver, default_explanation)
    if cache is not None:
        hit = cache.get(key)
        if hit is not None:
            return hit
    trace = _Trace(cache.max_age) if cache is not None else None
    result = _evaluate(resolver, ip, sender, helo, receiver, default_explanation, trace)
    # an explanation may expand %{t} (the time), and a failed lookup is the moment's DNS
    if cache is not None and trace is not None and not trace.dns_error and not result.explanation:
        cache.put(key, result, trace.ttl)
    return result


def _evaluate(resolver: Resolver, ip: str, sender: str, helo: str, receiver: str,
              default_explanation: str | None, trace: _Trace | None) -> SpfResult:
    try:
        query = pyspf.query(i=ip, s=sender, h=helo, receiver=receiver or None, strict=True)
    except pyspf.PermError as exc:
        return SpfResult(result="permerror", domain=domain_of(sender) or helo.lower(), explanation=str(exc))
    domain = str(query.o).rstrip(".").lower()  # pyspf's identity domain (the HELO for a null sender)
    if default_explanation is not None:
        query.set_default_explanation(default_explanation)
    with bound_resolver(resolver, trace):
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


def check_helo(resolver: Resolver, client_ip: str, helo: str, *, receiver: str = "",
               cache: SpfCache | None = None) -> SpfResult:
    """SPF result for the HELO identity alone (RFC 7208 2.3); none for address literals."""
    name = helo.strip()
    if not name or name.startswith("[") or "." not in name:
        return SpfResult(result="none", domain=name.lower())
    return check_host(resolver, client_ip, "", name, receiver=receiver, cache=cache)


@lru_cache(maxsize=1024)  # the same few relays connect again and again
def _client_ip(value: str) -> str | None:
    text = value.strip().strip("[]")
    if text.lower().startswith("ipv6:"):
        text = text[5:]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
