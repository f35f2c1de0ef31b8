"""SPF layer: identities, DNS trouble as temperror, explanations, the thread-local pyspf hook."""
from __future__ import annotations

import threading

import pytest
import spf as pyspf

from brandguard.auth.spf import check_helo, check_host
from fixtures.dns import FakeResolver, Zones

ZONES = (
    Zones()
    .spf("example.com", "v=spf1 ip4:192.0.2.0/24 -all exp=explain.example.com")
    .add("explain.example.com", "TXT", "%{i} is not one of our servers")
    .spf("soft.example.com", "v=spf1 ~all")
    .spf("mx.example.com", "v=spf1 a -all")
    .add("mx.example.com", "A", "198.51.100.7")
    .spf("broken.example.com", "v=spf1 include:nowhere.example.com -all")
    .spf("slow.example.com", "v=spf1 include:x.timeout.example -all")
)


@pytest.mark.parametrize(("ip", "mail_from", "helo", "result", "domain"), [
    pytest.param("192.0.2.10", "alice@example.com", "mx.example.com", "pass", "example.com", id="mailfrom-pass"),
    pytest.param("203.0.113.5", "<alice@example.com>", "mx.example.com", "fail", "example.com", id="mailfrom-fail"),
    pytest.param("203.0.113.5", "bob@soft.example.com", "x", "softfail", "soft.example.com", id="softfail"),
    pytest.param("203.0.113.5", "bob@nospf.example.com", "x", "none", "nospf.example.com", id="no-record"),
    pytest.param("203.0.113.5", "bob@broken.example.com", "x", "permerror", "broken.example.com", id="include-missing"),
    pytest.param("203.0.113.5", "bob@slow.example.com", "x", "temperror", "slow.example.com", id="dns-timeout"),
    pytest.param("198.51.100.7", "", "mx.example.com", "pass", "mx.example.com", id="null-sender-uses-helo"),
    pytest.param("198.51.100.7", "<>", "MX.example.com", "pass", "mx.example.com", id="null-sender-brackets"),
    pytest.param("not-an-ip", "alice@example.com", "mx.example.com", "none", "example.com", id="bad-client-ip"),
    pytest.param("IPv6:2001:db8::1", "alice@example.com", "mx", "fail", "example.com", id="ipv6-literal-form"),
])
def test_mail_from_identity(ip, mail_from, helo, result, domain):
    got = check_host(FakeResolver(ZONES, timeout=["timeout.example"]), ip, mail_from, helo)
    assert (got.result, got.domain) == (result, domain)


def test_explanation_only_for_fail_and_only_when_published():
    resolver = FakeResolver(ZONES)
    failed = check_host(resolver, "203.0.113.5", "alice@example.com", "x")
    assert failed.explanation == "203.0.113.5 is not one of our servers"
    assert check_host(resolver, "203.0.113.5", "bob@soft.example.com", "x").explanation == ""
    assert check_host(resolver, "192.0.2.1", "alice@example.com", "x").explanation == ""


@pytest.mark.parametrize(("helo", "result"), [
    pytest.param("mx.example.com", "pass", id="helo-pass"),
    pytest.param("[198.51.100.7]", "none", id="address-literal"),
    pytest.param("localhost", "none", id="not-fqdn"),
    pytest.param("", "none", id="no-helo"),
])
def test_helo_identity(helo, result):
    assert check_helo(FakeResolver(ZONES), "198.51.100.7", helo).result == result


def test_unbound_thread_gets_temperror_not_system_dns():
    with pytest.raises(pyspf.TempError, match="no resolver bound"):
        pyspf.DNSLookup("example.com", "TXT")


class GatedResolver(FakeResolver):
    """Holds its first lookup until the other thread is inside pyspf too."""

    def __init__(self, zones, barrier: threading.Barrier):
        super().__init__(zones)
        self.barrier = barrier

    def lookup(self, name, rtype, timeout=None):
        if len(self.queries) == 0:
            self.barrier.wait(timeout=5)
        return super().lookup(name, rtype, timeout)


def test_concurrent_checks_use_their_own_resolver():
    barrier = threading.Barrier(2)
    allow = GatedResolver(Zones().spf("shared.example", "v=spf1 +all"), barrier)
    deny = GatedResolver(Zones().spf("shared.example", "v=spf1 -all"), barrier)
    results = {}

    def run(name, resolver):
        results[name] = check_host(resolver, "192.0.2.1", "a@shared.example", "x").result

    threads = [threading.Thread(target=run, args=a) for a in (("allow", allow), ("deny", deny))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"allow": "pass", "deny": "fail"}
