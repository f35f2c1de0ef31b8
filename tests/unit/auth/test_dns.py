"""DnsResolver against a tiny in-process DNS server: records, TTL cache, errors, budget, observer."""
from __future__ import annotations

import socket
import threading
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from brandguard.auth.config import AuthSettings
from brandguard.auth.dns import BudgetedResolver, DnsResolver, make_resolver
from brandguard.auth.dnscache import TtlCache
from brandguard.errors import DnsServFail, DnsTimeout

SOA = "ns.test. hostmaster.test. 1 3600 600 86400 45"


class MiniDns:
    """UDP server answering from {(name, type): [rdata text] | "nxdomain" | "servfail" | "drop"}."""

    def __init__(self, table: dict, ttl: int = 120):
        self.table, self.ttl, self.hits = table, ttl, 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                continue
            query = dns.message.from_wire(data)
            q = query.question[0]
            self.hits += 1
            spec = self.table.get((q.name.to_text(omit_final_dot=True), dns.rdatatype.to_text(q.rdtype)), [])
            if spec == "drop":
                continue
            reply = dns.message.make_response(query)
            reply.flags |= dns.flags.RA
            if spec == "servfail":
                reply.set_rcode(dns.rcode.SERVFAIL)
            elif spec == "nxdomain" or (spec == [] and q.name.labels[0] == b"nx"):
                reply.set_rcode(dns.rcode.NXDOMAIN)
                reply.authority.append(dns.rrset.from_text("test.", 3600, "IN", "SOA", SOA))
            elif spec:
                reply.answer.append(dns.rrset.from_text(q.name, self.ttl, "IN", q.rdtype, *spec))
            self.sock.sendto(reply.to_wire(), peer)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


TABLE = {
    ("example.test", "A"): ["192.0.2.1"],
    ("example.test", "AAAA"): ["2001:db8::1"],
    ("example.test", "MX"): ["10 mx.example.test."],
    ("example.test", "TXT"): ['"v=spf1 " "ip4:192.0.2.0/24 -all"'],
    ("slow.test", "TXT"): "drop",
    ("broken.test", "TXT"): "servfail",
    ("nx.test", "A"): "nxdomain",
}


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server():
    srv = MiniDns(TABLE)
    yield srv
    srv.close()


@pytest.fixture
def events():
    return []


def resolver_for(server, events, clock=None, timeout=0.3) -> DnsResolver:
    cache = TtlCache(100, 100, 30, clock=clock) if clock else TtlCache(100, 100, 30)
    return DnsResolver(["127.0.0.1"], server.port, timeout, cache, on_lookup=lambda *e: events.append(e))


@pytest.mark.parametrize(("name", "rtype", "expected"), [
    pytest.param("example.test", "A", ("192.0.2.1",), id="a"),
    pytest.param("example.test", "AAAA", ("2001:db8::1",), id="aaaa"),
    pytest.param("example.test", "MX", ((10, "mx.example.test"),), id="mx"),
    pytest.param("example.test", "TXT", ((b"v=spf1 ", b"ip4:192.0.2.0/24 -all"),), id="txt-chunks"),
    pytest.param(b"EXAMPLE.test.", "a", ("192.0.2.1",), id="bytes-name-with-dot"),
    pytest.param("nothing.test", "TXT", (), id="nodata"),
    pytest.param("nx.test", "A", (), id="nxdomain"),
    pytest.param("x" * 64 + ".test", "A", (), id="label-too-long"),
])
def test_record_shapes(server, events, name, rtype, expected):
    assert resolver_for(server, events).lookup(name, rtype) == expected


def test_answers_are_cached_for_their_ttl(server, events):
    clock = Clock()
    r = resolver_for(server, events, clock)
    r.lookup("example.test", "A")
    r.lookup("example.test", "A")
    assert server.hits == 1 and [e[2] for e in events] == [None]
    clock.now += 121
    r.lookup("example.test", "A")
    assert server.hits == 2


def test_nxdomain_is_cached_with_soa_minimum_capped(server, events):
    clock = Clock()
    r = resolver_for(server, events, clock)
    assert r.lookup("nx.test", "A") == ()
    assert r.lookup("nx.test", "A") == ()
    assert server.hits == 1 and events[0][2] == "nxdomain"
    clock.now += 31  # SOA minimum is 45, negative_cache_max_ttl is 30
    r.lookup("nx.test", "A")
    assert server.hits == 2


def test_servfail_raises_and_is_not_cached(server, events):
    r = resolver_for(server, events)
    for _ in range(2):
        with pytest.raises(DnsServFail):
            r.lookup("broken.test", "TXT")
    assert server.hits == 2 and [e[2] for e in events] == ["servfail", "servfail"]


def test_silent_server_times_out_within_query_timeout(server, events):
    r = resolver_for(server, events, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(DnsTimeout):
        r.lookup("slow.test", "TXT")
    assert time.monotonic() - started < 1.0
    assert events[0][0] == "TXT" and events[0][2] == "timeout"


def test_budget_caps_each_query_then_refuses(server, events):
    clock = Clock()
    r = resolver_for(server, events, timeout=5.0)
    view = BudgetedResolver(r, 0.25, on_lookup=r.on_lookup, clock=time.monotonic)
    started = time.monotonic()
    with pytest.raises(DnsTimeout):
        view.lookup("slow.test", "TXT")
    assert time.monotonic() - started < 1.0  # the budget, not the 5 s query timeout
    assert events[-1][2] == "budget"
    spent = BudgetedResolver(r, 1.0, on_lookup=r.on_lookup, clock=clock)
    clock.now += 1.0
    with pytest.raises(DnsTimeout, match="budget"):
        spent.lookup("example.test", "A")
    assert events[-1] == ("A", 0.0, "budget")


def test_failing_observer_does_not_break_lookups(server):
    def boom(*_):
        raise RuntimeError("metrics down")

    r = DnsResolver(["127.0.0.1"], server.port, 0.3, None, on_lookup=boom)
    assert r.lookup("example.test", "A") == ("192.0.2.1",)


def test_threads_share_one_resolver(server, events):
    r = resolver_for(server, events)
    results, errors = [], []

    def worker() -> None:
        try:
            for _ in range(20):
                results.append(r.lookup("example.test", "MX"))
        except Exception as exc:  # collected: an assertion in a thread would be lost
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and set(results) == {((10, "mx.example.test"),)}


def test_make_resolver_uses_settings(server):
    seen = []
    settings = AuthSettings(nameservers=["127.0.0.1"], port=server.port, query_timeout=0.5,
                            cache_max_entries=5)
    r = make_resolver(settings, on_lookup=lambda *e: seen.append(e))
    assert r.lookup("example.test", "A") == ("192.0.2.1",)
    assert r.budget(1.0).lookup("example.test", "A") == ("192.0.2.1",)
    assert len(seen) == 1  # the second answer came from the shared cache
