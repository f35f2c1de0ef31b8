"""SPF result cache: hits skip pyspf, entries die with their DNS answers, DNS trouble is never kept."""
from __future__ import annotations

import threading

from brandguard.auth import Authenticator, AuthSettings
from brandguard.auth.dns import BudgetedResolver, DnsResolver
from brandguard.auth.dnscache import TtlCache
from brandguard.auth.spf import check_helo, check_host
from brandguard.auth.spfcache import SpfCache
from brandguard.model import Envelope, SpfResult
from fixtures.dns import FakeResolver, Zones, context_from_bytes

ZONES = (
    Zones()
    .spf("example.com", "v=spf1 ip4:192.0.2.0/24 -all")
    .spf("exp.example.com", "v=spf1 -all exp=explain.example.com")
    .add("explain.example.com", "TXT", "%{i} is not one of our servers")
    .spf("lostexp.example.com", "v=spf1 -all exp=x.timeout.example")
    .spf("slow.example.com", "v=spf1 include:x.timeout.example -all")
    .spf("mx.example.com", "v=spf1 a -all")
    .add("mx.example.com", "A", "192.0.2.25")
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TtlFake(DnsResolver):
    """The real resolver and its TTL cache, answering from zones with one TTL for everything."""

    def __init__(self, zones, ttl: float, clock: Clock):
        super().__init__(nameservers=["127.0.0.1"], cache=TtlCache(100, 100, 300, clock=clock))
        self.fake, self.ttl = FakeResolver(zones, timeout=["timeout.example"]), ttl

    def _query(self, qname, rtype, lifetime):
        records = self.fake.lookup(qname, rtype)
        return records, self.ttl, (None if records else "nodata")


def test_repeat_is_answered_without_dns():
    resolver, cache = FakeResolver(ZONES), SpfCache()
    first = check_host(resolver, "192.0.2.10", "alice@example.com", "mx.example.com", cache=cache)
    asked = len(resolver.queries)
    again = check_host(resolver, "192.0.2.10", "alice@example.com", "mx.example.com", cache=cache)
    assert first == again == SpfResult("pass", "example.com") and len(resolver.queries) == asked
    other_ip = check_host(resolver, "203.0.113.5", "alice@example.com", "mx.example.com", cache=cache)
    assert other_ip.result == "fail" and len(resolver.queries) > asked


def test_helo_and_mail_from_identities_do_not_share_entries():
    resolver, cache = FakeResolver(ZONES), SpfCache()
    assert check_host(resolver, "192.0.2.25", "bob@example.com", "mx.example.com", cache=cache).domain == "example.com"
    assert check_helo(resolver, "192.0.2.25", "mx.example.com", cache=cache) == SpfResult("pass", "mx.example.com")
    assert len(cache) == 2


def test_entry_lives_no_longer_than_max_age():
    clock = Clock()
    resolver, cache = FakeResolver(ZONES), SpfCache(max_age=60, clock=clock)
    check_host(resolver, "192.0.2.10", "alice@example.com", "x", cache=cache)
    clock.now += 59
    assert cache.get(("192.0.2.10", "alice@example.com", "x", "", None)) is not None
    clock.now += 2
    asked = len(resolver.queries)
    check_host(resolver, "192.0.2.10", "alice@example.com", "x", cache=cache)
    assert len(resolver.queries) > asked


def test_entry_lives_no_longer_than_the_dns_answers_behind_it():
    clock = Clock()
    resolver, cache = TtlFake(ZONES, ttl=5, clock=clock), SpfCache(max_age=60, clock=clock)
    view = BudgetedResolver(resolver, 10)
    check_host(view, "192.0.2.10", "alice@example.com", "x", cache=cache)
    clock.now += 4
    assert len(cache) == 1 and cache.get(("192.0.2.10", "alice@example.com", "x", "", None))
    clock.now += 2
    assert cache.get(("192.0.2.10", "alice@example.com", "x", "", None)) is None


def test_uncached_dns_answer_means_uncached_result():
    clock = Clock()
    resolver, cache = TtlFake(ZONES, ttl=0, clock=clock), SpfCache(clock=clock)
    check_host(resolver, "192.0.2.10", "alice@example.com", "x", cache=cache)
    assert len(cache) == 0


def test_temperror_is_not_cached():
    resolver, cache = FakeResolver(ZONES, timeout=["timeout.example"]), SpfCache()
    got = check_host(resolver, "192.0.2.10", "bob@slow.example.com", "x", cache=cache)
    assert got.result == "temperror" and len(cache) == 0
    cache.put(("k",), SpfResult("temperror", "slow.example.com"), 30)
    assert len(cache) == 0


def test_result_reached_despite_a_dns_failure_is_not_cached():
    # pyspf falls back to its default text when the exp= lookup times out: the result looks
    # fine, but a retry could read the domain's own explanation
    resolver, cache = FakeResolver(ZONES, timeout=["timeout.example"]), SpfCache()
    got = check_host(resolver, "192.0.2.10", "bob@lostexp.example.com", "x", cache=cache)
    assert got.result == "fail" and len(cache) == 0


def test_spent_budget_is_not_cached():
    resolver, cache = FakeResolver(ZONES), SpfCache()
    got = check_host(BudgetedResolver(resolver, 0), "192.0.2.10", "alice@example.com", "x", cache=cache)
    assert got.result == "temperror" and len(cache) == 0


def test_explained_fail_is_not_cached():
    resolver, cache = FakeResolver(ZONES), SpfCache()
    got = check_host(resolver, "203.0.113.5", "bob@exp.example.com", "x", cache=cache)
    assert got.explanation == "203.0.113.5 is not one of our servers" and len(cache) == 0


def test_bounded_least_recently_used_first():
    cache = SpfCache(max_entries=2)
    for n in range(3):
        cache.put((n,), SpfResult("pass"), 30)
    assert len(cache) == 2 and cache.get((0,)) is None and cache.get((2,)) is not None


def test_concurrent_threads_share_one_cache():
    resolver, cache = FakeResolver(ZONES), SpfCache(max_entries=8)
    errors = []

    def work(n: int) -> None:
        for i in range(50):
            ip = f"192.0.2.{(n * 50 + i) % 20}"
            if check_host(resolver, ip, "alice@example.com", "x", cache=cache).result != "pass":
                errors.append(ip)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(cache) <= 8


def test_authenticator_gives_identical_results_from_its_cache():
    envelope = Envelope(client_addr="192.0.2.25", helo="mx.example.com", mail_from="bounce@example.com",
                        rcpts=("bob@example.net",), queue_id="Q1")
    raw = b"From: Alice <alice@example.com>\r\nSubject: hi\r\nMessage-ID: <m@example.com>\r\n\r\nHello\r\n"
    resolver = FakeResolver(ZONES)
    auth = Authenticator(resolver, AuthSettings())
    first = auth.authenticate(context_from_bytes(raw, envelope))
    spf_queries = [q for q in resolver.queries if not q[0].startswith("_dmarc.")]
    second = auth.authenticate(context_from_bytes(raw, envelope))
    assert first == second and first.spf.result == first.spf_helo.result == "pass"
    assert [q for q in resolver.queries if not q[0].startswith("_dmarc.")] == spf_queries
