"""ARC: chain validation through dkimpy, and when a trusted sealer may override a DMARC fail."""
from __future__ import annotations

import pytest

from brandguard.auth.arc import verify_chain
from brandguard.model import DmarcResult
from fixtures.dns import DkimKey, FakeResolver, Zones

FAIL = DmarcResult(result="fail", from_domain="example.com", policy="reject", disposition="reject")


@pytest.fixture(scope="module")
def fwd_key() -> DkimKey:
    return DkimKey.generate("fwd.example.net", "arc2")


@pytest.fixture
def zones(rsa_key, list_key, fwd_key) -> Zones:
    return Zones().dkim(rsa_key).dkim(list_key).dkim(fwd_key)


def through_list(rsa_key, list_key, message: bytes, aar: str = "dmarc=pass header.from=example.com") -> bytes:
    """Signed by example.com, footer added by the list (breaking DKIM), then sealed by the list."""
    received = (f"Authentication-Results: lists.example.org; dkim=pass header.d=example.com; {aar}\r\n".encode()
                + rsa_key.sign(message))
    return list_key.arc_seal(received.replace(b"attached.\r\n", b"attached.\r\n-- \r\nlist footer\r\n"),
                             "lists.example.org")


def then_forwarder(fwd_key, sealed: bytes) -> bytes:
    received = b"Authentication-Results: fwd.example.net; arc=pass; dmarc=fail header.from=example.com\r\n" + sealed
    return fwd_key.arc_seal(received, "fwd.example.net")


def test_unsealed_message_is_none(zones, message):
    assert verify_chain(FakeResolver(zones), message).result == "none"


@pytest.mark.parametrize(("trusted", "override"), [
    pytest.param(["lists.example.org"], True, id="trusted-sealer"),
    pytest.param(["example.org"], True, id="parent-domain-trusted"),
    pytest.param(["ists.example.org"], False, id="suffix-is-not-a-domain-match"),
    pytest.param([], False, id="nobody-trusted"),
])
def test_one_hop_chain(zones, rsa_key, list_key, message, trusted, override):
    got = verify_chain(FakeResolver(zones), through_list(rsa_key, list_key, message), dmarc=FAIL, trusted_sealers=trusted)
    assert got.result == "pass" and got.sealers == ("lists.example.org",)
    assert got.trusted_override is override


def test_no_override_without_a_dmarc_fail(zones, rsa_key, list_key, message):
    raw = through_list(rsa_key, list_key, message)
    passed = DmarcResult(result="pass", from_domain="example.com")
    assert not verify_chain(FakeResolver(zones), raw, dmarc=passed, trusted_sealers=["lists.example.org"]).trusted_override


def test_no_override_when_the_sealer_saw_dmarc_fail(zones, rsa_key, list_key, message):
    raw = through_list(rsa_key, list_key, message, aar="dmarc=fail header.from=example.com")
    got = verify_chain(FakeResolver(zones), raw, dmarc=FAIL, trusted_sealers=["lists.example.org"])
    assert got.result == "pass" and not got.trusted_override


@pytest.mark.parametrize(("trusted", "override"), [
    pytest.param(["fwd.example.net", "lists.example.org"], True, id="both-hops-trusted"),
    pytest.param(["fwd.example.net"], False, id="only-newest-trusted-and-it-saw-fail"),
    pytest.param(["lists.example.org"], False, id="newest-hop-untrusted"),
])
def test_two_hop_chain_trusts_only_contiguous_hops(zones, rsa_key, list_key, fwd_key, message, trusted, override):
    raw = then_forwarder(fwd_key, through_list(rsa_key, list_key, message))
    got = verify_chain(FakeResolver(zones), raw, dmarc=FAIL, trusted_sealers=trusted)
    assert got.result == "pass" and got.sealers == ("lists.example.org", "fwd.example.net")
    assert got.trusted_override is override


def test_tampering_after_the_seal_fails(zones, rsa_key, list_key, message):
    raw = through_list(rsa_key, list_key, message).replace(b"Subject: invoice", b"Subject: refund")
    got = verify_chain(FakeResolver(zones), raw, dmarc=FAIL, trusted_sealers=["lists.example.org"])
    assert got.result == "fail" and not got.trusted_override


def test_dns_trouble_is_fail_with_temperror_reason(zones, rsa_key, list_key, message):
    raw = through_list(rsa_key, list_key, message)
    got = verify_chain(FakeResolver(zones, timeout=["lists.example.org"]), raw, dmarc=FAIL,
                       trusted_sealers=["lists.example.org"])
    assert got.result == "fail" and got.reason.startswith("temperror") and not got.trusted_override
