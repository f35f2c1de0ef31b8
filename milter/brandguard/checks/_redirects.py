"""Open redirectors of big platforms ("bing.com/ck/a?...&u=", "google.com/url?q="): where such a link really goes."""
from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from urllib.parse import parse_qs, urlsplit

from brandguard.content.urls import host_of
from brandguard.policy.vocabulary import Redirector, default_vocabulary

# Phishers route links through these so that a filter sees microsoft.com or google.com; the redirector's own host
# says nothing about the destination. The list is vocabulary (open_redirectors in policies/vocabulary/links.yaml).
UNKNOWN = "unknown-target.invalid"  # a redirect whose target cannot be read: somewhere, not the brand


def redirect_target(url: str, redirectors: Sequence[Redirector] | None = None) -> str | None:
    """The destination host of a link through a known open redirector; None for any other link.

    `redirectors` are the policy's (vocabulary(inp).open_redirectors); None means the shipped list.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    for r in default_vocabulary().open_redirectors if redirectors is None else redirectors:
        if not (host == r.host or host.endswith("." + r.host)) or not parts.path.startswith(r.path):
            continue
        if not r.param:
            return host_of("https://" + parts.path[len(r.path):]) or UNKNOWN
        value = (parse_qs(parts.query).get(r.param) or [""])[0]
        if r.decode == "a1_base64" and value.startswith("a1"):
            value = _b64(value[2:])
        return host_of(value) or UNKNOWN
    return None


def _b64(value: str) -> str:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""
