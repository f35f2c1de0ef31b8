"""Open redirectors of big platforms ("bing.com/ck/a?...&u=", "google.com/url?q="): where such a link really goes."""
from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs, urlsplit

from brandguard.content.urls import host_of

# (host suffix, path prefix, query parameter holding the target). Phishers route links through these so that a
# filter sees microsoft.com or google.com; the redirector's own host says nothing about the destination.
_REDIRECTORS = (
    ("bing.com", "/ck/a", "u"),
    ("google.com", "/url", "q"),
    ("google.com", "/url", "url"),
    ("google.com", "/amp/s/", ""),
    ("facebook.com", "/l.php", "u"),
    ("youtube.com", "/redirect", "q"),
    ("linkedin.com", "/redir/redirect", "url"),
    ("safelinks.protection.outlook.com", "/", "url"),
)
UNKNOWN = "unknown-target.invalid"  # a redirect whose target cannot be read: somewhere, not the brand


def redirect_target(url: str) -> str | None:
    """The destination host of a link through a known open redirector; None for any other link."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    for suffix, path, param in _REDIRECTORS:
        if not (host == suffix or host.endswith("." + suffix)) or not parts.path.startswith(path):
            continue
        if not param:
            return host_of("https://" + parts.path[len(path):]) or UNKNOWN
        value = (parse_qs(parts.query).get(param) or [""])[0]
        if suffix == "bing.com" and value.startswith("a1"):
            value = _b64(value[2:])
        return host_of(value) or UNKNOWN
    return None


def _b64(value: str) -> str:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""
