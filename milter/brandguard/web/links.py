"""Digest links: HMAC-SHA256 over action, queue id, recipient and expiry; checked in constant time."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

from brandguard.holdqueue import QUEUE_ID

ACTIONS = ("release", "request")


class LinkError(Exception):
    """The link is altered, expired or malformed; the message says which, for the log (not the user)."""


@dataclass(frozen=True)
class Link:
    """What a valid link grants: `action` on `queue_id`, for `recipient`, until `expires`."""

    action: str
    queue_id: str
    recipient: str
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def link_key(secret: bytes) -> bytes:
    # a key of its own, so that a session cookie can never pass as a link or the other way round
    return hmac.new(secret, b"brandguard digest links v1", hashlib.sha256).digest()


def sign(key: bytes, link: Link) -> str:
    if link.action not in ACTIONS or not QUEUE_ID.match(link.queue_id):
        raise ValueError(f"cannot sign {link!r}")
    payload = "\n".join((link.action, link.queue_id, link.recipient.lower(), str(link.expires))).encode()
    mac = hmac.new(key, payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(mac)}"


def verify(key: bytes, token: str, now: float | None = None) -> Link:
    """The link `token` grants; LinkError when it was not made with `key`, is malformed or has expired."""
    try:
        body, mac = token.split(".")
        payload, given = _unb64(body), _unb64(mac)
    except (ValueError, TypeError):
        raise LinkError("malformed") from None
    if not hmac.compare_digest(hmac.new(key, payload, hashlib.sha256).digest(), given):
        raise LinkError("bad signature")
    try:
        action, queue_id, recipient, expires = payload.decode().split("\n")
        link = Link(action, queue_id, recipient, int(expires))
    except (UnicodeDecodeError, ValueError):
        raise LinkError("malformed payload") from None
    if link.expires < (time.time() if now is None else now):
        raise LinkError("expired")
    return link
