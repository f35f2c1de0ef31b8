"""Bounded, thread-safe TTL cache of SPF results, no older than the DNS answers behind them."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from brandguard.model import SpfResult

# An SPF result is a pure function of its inputs and the DNS data it read. That data is
# cached by the resolver with its own TTLs, so a result may live as long as the shortest of
# them; the cap bounds the damage if a record changes without its TTL being honoured.
MAX_AGE = 60.0
MAX_ENTRIES = 4096


class SpfCache:
    """LRU map of (client IP, sender, HELO, receiver, ...) -> (expires_at, SpfResult)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_age: float = MAX_AGE,
                 clock: Callable[[], float] = time.monotonic):
        self._max = max_entries
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()  # one milter thread per connection share this
        self._table: OrderedDict[Hashable, tuple[float, SpfResult]] = OrderedDict()

    @property
    def max_age(self) -> float:
        return self._max_age

    def get(self, key: Hashable) -> SpfResult | None:
        now = self._clock()
        with self._lock:
            entry = self._table.get(key)
            if entry is None:
                return None
            if entry[0] <= now:
                del self._table[key]
                return None
            self._table.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, result: SpfResult, ttl: float) -> None:
        """Keep `result` for min(`ttl`, max age); temperror is never kept (it is the moment's DNS)."""
        ttl = min(ttl, self._max_age)
        if ttl <= 0 or self._max <= 0 or result.result == "temperror":
            return
        expires = self._clock() + ttl
        with self._lock:
            self._table[key] = (expires, result)
            self._table.move_to_end(key)
            while len(self._table) > self._max:
                self._table.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._table.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._table)
