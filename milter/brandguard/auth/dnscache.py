"""Thread-safe TTL cache for DNS answers, with a separately bounded negative cache."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

# A day: TTLs beyond it are legal but keeping answers that long only serves stale data.
MAX_POSITIVE_TTL = 86_400.0


class TtlCache:
    """LRU maps of key -> (expires_at, records); empty records are negative answers.

    Negative answers (NXDOMAIN, NODATA) live in their own, smaller map so that a flood of
    queries for random names (every spam run invents some) cannot evict the answers that
    matter. libmilter runs one thread per connection, hence the lock.
    """

    def __init__(
        self,
        max_entries: int,
        negative_max_entries: int,
        negative_max_ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._max = max_entries
        self._neg_max = negative_max_entries
        self._neg_ttl_cap = negative_max_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._pos: OrderedDict[Hashable, tuple[float, tuple[Any, ...]]] = OrderedDict()
        self._neg: OrderedDict[Hashable, tuple[float, tuple[Any, ...]]] = OrderedDict()

    def get(self, key: Hashable) -> tuple[Any, ...] | None:
        """Cached records (maybe empty = cached negative answer), or None when absent or expired."""
        now = self._clock()
        with self._lock:
            for table in (self._pos, self._neg):
                entry = table.get(key)
                if entry is None:
                    continue
                expires, records = entry
                if expires <= now:
                    del table[key]
                    return None
                table.move_to_end(key)
                return records
        return None

    def remaining(self, key: Hashable) -> float:
        """Seconds until the answer under `key` expires; 0 when it is not cached."""
        now = self._clock()
        with self._lock:
            for table in (self._pos, self._neg):
                entry = table.get(key)
                if entry is not None:
                    return max(0.0, entry[0] - now)
        return 0.0

    def put(self, key: Hashable, records: tuple[Any, ...], ttl: float) -> None:
        """Store an answer for `ttl` seconds (capped); a zero TTL is not cached, as DNS intends."""
        negative = not records
        table, limit = (self._neg, self._neg_max) if negative else (self._pos, self._max)
        ttl = min(ttl, self._neg_ttl_cap if negative else MAX_POSITIVE_TTL)
        if ttl <= 0 or limit <= 0:
            return
        expires = self._clock() + ttl
        with self._lock:
            # an answer changes kind (name appears or vanishes): drop the stale one
            (self._pos if negative else self._neg).pop(key, None)
            table[key] = (expires, records)
            table.move_to_end(key)
            while len(table) > limit:
                table.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pos.clear()
            self._neg.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._pos) + len(self._neg)

    @property
    def negative_size(self) -> int:
        with self._lock:
            return len(self._neg)
