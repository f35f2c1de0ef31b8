"""URLs and bare domain names in text; host and registrable (organisational) domain helpers."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Protocol
from urllib.parse import urlsplit

from brandguard.content import fastfind
from brandguard.content.model import Link

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`{}|\\^\[\]]{2,2000}", re.I)
# a domain written without a scheme: "visit norton-renewals.com now"
_BARE = re.compile(r"(?<![\w@./-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![\w@-]|\.\w)", re.I)
_TRAILING = ".,;:!?)]}>'\""
_MAX_LINKS = 300


class _SuffixList(Protocol):
    """What we use of publicsuffixlist.PublicSuffixList (which has no type information)."""

    def privatesuffix(self, domain: str) -> str | None: ...
    def publicsuffix(self, domain: str) -> str | None: ...


@lru_cache(maxsize=1)
def _psl() -> _SuffixList:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(accept_unknown=False)


def host_of(url: str) -> str:
    """Lower-case host of a URL ('' when none); tolerates missing scheme and junk."""
    u = url.strip()
    if u.lower().startswith("www."):
        u = "http://" + u
    try:
        parts = urlsplit(u)
        host = parts.hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


@lru_cache(maxsize=8192)  # every check asks again for the same few senders' and links' hosts
def org_domain(host: str) -> str:
    """Registrable domain (public suffix + 1 label); the host itself for IPs and unknown suffixes."""
    host = host.lower().rstrip(".")
    if not host or re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host):
        return host
    try:
        priv = _psl().privatesuffix(host)
    except Exception:  # malformed labels: fall back to the last two labels
        priv = None
    return priv or ".".join(host.split(".")[-2:])


@lru_cache(maxsize=8192)
def has_public_suffix(host: str) -> bool:
    """True when the host ends in a known public suffix (so 'notes.txt' is not a domain)."""
    try:
        return _psl().privatesuffix(host.lower()) is not None
    except Exception:
        return False


@lru_cache(maxsize=8192)
def has_known_tld(host: str) -> bool:
    """True when the last label is a top-level domain of the public suffix list ('mail.local' is not)."""
    try:
        return _psl().publicsuffix(host.lower().rstrip(".")) is not None
    except Exception:
        return False


def in_domain(host: str, domain: str) -> bool:
    """host equals domain or is a subdomain of it."""
    host, domain = host.lower().rstrip("."), domain.lower().rstrip(".")
    return host == domain or host.endswith("." + domain)


def links_in_text(text: str, where: str) -> list[Link]:
    """Scheme or www URLs in plain text, then bare domain names not already inside a URL."""
    out: list[Link] = []
    taken: list[tuple[int, int]] = []
    for m in fastfind.finditer(_URL, fastfind.url_starts(text), text):
        url = m.group().rstrip(_TRAILING)
        host = host_of(url)
        if host:
            out.append(Link(url=url, host=host, kind="text", where=where))
            taken.append((m.start(), m.start() + len(url)))
        if len(out) >= _MAX_LINKS:
            return out
    for m in fastfind.finditer(_BARE, fastfind.bare_starts(text), text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        host = m.group(1).lower()
        if host.count(".") >= 1 and has_public_suffix(host) and not host.replace(".", "").isdigit():
            out.append(Link(url=host, host=host, kind="bare", where=where))
        if len(out) >= _MAX_LINKS:
            break
    return out
