"""Bounded, thread-safe LRU of attachment extraction results (PDF, OCR, DOCX) keyed by SHA-256 of the bytes."""
from __future__ import annotations

import dataclasses
import hashlib
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
_ENTRY_OVERHEAD = 256  # key, digest and OrderedDict node, roughly
_MAX_SHARE = 4  # one result may use at most a quarter of the cache, so a huge one cannot flush the rest


def approx_size(value: object) -> int:
    """Bytes a result holds, roughly: the strings and bytes in it, through tuples, lists and dataclasses."""
    if isinstance(value, (str, bytes)):
        return sys.getsizeof(value)
    if isinstance(value, (tuple, list)):
        return 56 + 8 * len(value) + sum(approx_size(v) for v in value)
    if dataclasses.is_dataclass(value):
        return 64 + sum(approx_size(getattr(value, f.name)) for f in dataclasses.fields(value))
    return 32


class _LastDigest:
    """SHA-256 of a bytes object, remembered for the last object asked about: the cache key of an attachment and
    its campaign indicator digest the same bytes (0.2 ms for a 370 KB PDF). Identity, not equality, decides."""

    def __init__(self) -> None:
        self._last: tuple[bytes, bytes] = (b"", hashlib.sha256(b"").digest())

    def __call__(self, data: bytes) -> bytes:
        last = self._last  # one read: another thread may replace it meanwhile, which costs a recomputation only
        if last[0] is data:
            return last[1]
        digest = hashlib.sha256(data).digest()
        self._last = (data, digest)
        return digest


sha256 = _LastDigest()


class AttachmentCache:
    """Results of pure extractors by (kind, parameters, digest of the input), least recently used evicted first.

    A campaign sends one attachment to thousands of recipients; extracting it once saves a PDF parse or a
    tesseract run per copy. Values are shared between threads and messages: callers must not mutate them.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self.hits = self.misses = 0

    def get_or_compute(self, kind: str, params: Hashable, data: bytes, limit_mb: int, compute: Callable[[], T],
                       keep: Callable[[T], bool] | None = None) -> T:
        """compute() unless the result for these bytes and parameters is cached; limit_mb 0 disables the cache.

        `keep` says whether a fresh result may be cached (not a timeout, say, which may not recur).
        """
        limit = limit_mb * 1024 * 1024
        if limit <= 0:
            return compute()
        key = (kind, params, sha256(data))
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found[0]  # type: ignore[return-value]
            self.misses += 1
        value = compute()  # outside the lock: another thread may compute the same key meanwhile, harmlessly
        size = approx_size(value) + len(key[2]) + _ENTRY_OVERHEAD
        if size * _MAX_SHARE <= limit and (keep is None or keep(value)):
            with self._lock:
                old = self._items.pop(key, None)
                self._bytes += size - (old[1] if old else 0)
                self._items[key] = (value, size)
                self._evict(limit)
        return value

    def _evict(self, limit: int) -> None:
        while self._bytes > limit and self._items:
            _, (_, size) = self._items.popitem(last=False)
            self._bytes -= size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"entries": len(self._items), "bytes": self._bytes, "hits": self.hits, "misses": self.misses}


CACHE = AttachmentCache()  # one per process: pre-forked workers each have their own
