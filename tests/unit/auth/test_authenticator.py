"""Authenticator: all facts for a message, DNS trouble as data, budget, switches, ARC override."""
from __future__ import annotations

import threading

import pytest

from brandguard.auth import Authenticator, AuthSettings, spf
from brandguard.auth.authres import build_header
from brandguard.model import AuthResults, Envelope
from fixtures.dns import FakeResolver, Zones, context_from_bytes, mail_domain

ENVELOPE = Envelope(client_addr="192.0.2.25", client_name="mail.example.com", helo="mail.example.com",
                    mail_from="bounce@example.com", rcpts=("bob@example.net",), queue_id="4Xyz")
SPOOF = Envelope(client_addr="203.0.113.66", helo="dsl-203-0-113-66.example.net",
                 mail_from="alerts@evil.example", rcpts=("bob@example.net",))


@pytest.fixture
def zones(rsa_key, list_key) -> Zones:
    return (mail_domain("example.com", spf="v=spf1 ip4:192.0.2.0/24 -all", dmarc="v=DMARC1; p=reject",
                        dkim_keys=[rsa_key])
            .spf("mail.example.com", "v=spf1 a -all").add("mail.example.com", "A", "192.0.2.25")
            .dkim(list_key))


def authenticate(zones, raw, envelope=ENVELOPE, resolver=None, **settings):
    auth = Authenticator(resolver or FakeResolver(zones), AuthSettings(**settings))
    return auth.authenticate(context_from_bytes(raw, envelope))


def test_legitimate_message(zones, rsa_key, message):
    got = authenticate(zones, rsa_key.sign(message))
    assert got.checked and got.source == "dns"
    assert (got.spf.result, got.spf.domain) == ("pass", "example.com")
    assert (got.spf_helo.result, got.spf_helo.domain) == ("pass", "mail.example.com")
    assert [(s.result, s.domain) for s in got.dkim] == [("pass", "example.com")]
    assert (got.dmarc.result, got.dmarc.spf_aligned, got.dmarc.dkim_aligned) == ("pass", True, True)
    assert got.arc.result == "none"
    assert got.authenticated_domains() == {"example.com"}


def test_spoofed_from_fails_dmarc_with_reject(zones, message):
    got = authenticate(zones, message, SPOOF)
    assert got.spf.result == "none" and got.dkim == ()
    assert (got.dmarc.result, got.dmarc.policy, got.dmarc.disposition) == ("fail", "reject", "reject")


def test_dns_failure_everywhere_is_temperror_not_an_exception(zones, rsa_key, message):
    resolver = FakeResolver(zones, servfail=["com", "net", "org", "example"])
    got = authenticate(zones, rsa_key.sign(message), resolver=resolver)
    assert got.spf.result == "temperror" and got.dkim[0].result == "temperror"
    assert got.dmarc.result == "temperror"


def test_spent_budget_turns_lookups_into_temperror(zones, rsa_key, message):
    events = []
    resolver = FakeResolver(zones)
    resolver.on_lookup = lambda *e: events.append(e)
    got = authenticate(zones, rsa_key.sign(message), resolver=resolver, message_dns_budget=1e-9)
    assert (got.spf.result, got.dkim[0].result, got.dmarc.result) == ("temperror", "temperror", "temperror")
    assert events and {e[2] for e in events} == {"budget"} and resolver.queries == []


def test_switched_off_checks_keep_defaults(zones, rsa_key, message):
    got = authenticate(zones, rsa_key.sign(message), enable_spf=False, enable_dkim=False,
                       enable_dmarc=False, enable_arc=False)
    assert got == AuthResults(checked=True, source="dns")


def test_trusted_list_overrides_dmarc_fail(zones, rsa_key, list_key, message):
    received = (b"Authentication-Results: lists.example.org; dkim=pass header.d=example.com; "
                b"dmarc=pass header.from=example.com\r\n" + rsa_key.sign(message))
    sealed = list_key.arc_seal(received.replace(b"attached.\r\n", b"attached.\r\n--\r\nfooter\r\n"),
                               "lists.example.org")
    list_env = Envelope(client_addr="198.51.100.9", helo="lists.example.org", mail_from="list-bounces@example.org")
    plain = authenticate(zones, sealed, list_env)
    trusted = authenticate(zones, sealed, list_env, trusted_arc_sealers=["lists.example.org"])
    assert plain.dmarc.result == trusted.dmarc.result == "fail"
    assert plain.arc.result == "pass" and not plain.arc.trusted_override
    assert trusted.arc.trusted_override


def test_dmarcbis_mode_is_used(zones, message):
    zones.dmarc("example.com", "v=DMARC1; p=reject; t=y")  # a second record: permerror in both modes
    assert authenticate(zones, message, SPOOF, dmarc_mode="dmarcbis").dmarc.result == "permerror"


def test_one_authenticator_serves_many_threads(zones, rsa_key, message):
    auth = Authenticator(FakeResolver(zones), AuthSettings())
    signed, results, errors = context_from_bytes(rsa_key.sign(message), ENVELOPE), [], []

    def worker():
        try:
            for _ in range(5):
                results.append(auth.authenticate(signed).dmarc.result)
        except Exception as exc:  # collected: an assertion in a thread would be lost
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and results == ["pass"] * 30


def _raise(*_args, **_kwargs):
    raise RuntimeError("boom")


@pytest.mark.parametrize("method", [pytest.param("check_host", id="spf-raises"),
                                    pytest.param("check_helo", id="helo-raises")])
def test_a_raising_spf_leaves_dmarc_temperror_for_the_from_domain(zones, message, monkeypatch, method):
    # the temperror result once carried the AuthorDomain object, and writing our header then raised
    monkeypatch.setattr(spf, method, _raise)
    got = authenticate(zones, message)
    assert (got.dmarc.result, got.dmarc.from_domain) == ("temperror", "example.com")
    assert "dmarc=temperror header.from=example.com" in build_header("mx.example", got)
