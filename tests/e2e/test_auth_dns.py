"""Authenticator against a real unbound serving fixture zones: SPF, DKIM, DMARC, DNS timeouts."""
from __future__ import annotations

import time

import pytest

from brandguard.auth import Authenticator, AuthSettings, make_resolver
from brandguard.model import Envelope
from fixtures.dns import DkimKey, context_from_bytes, mail_domain, start_unbound

pytestmark = pytest.mark.e2e

MESSAGE = (
    "From: {sender}\r\nTo: bob@example.net\r\nSubject: Your subscription renewal\r\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <{mid}@example>\r\n\r\n"
    "Your subscription has been renewed.\r\n"
)


def message(sender: str, mid: str = "m1") -> bytes:
    return MESSAGE.format(sender=sender, mid=mid).encode()


@pytest.fixture(scope="module")
def keys() -> dict[str, DkimKey]:
    return {"rsa": DkimKey.generate("vendor.example", "s2024"),
            "ed": DkimKey.generate("vendor.example", "ed2024", "ed25519-sha256")}


@pytest.fixture(scope="module")
def dns_server(keys, tmp_path_factory):
    zones = mail_domain("vendor.example", spf="v=spf1 ip4:192.0.2.0/24 -all",
                        dmarc="v=DMARC1; p=reject; rua=mailto:dmarc@vendor.example",
                        dkim_keys=keys.values(), a=["192.0.2.10"], mx=[(10, "mx.vendor.example")])
    zones.merge(mail_domain("mx.vendor.example", spf="v=spf1 a -all", a=["192.0.2.10"]))
    server = start_unbound(zones, tmp_path_factory.mktemp("unbound-auth"), blackhole=["slow.example"])
    yield server
    server.stop()


def authenticator(server, events=None, **overrides) -> Authenticator:
    settings = AuthSettings(**{**server.auth_settings, "query_timeout": 1.0, "message_dns_budget": 3.0, **overrides})
    on_lookup = (lambda *e: events.append(e)) if events is not None else None
    return Authenticator(make_resolver(settings, on_lookup=on_lookup), settings)


def envelope(ip: str, mail_from: str, helo: str = "mx.vendor.example") -> Envelope:
    return Envelope(client_addr=ip, helo=helo, mail_from=mail_from, rcpts=("bob@example.net",))


@pytest.mark.parametrize(("ip", "result"), [
    pytest.param("192.0.2.10", "pass", id="authorised-ip"),
    pytest.param("203.0.113.7", "fail", id="other-ip"),
])
def test_spf(dns_server, ip, result):
    ctx = context_from_bytes(message("support@vendor.example"), envelope(ip, "bounce@vendor.example"))
    got = authenticator(dns_server).authenticate(ctx)
    assert (got.spf.result, got.spf.domain) == (result, "vendor.example")


@pytest.mark.parametrize("key_name", ["rsa", "ed"])
def test_dkim_signed_mail_verifies_and_aligns(dns_server, keys, key_name):
    signed = keys[key_name].sign(message("support@vendor.example"))
    ctx = context_from_bytes(signed, envelope("203.0.113.7", "bounce@esp.example"))
    got = authenticator(dns_server).authenticate(ctx)
    assert [(s.result, s.domain, s.algorithm) for s in got.dkim] == [("pass", "vendor.example", keys[key_name].algorithm)]
    assert (got.dmarc.result, got.dmarc.dkim_aligned, got.dmarc.spf_aligned) == ("pass", True, False)


def test_spf_alone_aligns(dns_server):
    ctx = context_from_bytes(message("support@vendor.example"), envelope("192.0.2.10", "bounce@vendor.example"))
    got = authenticator(dns_server).authenticate(ctx)
    assert (got.dmarc.result, got.dmarc.spf_aligned, got.dmarc.disposition) == ("pass", True, "none")


def test_spoof_of_p_reject_domain_fails_with_reject(dns_server):
    ctx = context_from_bytes(message('"Vendor Support" <support@vendor.example>'),
                             envelope("203.0.113.7", "scammer@freemail.example", helo="dsl.example"))
    got = authenticator(dns_server).authenticate(ctx)
    assert got.spf.result == "none" and got.dkim == ()
    assert (got.dmarc.result, got.dmarc.policy, got.dmarc.disposition) == ("fail", "reject", "reject")


def test_second_message_is_served_from_the_cache(dns_server, keys):
    events = []
    auth = authenticator(dns_server, events)
    ctx = context_from_bytes(keys["rsa"].sign(message("support@vendor.example")),
                             envelope("192.0.2.10", "bounce@vendor.example"))
    first = auth.authenticate(ctx)
    wire = len(events)
    assert auth.authenticate(ctx) == first and len(events) == wire > 0


def test_unanswered_dns_is_temperror_within_budget(unbound):
    server = unbound({}, blackhole=["slow.example"])
    events = []
    auth = authenticator(server, events, query_timeout=0.5, message_dns_budget=1.5)
    ctx = context_from_bytes(message("ceo@slow.example"), envelope("192.0.2.10", "ceo@slow.example", "mx.slow.example"))
    started = time.monotonic()
    got = auth.authenticate(ctx)
    elapsed = time.monotonic() - started
    assert (got.spf.result, got.spf_helo.result, got.dmarc.result) == ("temperror", "temperror", "temperror")
    # dnspython's retry back-off can overrun the query that crosses the deadline by ~0.3 s
    assert elapsed < 1.5 + 0.6, f"took {elapsed:.2f}s"
    assert {e[2] for e in events} <= {"timeout", "servfail", "budget"} and events
