"""pymilter callbacks: collect SMTP facts only; eom freezes them and runs the pipeline once."""
from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, TypeVar, cast

import Milter

from brandguard.adapter import actuator
from brandguard.adapter.actuator import CONTINUE, TEMPFAIL
from brandguard.model import Envelope, MessageContext

if TYPE_CHECKING:
    from brandguard.app import App

log = logging.getLogger("brandguard")
_Callback = TypeVar("_Callback", bound=Callable[..., int])


def _noreply(callback: _Callback) -> _Callback:
    """Milter.noreply with its type (pymilter has no type information)."""
    return cast(_Callback, Milter.noreply(callback))


def _text(value: bytes | str) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return value


class Session(Milter.Base):  # type: ignore[misc]  # pymilter has no type information
    """One SMTP connection. libmilter runs one thread per connection, so state here is per-thread."""

    # Set by the runner before libmilter starts (class attributes: libmilter builds instances itself).
    app: ClassVar[App]

    def __init__(self) -> None:
        super().__init__()
        self.client_addr = ""
        self.client_name = ""
        self.helo_name = ""
        self.in_transaction = False
        self._reset()

    def _reset(self) -> None:
        self.mail_from = ""
        self.rcpts: list[str] = []
        self.headers: list[tuple[str, str]] = []
        self.body_parts: list[bytes] = []
        self.body_len = 0
        self.size = 0
        self.truncated = False
        self.auth_authen = ""

    @_noreply
    def connect(self, hostname: str | None, family: int,
                hostaddr: tuple[str, int] | tuple[str, int, int, int] | str | None) -> int:
        self.client_name = hostname or ""
        if isinstance(hostaddr, tuple) and hostaddr:
            self.client_addr = str(hostaddr[0])
        elif isinstance(hostaddr, str) and family != socket.AF_UNIX:
            self.client_addr = hostaddr
        return CONTINUE

    @_noreply
    def hello(self, heloname: str | None) -> int:
        self.helo_name = heloname or ""
        return CONTINUE

    def envfrom(self, mailfrom: bytes | str, *params: bytes | str) -> int:
        # Not @noreply: at shutdown we must be able to refuse a new transaction (Postfix answers 4xx)
        if self.app.stopping:
            self.setreply("421", "4.3.2", "brandguard is restarting, try again later")
            return TEMPFAIL
        self._end_transaction()
        self.app.begin_transaction()
        self.in_transaction = True
        self._reset()
        self.mail_from = _text(mailfrom)
        self.auth_authen = _text(self.getsymval("{auth_authen}") or "")
        return CONTINUE

    @_noreply
    def envrcpt(self, to: bytes | str, *params: bytes | str) -> int:
        self.rcpts.append(_text(to))
        return CONTINUE

    # Implemented (not @nocallback) on purpose: with protocol 6 Postfix sends the DATA macros anyway,
    # and a milter that does not answer them makes Postfix wait for a 40 ms delayed ACK per message.
    def data(self) -> int:
        return CONTINUE

    @_noreply
    def header(self, name: bytes | str, value: bytes | str) -> int:
        name, value = _text(name), _text(value)
        self.headers.append((name, value))
        self.size += len(name) + len(value) + 4
        return CONTINUE

    @_noreply
    def eoh(self) -> int:
        self.size += 2
        return CONTINUE

    @_noreply
    def body(self, chunk: bytes) -> int:
        self.size += len(chunk)
        room = self.app.settings.body_scan_limit - self.body_len
        if room > 0:
            piece = chunk[:room]
            self.body_parts.append(piece)
            self.body_len += len(piece)
        if len(chunk) > max(room, 0):
            self.truncated = True
        return CONTINUE

    def eom(self) -> int:
        ctx = MessageContext(
            envelope=Envelope(
                client_addr=self.client_addr, client_name=self.client_name, helo=self.helo_name,
                mail_from=self.mail_from.strip("<>"), rcpts=tuple(r.strip("<>") for r in self.rcpts),
                queue_id=_text(self.getsymval("i") or ""), auth_authen=self.auth_authen,
            ),
            headers=tuple(self.headers), body=b"".join(self.body_parts),
            body_truncated=self.truncated, size=self.size,
        )
        started = time.monotonic()
        try:
            outcome = self.app.process(ctx)
            return actuator.apply(self, outcome, ctx, self.app)
        except Exception:  # the one catch-all: any unexpected failure is answered per on_error, never lost
            return actuator.on_error(self, self.app, ctx, started)
        finally:
            self._end_transaction()

    def _end_transaction(self) -> None:
        if self.in_transaction:
            self.in_transaction = False
            self.app.end_transaction()

    def abort(self) -> int:
        self._end_transaction()
        self._reset()
        return CONTINUE

    def close(self) -> int:
        self._end_transaction()
        return CONTINUE
