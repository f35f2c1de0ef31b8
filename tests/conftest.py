"""Shared fixtures: the private Postfix stack and brandguard processes (session-scoped, started once)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fixtures.dns import DkimKey, mail_domain, start_unbound, unbound  # noqa: F401  (unbound: factory fixture)
from fixtures.mail import SENDER_DOMAIN, SLOW_DOMAIN, STRICT_DOMAIN
from fixtures.policies import make_policy_dir
from fixtures.postfix import Brandguard, make_workdir, start_postfix, stop_postfix
from fixtures.prometheus import prometheus_factory  # noqa: F401  (factory fixture)
from fixtures.redisserver import redis_factory  # noqa: F401  (factory fixture)

ROOT = Path(__file__).resolve().parents[1]

# Zones the session's DNS server answers for; everything else is NXDOMAIN (no test reaches the internet).


@pytest.fixture(scope="session")
def dkim_key():
    return DkimKey.generate(STRICT_DOMAIN, "sel1")


@pytest.fixture(scope="session")
def vendor_key():
    """The key a genuine vendor (trendmicro.com in the fixture zones) signs its receipts with."""
    return DkimKey.generate("trendmicro.com", "tm1")


@pytest.fixture(scope="session")
def dns_server(workdir, dkim_key, vendor_key):
    zones = mail_domain(SENDER_DOMAIN, spf="v=spf1 ip4:127.0.0.0/8 -all", dmarc="v=DMARC1; p=none")
    zones.merge(mail_domain(STRICT_DOMAIN, spf="v=spf1 ip4:192.0.2.0/24 -all", dmarc="v=DMARC1; p=reject; adkim=r",
                            dkim_keys=[dkim_key]))
    zones.merge(mail_domain("trendmicro.com", spf="v=spf1 ip4:127.0.0.0/8 -all", dmarc="v=DMARC1; p=reject",
                            dkim_keys=[vendor_key]))
    server = start_unbound(zones, workdir / "unbound", blackhole=(SLOW_DOMAIN,))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def e2e_policy(workdir):
    """The shipped policies plus the marker rules (tests/data/policies/markers.yaml)."""
    return make_policy_dir(workdir / "policies")


@pytest.fixture(scope="session")
def workdir():
    path = make_workdir("brandguard-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postfix(workdir):
    pf = start_postfix(workdir)
    yield pf
    stop_postfix(pf)


@pytest.fixture(scope="session")
def brandguard_unix(postfix, workdir, dns_server, e2e_policy):
    """brandguard on the unix socket that Postfix's main listener uses."""
    d = workdir / "bg-unix"
    d.mkdir()
    bg = Brandguard(d, f"unix:{postfix.sock}", e2e_policy, {"auth": dns_server.auth_settings}).start()
    yield bg
    bg.stop()


@pytest.fixture(scope="session")
def brandguard_tcp(postfix, workdir, dns_server, e2e_policy):
    """brandguard on TCP, for the listener that checks the Nagle stall stays away."""
    d = workdir / "bg-tcp"
    d.mkdir()
    bg = Brandguard(d, f"inet:127.0.0.1:{postfix.tcp_port}", e2e_policy, {"auth": dns_server.auth_settings}).start()
    yield bg
    bg.stop()


@pytest.fixture
def brandguard_factory(workdir, dns_server, e2e_policy):
    """Start extra brandguard processes (stopped after the test); DNS is the session's server."""
    started = []

    def make(socket: str, policy: Path | None = None, extra: dict | None = None, name: str = "bg") -> Brandguard:
        d = make_workdir(f"{name}-")
        extra = {"auth": dns_server.auth_settings, **(extra or {})}
        bg = Brandguard(d, socket, policy or e2e_policy, extra)
        started.append(bg)
        return bg

    yield make
    for bg in started:
        bg.stop()
