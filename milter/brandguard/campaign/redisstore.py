"""The campaign store of a fleet: Redis or Valkey, shared by every MTA's brandguard."""
from __future__ import annotations

import os
import time
from collections.abc import Sequence

import redis

from brandguard.campaign.store import Key, Seen

PREFIX = "brandguard:campaign:"
_FUZZY = PREFIX + "fuzzy"  # sorted set: TLSH digest -> last taught
_SCAN = 500


def _ikey(kind: str, value: str) -> str:
    return f"{PREFIX}i:{kind}:{value}"  # sorted set: source -> when it taught the indicator


def _skey(source: str) -> str:
    return f"{PREFIX}s:{source}"  # set: "kind\0value" the source taught


def _qkey(queue_id: str) -> str:
    return f"{PREFIX}q:{queue_id}"  # the source a queue id's message was learnt as


class RedisStore:
    """Indicators as sorted sets of the messages that taught them (score: when), so count, first and last
    seen and expiry are one command each; every key carries the TTL, so an idle fleet forgets by itself."""

    kind = "redis"

    def __init__(self, url: str, *, timeout: float = 0.25, read_only: bool = False):
        self.url, self.timeout, self.read_only = url, timeout, read_only
        self._client: redis.Redis | None = None
        self._pid = 0

    def _r(self) -> redis.Redis:
        # a client's connection pool must not cross the milter's fork into its analysis processes
        if self._client is None or self._pid != os.getpid():
            self._client = redis.Redis.from_url(self.url, socket_timeout=self.timeout,
                                                socket_connect_timeout=self.timeout, decode_responses=True,
                                                retry_on_timeout=False)
            self._pid = os.getpid()
        return self._client

    def ping(self) -> bool:
        return bool(self._r().ping())

    def lookup(self, keys: Sequence[Key], since: float) -> list[Seen]:
        if not keys:
            return []
        pipe = self._r().pipeline(transaction=False)
        for kind, value in keys:
            k = _ikey(kind, value)
            pipe.zcount(k, since, "+inf")
            pipe.zrangebyscore(k, since, "+inf", start=0, num=1, withscores=True)
            pipe.zrevrangebyscore(k, "+inf", since, start=0, num=1, withscores=True)
        answers = pipe.execute()
        out = []
        for i, (kind, value) in enumerate(keys):
            count, first, last = answers[3 * i:3 * i + 3]
            if count:
                out.append(Seen(kind, value, int(count), float(first[0][1]), float(last[0][1]), str(last[0][0])))
        return out

    def fingerprints(self, since: float, limit: int) -> list[str]:
        return [str(v) for v in self._r().zrevrangebyscore(_FUZZY, "+inf", since, start=0, num=limit)]

    def teach(self, keys: Sequence[Key], source: str, queue_id: str, now: float, ttl: float) -> None:
        if self.read_only:
            raise PermissionError("the campaign store is open read-only")
        seconds = max(1, int(ttl))
        pipe = self._r().pipeline(transaction=True)
        for kind, value in keys:
            k = _ikey(kind, value)
            pipe.zadd(k, {source: now})
            pipe.zremrangebyscore(k, "-inf", now - ttl)
            pipe.expire(k, seconds)
            pipe.sadd(_skey(source), f"{kind}\0{value}")
            if kind == "text_fuzzy":
                pipe.zadd(_FUZZY, {value: now})
        pipe.expire(_skey(source), seconds)
        if queue_id:
            pipe.set(_qkey(queue_id), source, ex=seconds)
        pipe.execute()

    def forget(self, source: str = "", queue_id: str = "") -> int:
        r = self._r()
        sources = {source} if source else set()
        if queue_id:
            found = r.get(_qkey(queue_id))
            sources |= {str(found)} if found else set()
        removed = 0
        for src in sources:
            for member in r.smembers(_skey(src)):
                kind, _, value = str(member).partition("\0")
                removed += int(r.zrem(_ikey(kind, value), src))
                if kind == "text_fuzzy" and not r.zcard(_ikey(kind, value)):
                    r.zrem(_FUZZY, value)
            r.delete(_skey(src))
        if queue_id:
            r.delete(_qkey(queue_id))
        return removed

    def sources_of(self, queue_id: str) -> list[str]:
        found = self._r().get(_qkey(queue_id))
        return [str(found)] if found else []

    def ban(self, sources: Sequence[str], until: float) -> None:
        seconds = int(until - time.time())
        if seconds <= 0:  # lifted
            if sources:
                self._r().delete(*(f"{PREFIX}ban:{s}" for s in sources))
            return
        pipe = self._r().pipeline(transaction=False)
        for source in sources:
            pipe.set(f"{PREFIX}ban:{source}", "1", ex=seconds)
        pipe.execute()

    def banned(self, source: str, now: float) -> bool:
        return bool(self._r().exists(f"{PREFIX}ban:{source}"))

    def bump(self, key: str, window: float, now: float) -> int:
        r, k = self._r(), f"{PREFIX}rate:{key}"
        n = int(r.incr(k))
        if n == 1:  # the window starts with its first message (EXPIRE NX would need Redis 7)
            r.expire(k, max(1, int(window)))
        return n

    def entries(self, since: float, kind: str | None = None, limit: int = 1000) -> list[Seen]:
        keys: list[Key] = []
        for k in self._r().scan_iter(match=f"{PREFIX}i:{kind or '*'}:*", count=_SCAN):
            found_kind, _, value = str(k)[len(PREFIX) + 2:].partition(":")
            keys.append((found_kind, value))
        seen = [s for i in range(0, len(keys), _SCAN) for s in self.lookup(keys[i:i + _SCAN], since)]
        return sorted(seen, key=lambda s: -s.last_seen)[:limit]

    def expire(self, before: float) -> int:
        return int(self._r().zremrangebyscore(_FUZZY, "-inf", before))

    def stats(self, since: float) -> dict[str, int]:
        """Indicators per kind (keys alive, whatever their age within the TTL), and `messages`."""
        r = self._r()
        out: dict[str, int] = {}
        for k in r.scan_iter(match=f"{PREFIX}i:*", count=_SCAN):
            kind = str(k)[len(PREFIX) + 2:].partition(":")[0]
            out[kind] = out.get(kind, 0) + 1
        out["messages"] = sum(1 for _ in r.scan_iter(match=f"{PREFIX}s:*", count=_SCAN))
        return out

    def close(self) -> None:
        if self._client is not None and self._pid == os.getpid():
            self._client.close()
        self._client = None
