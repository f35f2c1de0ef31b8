"""RFC5322.From domain extraction (RFC 7489 6.6.1), organisational domains and alignment."""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from publicsuffixlist import PublicSuffixList

from brandguard.addresses import parse_addresses
from brandguard.model import MessageContext

# The list bundled with the publicsuffixlist package, private section included (blogspot.com
# users are separate organisations). Never fetched at run time: the wheel version pins it.
_PSL = PublicSuffixList()

_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_DOMAIN_RE = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
_FOLD_RE = re.compile(r"\r?\n(?=[ \t])")

NO_FROM = "no_from"
MULTIPLE_FROM = "multiple_from"
MULTIPLE_ADDRESSES = "multiple_addresses"
UNPARSEABLE = "unparseable"


@dataclass(frozen=True)
class AuthorDomain:
    """The domain DMARC evaluates, and what was wrong with the From header(s) if anything."""

    domain: str  # A-label, lower case; "" when no single domain could be determined
    problem: str = ""  # "", no_from, multiple_from, multiple_addresses, unparseable
    addresses: tuple[str, ...] = ()


def normalise_domain(text: str) -> str | None:
    """Lower-case A-label form of `text`, or None when it is not a domain name."""
    name = text.strip().rstrip(".").lower()
    if not name:
        return None
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return name if _DOMAIN_RE.match(name) else None


def _addresses(value: str) -> list[str] | None:
    """Addresses in one From value; None when the value does not parse as an address list."""
    unfolded = _FOLD_RE.sub("", value)
    pairs = parse_addresses([unfolded])
    addrs = [addr for _name, addr in pairs if addr]
    if not addrs or any(not addr for _name, addr in pairs if _name or addr):
        return None
    # the stdlib parser glues "pay pal.com" into "paypal.com": readers see something else
    lowered = unfolded.lower()
    if any(addr.rpartition("@")[2].lower() not in lowered for addr in addrs):
        return None
    return addrs


def _domain_of(addr: str) -> str | None:
    local, at, dom = addr.rpartition("@")
    if not at or not local:
        return None
    return normalise_domain(dom)


def author_domain(ctx: MessageContext) -> AuthorDomain:
    """RFC 7489 6.6.1: exactly one From with exactly one address, or say what went wrong.

    Several headers or addresses that all share one domain still yield that domain (the
    RFC lets receivers evaluate it), with the problem recorded for the policy to judge.
    """
    values = tuple(ctx.header_values("From"))
    # a hostile sender's huge or endless From variants must not fill memory: only short ones are remembered
    return _author_cached(values) if sum(map(len, values)) <= 1024 else _author_of(values)


# The same From headers recur across a sender's messages, and parsing them is pure.
@functools.lru_cache(maxsize=4096)
def _author_cached(values: tuple[str, ...]) -> AuthorDomain:
    return _author_of(values)


def _author_of(values: tuple[str, ...]) -> AuthorDomain:
    if not values:
        return AuthorDomain("", NO_FROM)
    all_addrs: list[str] = []
    for value in values:
        addrs = _addresses(value)
        if addrs is None:
            return AuthorDomain("", MULTIPLE_FROM if len(values) > 1 else UNPARSEABLE)
        all_addrs += addrs
    domains = [_domain_of(a) for a in all_addrs]
    if any(d is None for d in domains):
        problem = MULTIPLE_FROM if len(values) > 1 else UNPARSEABLE
        return AuthorDomain("", problem, tuple(all_addrs))
    distinct = set(domains)
    domain = domains[0] if len(distinct) == 1 else ""
    if len(values) > 1:
        return AuthorDomain(domain or "", MULTIPLE_FROM, tuple(all_addrs))
    if len(all_addrs) > 1:
        return AuthorDomain(domain or "", MULTIPLE_ADDRESSES, tuple(all_addrs))
    return AuthorDomain(domain or "", "", tuple(all_addrs))


@functools.lru_cache(maxsize=8192)
def org_domain(domain: str) -> str:
    """Organisational domain (RFC 7489 3.2) from the bundled Public Suffix List.

    A public suffix itself (co.uk) or an unknown single label is its own organisational domain.
    """
    name = domain.strip().rstrip(".").lower()
    if not name:
        return ""
    return _PSL.privatesuffix(name) or name


def aligned(auth_domain: str, from_domain: str, mode: str = "r",
            org: Callable[[str], str] = org_domain) -> bool:
    """DMARC identifier alignment: strict ("s") is equality, relaxed ("r") same org domain."""
    a = auth_domain.strip().rstrip(".").lower()
    f = from_domain.strip().rstrip(".").lower()
    if not a or not f:
        return False
    if a == f:
        return True
    if mode == "s":
        return False
    return org(a) == org(f)
