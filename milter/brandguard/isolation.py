"""Guarded steps: a check, extractor or auth method that raises is logged, counted and left out of the verdict."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger("brandguard")
T = TypeVar("T")

# The closed set of guarded step names besides the checks' own names (metric labels come from these).
EXTRACTORS = ("mime", "html", "text", "ics", "pdf", "docx", "image", "ocr", "forwarded", "attribution",
              "campaign")
AUTH_STEPS = ("spf", "dkim", "dmarc", "arc", "authres")
LOG_INTERVAL = 60.0  # seconds: a check failing on every message must not flood the journal


class _RateLimit:
    """Remembers when each step last logged a traceback, so each logs once per interval and process."""

    def __init__(self, interval: float = LOG_INTERVAL, clock: Callable[[], float] = time.monotonic):
        self.interval, self.clock = interval, clock
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def allow(self, name: str) -> bool:
        now = self.clock()
        with self._lock:
            last = self._last.get(name)
            if last is not None and now - last < self.interval:
                return False
            self._last[name] = now
            return True


RATE_LIMIT = _RateLimit()


class Guard:
    """One message's guard: runs named steps, turns an exception into a default value and a record.

    A step that raises leaves the message to be judged by everything else; `failed` names the steps,
    in order, for the decision record, the X-Brandguard-Degraded header and the error counter.
    """

    def __init__(self, queue_id: str = "", rate_limit: _RateLimit = RATE_LIMIT):
        self.queue_id = queue_id or "-"
        self.failed: list[str] = []
        self._rate_limit = rate_limit

    def run(self, name: str, fn: Callable[..., T], *args: object, default: T, **kwargs: object) -> T:
        """`fn(*args, **kwargs)`, or `default` when it raises an Exception (recorded under `name`)."""
        try:
            return fn(*args, **kwargs)
        except Exception:  # noqa: BLE001 - the isolation boundary of one step: anything it raises is contained
            self.record(name)
            return default

    def record(self, name: str) -> None:
        """Note that step `name` failed; call from inside the `except` block so the traceback is logged."""
        if name not in self.failed:
            self.failed.append(name)
        if self._rate_limit.allow(name):
            log.error("%s: %s raised; the message is judged without it (logged once a minute per step)",
                      self.queue_id, name, exc_info=True)

    @property
    def degraded(self) -> tuple[str, ...]:
        return tuple(self.failed)
