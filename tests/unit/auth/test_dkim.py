"""DKIM: RFC 8463 vectors, every signature reported, l= x= rsa-sha1, DNS and key problems."""
from __future__ import annotations

import base64
import hashlib
import re
import time
from pathlib import Path

import dkim
import pytest
from dkim.canonicalization import CanonicalizationPolicy
from dkim.crypto import parse_pem_private_key

from brandguard.auth.dkim import MAX_SIGNATURES, verify_all
from fixtures.dns import FakeResolver, Zones, context_from_bytes

DATA = Path(__file__).resolve().parents[2] / "data" / "dkim"
NOW = 1_700_000_000.0


def rfc8463_message() -> bytes:
    return (DATA / "rfc8463-signed.eml").read_bytes().replace(b"\n", b"\r\n")


def rfc8463_zones() -> Zones:
    zones = Zones()
    for line in (DATA / "rfc8463-keys.zone").read_text().splitlines():
        match = re.match(r'^(\S+)\. IN TXT \("(.*)"\)$', line)
        if match:
            zones.add(match.group(1), "TXT", match.group(2))
    return zones


def verify(raw: bytes, zones: Zones, **kw):
    kw.setdefault("now", lambda: NOW)
    return verify_all(FakeResolver(zones, timeout=kw.pop("timeout", ())), raw, **kw)


def sign_with_tags(key, message: bytes, extra: list[tuple[bytes, bytes]], now: float = NOW) -> bytes:
    """An rsa-sha256 signature carrying tags dkimpy's signer cannot add (x=)."""
    d = dkim.DKIM(message)
    d.signature_algorithm, d.hasher = b"rsa-sha256", hashlib.sha256
    canon = CanonicalizationPolicy.from_c_value(b"relaxed/simple")
    bh = base64.b64encode(hashlib.sha256(canon.canonicalize_body(d.body)).digest())
    include = [b"from", b"to", b"subject"]
    fields = [(b"v", b"1"), (b"a", b"rsa-sha256"), (b"c", b"relaxed/simple"), (b"d", key.domain.encode()),
              (b"s", key.selector.encode()), (b"t", str(int(now) - 60).encode()), *extra,
              (b"h", b" : ".join(include)), (b"bh", bh), (b"b", b"0" * 60)]
    header = d.gen_header(fields, include, canon, b"DKIM-Signature", parse_pem_private_key(key.private))
    return b"DKIM-Signature: " + header + message


def test_rfc8463_example_verifies_both_algorithms():
    sigs = verify(rfc8463_message(), rfc8463_zones())
    assert [(s.result, s.domain, s.selector, s.algorithm) for s in sigs] == [
        ("pass", "football.example.com", "brisbane", "ed25519-sha256"),
        ("pass", "football.example.com", "test", "rsa-sha256"),
    ]


def test_rfc8463_example_survives_the_milter_representation():
    ctx = context_from_bytes((DATA / "rfc8463-signed.eml").read_bytes())
    assert [s.result for s in verify(ctx.raw_bytes(), rfc8463_zones())] == ["pass", "pass"]


def test_rfc8463_ed25519_key_reproduces_published_signature(monkeypatch):
    raw = rfc8463_message()
    unsigned = raw[raw.index(b"From: Joe"):]
    monkeypatch.setattr(dkim.time, "time", lambda: 1528637909)
    header = dkim.sign(unsigned, b"brisbane", b"football.example.com", (DATA / "rfc8463-ed25519.seed").read_bytes().strip(),
                       identity=b"@football.example.com", signature_algorithm=b"ed25519-sha256",
                       canonicalize=(b"relaxed", b"relaxed"),
                       include_headers=[b"from", b"to", b"subject", b"date", b"message-id", b"from", b"subject", b"date"])
    b_tag = re.search(rb"b=([A-Za-z0-9+/=\s]+)$", header).group(1)
    assert re.sub(rb"\s", b"", b_tag) == (b"/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus"
                                          b"Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==")


@pytest.mark.parametrize(("mutate", "reason"), [
    pytest.param(lambda m: m.replace(b"Are you hungry yet?", b"Call +1 800 555 0100 now"), "body hash", id="body-changed"),
    pytest.param(lambda m: m.replace(b"Is dinner ready?", b"Your invoice"), "did not verify", id="subject-changed"),
])
def test_modified_message_fails(mutate, reason):
    sigs = verify(mutate(rfc8463_message()), rfc8463_zones())
    assert [s.result for s in sigs] == ["fail", "fail"] and reason in sigs[0].reason


def test_generated_keys_sign_and_verify(rsa_key, ed_key, message):
    raw = ed_key.sign(rsa_key.sign(message))
    sigs = verify(raw, Zones().dkim(rsa_key).dkim(ed_key))
    assert [(s.result, s.selector) for s in sigs] == [("pass", "ed1"), ("pass", "rsa1")]


@pytest.mark.parametrize(("zones", "timeout", "result", "reason"), [
    pytest.param(Zones(), (), "permerror", "no key published", id="no-key"),
    pytest.param(Zones().add("rsa1._domainkey.example.com", "TXT", "v=DKIM1; k=rsa; p=bm90IGEga2V5"), (),
                 "permerror", "unusable key", id="garbage-key"),
    pytest.param(Zones(), ("example.com",), "temperror", "key lookup failed", id="dns-timeout"),
])
def test_key_problems(rsa_key, message, zones, timeout, result, reason):
    (sig,) = verify(rsa_key.sign(message), zones, timeout=timeout)
    assert sig.result == result and reason in sig.reason and sig.domain == "example.com"


def test_short_key_is_permerror(rsa_key, message):
    (sig,) = verify(rsa_key.sign(message), Zones().dkim(rsa_key), min_key_bits=4096)
    assert sig.result == "permerror" and "too small" in sig.reason


@pytest.mark.parametrize(("x_offset", "result"), [
    pytest.param(-3600, "fail", id="expired-an-hour-ago"),
    pytest.param(+3600, "pass", id="expires-later"),
])
def test_expiry(rsa_key, message, x_offset, result):
    now = time.time()  # dkimpy checks x= against the real clock too
    raw = sign_with_tags(rsa_key, message, [(b"x", str(int(now) + x_offset).encode())], now=now)
    (sig,) = verify(raw, Zones().dkim(rsa_key), now=lambda: now)
    assert sig.result == result
    if result == "fail":
        assert "expired" in sig.reason


def test_length_tag_with_appended_content_is_policy(rsa_key, message):
    signed = rsa_key.sign(message, length=True)
    (whole,) = verify(signed, Zones().dkim(rsa_key))
    (appended,) = verify(signed + b"Urgent: call our support line +1 800 555 0100\r\n", Zones().dkim(rsa_key))
    assert whole.result == "pass"
    assert appended.result == "policy" and "unsigned" in appended.reason


def test_rsa_sha1_is_not_accepted(rsa_key, message):
    raw = dkim.sign(message, b"rsa1", b"example.com", rsa_key.private, signature_algorithm=b"rsa-sha1") + message
    (sig,) = verify(raw, Zones().dkim(rsa_key))
    assert sig.result == "policy" and "RFC 8301" in sig.reason


def test_truncated_body_is_neutral_not_fail(rsa_key, message):
    raw = rsa_key.sign(message)
    (sig,) = verify(raw[:-10], Zones().dkim(rsa_key), body_truncated=True)
    assert sig.result == "neutral"


@pytest.mark.parametrize(("header", "result"), [
    pytest.param(b"DKIM-Signature: this is not a tag list\r\n", "permerror", id="not-tag-value"),
    pytest.param(b"DKIM-Signature: v=1; a=rsa-sha256; b=AAAA; bh=AAAA; h=from\r\n", "permerror", id="no-d-or-s"),
    pytest.param(b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa1; h=to; bh=AAAA; b=AAAA\r\n",
                 "permerror", id="from-not-signed"),
    pytest.param(b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa1; h=from; bh=AAAA; b=AAAA; x=12ab\r\n",
                 "permerror", id="x-not-a-number"),
])
def test_malformed_signatures_are_permerror(rsa_key, message, header, result):
    (sig,) = verify(header + message, Zones().dkim(rsa_key))
    assert sig.result == result


def test_unsigned_message_has_no_results(message):
    assert verify(message, Zones()) == ()


def test_signature_count_is_capped(rsa_key, message):
    raw = message
    for _ in range(MAX_SIGNATURES + 2):
        raw = rsa_key.sign(raw)
    sigs = verify(raw, Zones().dkim(rsa_key))
    assert len(sigs) == MAX_SIGNATURES + 2
    assert [s.result for s in sigs[-2:]] == ["policy", "policy"]
