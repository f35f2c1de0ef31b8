"""Authentication-Results: our header, reading a trusted one, recognising forged ones."""
from __future__ import annotations

import authres
import pytest

from brandguard.auth.authres import build_header, claims_our_id, from_trusted_headers
from brandguard.model import ArcResult, AuthResults, DkimSignature, DmarcResult, Envelope, MessageContext, SpfResult

FULL = AuthResults(
    spf=SpfResult("pass", "bounces.example.com"),
    spf_helo=SpfResult("none", "mx.example.com"),
    dkim=(DkimSignature("pass", "example.com", "s1", "rsa-sha256"),
          DkimSignature("fail", "other.example", "s2", "ed25519-sha256", "body hash did not verify")),
    dmarc=DmarcResult("pass", "example.com", "example.com", "reject", "none", True, True),
    arc=ArcResult("pass", ("lists.example.org",)),
    checked=True, source="dns",
)


def ctx(*ar_values: str) -> MessageContext:
    headers = tuple(("Authentication-Results", v) for v in ar_values) + (("From", "a@example.com"),)
    return MessageContext(envelope=Envelope(), headers=headers, body=b"")


def test_unchecked_message_says_none():
    assert build_header("mx.example.net", AuthResults()) == "mx.example.net; none"


def test_full_header():
    assert build_header("brandguard", FULL) == (
        "brandguard; spf=pass smtp.mailfrom=bounces.example.com; spf=none smtp.helo=mx.example.com; "
        "dkim=pass header.d=example.com header.a=rsa-sha256 header.s=s1; "
        'dkim=fail reason="body hash did not verify" header.d=other.example header.a=ed25519-sha256 header.s=s2; '
        "dmarc=pass (p=reject dis=none) header.from=example.com; arc=pass (lists.example.org)"
    )


def test_sender_controlled_text_cannot_inject_results():
    evil = AuthResults(
        dkim=(DkimSignature("fail", "x.example; dmarc=pass", "s (x); dkim=pass", "rsa-sha256",
                            "bad @evil; dmarc=pass (forged)"),),
        dmarc=DmarcResult("fail", "example.com", policy="reject", disposition="reject"),
        checked=True,
    )
    header = authres.all_features().parse_value(build_header("brandguard", evil))
    assert [(r.method, r.result) for r in header.results] == [("spf", "none"), ("dkim", "fail"), ("dmarc", "fail")]
    assert header.results[1].header_d is None


def test_round_trip_through_trusted_headers():
    value = build_header("mx.example.net", FULL)
    got = from_trusted_headers(ctx(value), "MX.example.net")
    assert got.checked and got.source == "authres"
    assert (got.spf, got.spf_helo) == (SpfResult("pass", "bounces.example.com"), SpfResult("none", "mx.example.com"))
    assert [(s.result, s.domain, s.selector, s.algorithm) for s in got.dkim] == [
        ("pass", "example.com", "s1", "rsa-sha256"), ("fail", "other.example", "s2", "ed25519-sha256")]
    assert (got.dmarc.result, got.dmarc.from_domain, got.dmarc.policy, got.dmarc.disposition) == (
        "pass", "example.com", "reject", "none")
    assert got.dmarc.spf_aligned and got.dmarc.dkim_aligned and got.arc.result == "pass"


def test_trusted_header_is_the_topmost_of_that_id():
    got = from_trusted_headers(ctx(
        "other.example; dmarc=pass header.from=paypal.com",
        "mx.example.net; not valid syntax ((",
        "mx.example.net; spf=fail smtp.mailfrom=evil.example; "
        "dmarc=fail (p=REJECT sp=REJECT dis=REJECT) header.from=paypal.com",
        "mx.example.net; dmarc=pass header.from=paypal.com",
    ), "mx.example.net")
    assert (got.spf.result, got.dmarc.result, got.dmarc.policy, got.dmarc.disposition) == (
        "fail", "fail", "reject", "reject")


def test_no_trusted_header_means_unchecked():
    assert from_trusted_headers(ctx("other.example; dmarc=pass header.from=x.com"), "mx.example.net") == AuthResults()


@pytest.mark.parametrize(("value", "claims"), [
    pytest.param("brandguard; spf=pass smtp.mailfrom=x.com", True, id="plain"),
    pytest.param("BrandGuard ; dkim=pass", True, id="case-and-space"),
    pytest.param("brandguard.; none", True, id="trailing-dot"),
    pytest.param("(looks legit) brandguard; none", True, id="leading-comment"),
    pytest.param("brandguard (forged); dmarc=pass", True, id="trailing-comment"),
    pytest.param('"brandguard"; dmarc=pass', True, id="quoted"),
    pytest.param("brandguard 1; none", True, id="with-version"),
    pytest.param("\r\n brandguard;\r\n\tdmarc=pass", True, id="folded"),
    pytest.param("brandguard", True, id="no-results"),
    pytest.param("brandguard;;;garbage((", True, id="malformed-rest"),
    pytest.param("mx.example.com; spf=pass", False, id="other-id"),
    pytest.param("brandguard-2; spf=pass", False, id="longer-id"),
    pytest.param("brandguard.example.com; spf=pass", False, id="subdomain-id"),
    pytest.param("", False, id="empty"),
])
def test_claims_our_id(value, claims):
    assert claims_our_id(value, "brandguard") is claims
