"""Resolver protocol and the dnspython resolver: timeouts, per-message budget, shared TTL cache."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

from brandguard.auth.config import AuthSettings
from brandguard.auth.dnscache import TtlCache
from brandguard.errors import ConfigError, DnsServFail, DnsTimeout

log = logging.getLogger(__name__)

# on_lookup(rtype, seconds, error_kind); error_kind in ERROR_KINDS or None for an answer with data
LookupObserver = Callable[[str, float, "str | None"], None]
ERROR_KINDS = ("timeout", "servfail", "nxdomain", "nodata", "budget", "other")


class Resolver(Protocol):
    """What auth/ needs from DNS.

    `lookup` returns the records of `name`/`rtype` after following CNAMEs; an empty tuple
    means NXDOMAIN or NODATA. Record shapes: A/AAAA -> address text; TXT/SPF -> tuple of
    bytes character-strings; MX -> (preference, exchange); PTR/CNAME/NS -> target name
    (no trailing dot); anything else -> presentation text. Raises DnsTimeout or
    DnsServFail (never dnspython exceptions). `timeout` caps this one query in seconds.
    """

    def lookup(self, name: str | bytes, rtype: str, timeout: float | None = None) -> tuple[Any, ...]: ...


# Optional on a Resolver: remaining_ttl(name, rtype) -> seconds its cached answer stays valid
# (0 when not cached). Caches of results derived from DNS (SPF) live no longer than that;
# a resolver without it (the unit tests' fake) serves data that never changes.


def normalise_name(name: str | bytes) -> str:
    """Lower-case text name without trailing dot (dkimpy hands bytes with a dot)."""
    if isinstance(name, bytes):
        name = name.decode("utf-8", "replace")
    return name.strip().rstrip(".").lower()


def _convert(rdata: Any) -> Any:
    rtype = rdata.rdtype
    if rtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
        return rdata.address
    if rtype in (dns.rdatatype.TXT, dns.rdatatype.SPF):
        return tuple(rdata.strings)
    if rtype == dns.rdatatype.MX:
        return (rdata.preference, rdata.exchange.to_text(omit_final_dot=True))
    if rtype in (dns.rdatatype.PTR, dns.rdatatype.CNAME, dns.rdatatype.NS):
        return rdata.target.to_text(omit_final_dot=True)
    return rdata.to_text()


class DnsResolver:
    """Thread-safe stub resolver over dnspython with a shared TTL cache.

    Cache hits are not reported to `on_lookup`: it measures queries that went to the wire.
    """

    def __init__(
        self,
        nameservers: list[str] | None = None,
        port: int = 53,
        query_timeout: float = 2.0,
        cache: TtlCache | None = None,
        on_lookup: LookupObserver | None = None,
    ):
        if nameservers:
            self._dns = dns.resolver.Resolver(configure=False)
            self._dns.port = port  # before the addresses: dnspython pairs them with the port
            self._dns.nameservers = list(nameservers)
        else:
            try:
                self._dns = dns.resolver.Resolver()
            except dns.resolver.NoResolverConfiguration:
                raise ConfigError("auth.nameservers: empty, and /etc/resolv.conf names no nameserver") from None
            self._dns.port = port
        # half the query timeout per attempt: one lost UDP datagram costs a retry, not the
        # query. dnspython's back-off between attempts may overrun `lifetime` by ~0.3 s.
        self._dns.timeout = query_timeout / 2
        self._dns.lifetime = query_timeout
        self._dns.retry_servfail = False
        self._dns.cache = None  # our cache: TTL cap and bounded negative entries
        self.query_timeout = query_timeout
        self.cache = cache
        self.on_lookup = on_lookup

    def budget(self, seconds: float) -> BudgetedResolver:
        """A per-message view sharing this cache and spending at most `seconds` on DNS."""
        return BudgetedResolver(self, seconds, on_lookup=self.on_lookup)

    def lookup(self, name: str | bytes, rtype: str, timeout: float | None = None) -> tuple[Any, ...]:
        qname, rtype = normalise_name(name), rtype.upper()
        key = (qname, rtype)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        lifetime = self.query_timeout if timeout is None else max(0.001, min(timeout, self.query_timeout))
        started = time.monotonic()
        kind: str | None = "other"
        try:
            records, ttl, kind = self._query(qname, rtype, lifetime)
        except dns.exception.Timeout:
            kind = "budget" if lifetime < self.query_timeout else "timeout"
            raise DnsTimeout(f"{rtype} {qname}: no answer within {lifetime:.2f}s") from None
        except dns.resolver.NoNameservers as exc:
            kind = "servfail"
            raise DnsServFail(f"{rtype} {qname}: {exc}") from None
        except dns.exception.DNSException as exc:  # malformed reply and the like: still temporary
            raise DnsServFail(f"{rtype} {qname}: {exc.__class__.__name__}: {exc}") from None
        finally:
            self._observe(rtype, time.monotonic() - started, kind)
        if self.cache is not None:
            self.cache.put(key, records, ttl)
        return records

    def remaining_ttl(self, name: str | bytes, rtype: str) -> float:
        if self.cache is None:
            return 0.0
        return self.cache.remaining((normalise_name(name), rtype.upper()))

    def _query(self, qname: str, rtype: str, lifetime: float) -> tuple[tuple[Any, ...], float, str | None]:
        try:
            answer = self._dns.resolve(
                qname, rtype, lifetime=lifetime, raise_on_no_answer=False, search=False
            )
        except dns.resolver.NXDOMAIN as exc:
            return (), _negative_ttl(exc), "nxdomain"
        except (dns.name.NameTooLong, dns.name.LabelTooLong, dns.name.EmptyLabel, dns.exception.SyntaxError):
            # such a name cannot exist in DNS: same meaning as NXDOMAIN, nothing sent
            return (), 0.0, "other"
        except dns.resolver.YXDOMAIN:
            return (), 0.0, "other"
        records = tuple(_convert(r) for r in answer.rrset) if answer.rrset is not None else ()
        ttl = float(answer.chaining_result.minimum_ttl)
        return records, ttl, (None if records else "nodata")

    def _observe(self, rtype: str, seconds: float, kind: str | None) -> None:
        if self.on_lookup is None:
            return
        try:
            self.on_lookup(rtype, seconds, kind)
        except Exception:  # metrics must never break mail flow
            log.exception("on_lookup observer failed")


def _negative_ttl(exc: dns.resolver.NXDOMAIN) -> float:
    """RFC 2308 negative TTL from the SOA in the NXDOMAIN response (0 when absent)."""
    try:
        # dnspython (py.typed) leaves NXDOMAIN.responses() unannotated
        for response in exc.responses().values():  # type: ignore[no-untyped-call]
            return float(response.resolve_chaining().minimum_ttl)
    except Exception:  # malformed authority section: just do not cache
        return 0.0
    return 0.0


class BudgetedResolver:
    """Per-message view over any Resolver: every lookup gets min(its timeout, time left).

    Once the message's DNS budget is spent, lookups raise DnsTimeout at once (reported as
    error_kind "budget") so a message with fifty DKIM signatures or a slow SPF include
    chain cannot hold a milter thread for long.
    """

    def __init__(
        self,
        inner: Resolver,
        seconds: float,
        on_lookup: LookupObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._inner = inner
        self._clock = clock
        self._deadline = clock() + seconds
        self._on_lookup = on_lookup

    @property
    def remaining(self) -> float:
        return max(0.0, self._deadline - self._clock())

    def lookup(self, name: str | bytes, rtype: str, timeout: float | None = None) -> tuple[Any, ...]:
        left = self._deadline - self._clock()
        if left <= 0:
            if self._on_lookup is not None:
                try:
                    self._on_lookup(rtype.upper(), 0.0, "budget")
                except Exception:
                    log.exception("on_lookup observer failed")
            raise DnsTimeout(f"{rtype} {normalise_name(name)}: per-message DNS budget spent")
        return self._inner.lookup(name, rtype, timeout=left if timeout is None else min(timeout, left))

    def remaining_ttl(self, name: str | bytes, rtype: str) -> float | None:
        """The inner resolver's remaining_ttl, or None when it cannot tell."""
        inner = getattr(self._inner, "remaining_ttl", None)
        return None if inner is None else inner(name, rtype)


def make_resolver(settings: AuthSettings, on_lookup: LookupObserver | None = None) -> DnsResolver:
    """The process-wide resolver for `settings` (share one: the cache lives in it)."""
    cache = TtlCache(
        settings.cache_max_entries,
        settings.negative_cache_max_entries,
        settings.negative_cache_max_ttl,
    )
    return DnsResolver(
        nameservers=settings.nameservers,
        port=settings.port,
        query_timeout=settings.query_timeout,
        cache=cache,
        on_lookup=on_lookup,
    )
