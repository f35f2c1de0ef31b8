"""TtlCache: TTL expiry, LRU bounds, a negative cache that cannot evict real answers."""
from __future__ import annotations

import threading

from brandguard.auth.dnscache import MAX_POSITIVE_TTL, TtlCache


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_answer_expires_with_its_ttl():
    clock = Clock()
    cache = TtlCache(10, 10, 300, clock=clock)
    cache.put(("a.example", "A"), ("192.0.2.1",), 60)
    clock.now += 59
    assert cache.get(("a.example", "A")) == ("192.0.2.1",)
    clock.now += 2
    assert cache.get(("a.example", "A")) is None


def test_negative_answers_are_capped_and_bounded_separately():
    clock = Clock()
    cache = TtlCache(max_entries=10, negative_max_entries=2, negative_max_ttl=30, clock=clock)
    cache.put(("real.example", "TXT"), ((b"v=spf1 -all",),), 3600)
    for i in range(5):
        cache.put((f"junk{i}.example", "A"), (), 3600)
    assert cache.negative_size == 2
    assert cache.get(("real.example", "TXT")) == ((b"v=spf1 -all",),)
    assert cache.get(("junk4.example", "A")) == ()
    clock.now += 31  # the SOA said an hour; the cap says 30 s
    assert cache.get(("junk4.example", "A")) is None


def test_least_recently_used_is_evicted():
    cache = TtlCache(2, 2, 300, clock=Clock())
    cache.put("a", (1,), 60)
    cache.put("b", (2,), 60)
    cache.get("a")
    cache.put("c", (3,), 60)
    assert cache.get("b") is None and cache.get("a") == (1,) and cache.get("c") == (3,)


def test_zero_ttl_and_disabled_cache_store_nothing():
    cache = TtlCache(0, 10, 300, clock=Clock())
    cache.put("a", (1,), 60)
    cache.put("b", (), 0)
    assert len(cache) == 0


def test_huge_ttl_is_capped():
    clock = Clock()
    cache = TtlCache(10, 10, 300, clock=clock)
    cache.put("a", (1,), 10 * MAX_POSITIVE_TTL)
    clock.now += MAX_POSITIVE_TTL + 1
    assert cache.get("a") is None


def test_name_that_appears_replaces_its_negative_entry():
    cache = TtlCache(10, 10, 300, clock=Clock())
    cache.put("a", (), 60)
    cache.put("a", (1,), 60)
    assert cache.get("a") == (1,) and cache.negative_size == 0


def test_concurrent_use_keeps_bounds():
    cache = TtlCache(50, 20, 300)

    def worker(n: int) -> None:
        for i in range(500):
            cache.put((n, i), (i,) if i % 3 else (), 60)
            cache.get((n, i // 2))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) <= 70 and cache.negative_size <= 20
