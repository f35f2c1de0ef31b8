"""Admin login: argon2 accounts or a trusted proxy's header, CSRF tokens in the session, rate limits."""
from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import Request

from brandguard.errors import SettingsError
from brandguard.web.config import TrustedProxy

_HASHER = PasswordHasher()
# verified against when the user does not exist, so that a wrong name costs as long as a wrong password
_DUMMY = _HASHER.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


class Accounts:
    """`name:argon2-hash` lines; # comments and blank lines ignored. Re-read when the file changes."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stamp: tuple[float, int] | None = None
        self._hashes: dict[str, str] = {}

    def _load(self) -> dict[str, str]:
        if self.path is None:
            return {}
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return {}
        if self._stamp != (st.st_mtime, st.st_size):
            out = {}
            for n, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                name, sep, digest = line.strip().partition(":")
                if not sep or not digest.startswith("$argon2"):
                    raise SettingsError(f"{self.path}:{n}: expected name:$argon2id$... (brandguard web passwd)")
                out[name] = digest
            self._hashes, self._stamp = out, (st.st_mtime, st.st_size)
        return self._hashes

    def check(self, name: str, password: str) -> bool:
        digest = self._load().get(name)
        try:
            return _HASHER.verify(digest or _DUMMY, password) and digest is not None
        except (VerificationError, InvalidHashError):
            return False


class RateLimit:
    """At most `limit` events per key in a sliding `window` of seconds (in memory: one web process)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, key: str) -> bool:
        with self._lock:
            q = self._events[key]
            cutoff = time.monotonic() - self.window
            while q and q[0] < cutoff:
                q.popleft()
            if not q:
                del self._events[key]  # so that the table holds only addresses seen within the window
                return False
            return len(q) >= self.limit

    def hit(self, key: str) -> None:
        with self._lock:
            self._events[key].append(time.monotonic())


def client_address(request: Request, forwarded_from: Sequence[str] = ()) -> str:
    """The peer, or behind a proxy listed in `forwarded_from` the address it names last in X-Forwarded-For:
    otherwise every user behind the proxy would share one rate limit."""
    peer = request.client.host if request.client else "-"
    forwarded = request.headers.get("x-forwarded-for", "").split(",")[-1].strip()
    if forwarded and _within(peer, forwarded_from):
        return forwarded[:64]
    return peer


def _within(address: str, networks: Sequence[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


def proxy_user(request: Request, proxy: TrustedProxy | None) -> str | None:
    """The admin a trusted reverse proxy names; the header of anyone else is ignored."""
    if proxy is None or request.client is None or not _within(request.client.host, proxy.addresses):
        return None
    return request.headers.get(proxy.header) or None


def admin(request: Request, proxy: TrustedProxy | None) -> str | None:
    """The logged-in admin, from the session or from a trusted proxy."""
    return proxy_user(request, proxy) or request.session.get("admin")


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(request: Request, given: object) -> bool:
    expected = request.session.get("csrf")
    return isinstance(expected, str) and isinstance(given, str) and hmac.compare_digest(expected, given)
