"""DKIM speed-ups give the results of plain dkimpy: one parse and verifier per message, memoised key checks."""
from __future__ import annotations

import random

import dkim
import pytest
from dkim.util import parse_tag_value

from brandguard.auth import dkim as bgdkim
from brandguard.auth.dkim import KeyFetcher, verify_all
from brandguard.auth.dkimverifier import Verifier
from fixtures.dns import FakeResolver, Zones

NOW = 1_700_000_000.0
BAD_KEY = "v=DKIM1; k=rsa; p=bm90IGEga2V5"


def outcome(call, *args, **kwargs):
    try:
        return ("ok", call(*args, **kwargs))
    except Exception as exc:  # the exception is part of the result being compared
        # Verifier raises BodyHashMismatch, a subclass of dkimpy's ValidationError: compare dkimpy's class
        return ("raised", next(c for c in type(exc).__mro__ if not c.__module__.startswith("brandguard")), str(exc))


def fresh_per_signature(raw: bytes, zones: Zones, minkey: int = 1024) -> list:
    """What stock dkimpy says for each signature with a new dkimpy.DKIM(raw) each time: the reference."""
    count = sum(1 for k, _ in dkim.rfc822_parse(raw)[0] if k.lower() == b"dkim-signature")
    out = []
    for idx in range(count):
        d = dkim.DKIM(raw, logger=bgdkim._dkimpy_log, minkey=minkey)
        fetch = KeyFetcher(FakeResolver(zones))
        out.append((outcome(d.verify, idx=idx, dnsfunc=fetch), fetch.problem, d.keysize))
    return out


def shared_verifier(raw: bytes, zones: Zones, minkey: int = 1024) -> list:
    """The same through one Verifier and one parse, as verify_all runs it."""
    headers, body = bgdkim._parse(raw)
    d = Verifier(headers, body, logger=bgdkim._dkimpy_log, minkey=minkey)
    values = [v for k, v in headers if k.lower() == b"dkim-signature"]
    out = []
    for idx, value in enumerate(values):
        d.use_headers(bgdkim._signed_headers(headers, parse_tag_value(value)))
        fetch = KeyFetcher(FakeResolver(zones))
        out.append((outcome(d.verify, idx=idx, dnsfunc=fetch), fetch.problem, d.keysize))
    return out


def test_two_signatures_on_one_verifier_match_fresh_instances(rsa_key, ed_key, message):
    raw = ed_key.sign(rsa_key.sign(message))
    zones = Zones().dkim(rsa_key).dkim(ed_key)
    assert shared_verifier(raw, zones) == fresh_per_signature(raw, zones)
    sigs = verify_all(FakeResolver(zones), raw, now=lambda: NOW)
    assert [(s.result, s.selector, s.reason) for s in sigs] == [("pass", "ed1", ""), ("pass", "rsa1", "")]


@pytest.mark.parametrize("case", ["bad-key-first", "too-small-first", "tampered", "body-tampered",
                                  "extra-headers"])
def test_a_failing_signature_leaves_nothing_for_the_next(rsa_key, ed_key, message, case):
    # the ed25519 signature on top is verified first; its failure must not colour the RSA one
    zones, minkey, raw = Zones().dkim(rsa_key).dkim(ed_key), 1024, ed_key.sign(rsa_key.sign(message))
    if case == "bad-key-first":
        zones = Zones().dkim(rsa_key).add(ed_key.name, "TXT", BAD_KEY)
    elif case == "too-small-first":
        raw, minkey = rsa_key.sign(ed_key.sign(message)), 4096
    elif case == "tampered":
        raw = raw.replace(b"Subject: invoice", b"Subject: invoice overdue")
    elif case == "body-tampered":
        raw = raw.replace(b"the invoice", b"the  invoice")
    else:  # headers no h= names, a second From dkimpy also hashes, and names h= only contains
        raw = b"Received: from x\r\nX-From: y\r\nReply-To: z@example.com\r\n" + raw
        raw = raw.replace(b"To: Bob", b"From: Mallory <m@example.com>\r\nTo: Bob")
    expected = fresh_per_signature(raw, zones, minkey)
    assert shared_verifier(raw, zones, minkey) == expected
    assert len(expected) == 2


WHITESPACE_BODY = b"Hello\tBob,  \r\nplease  find \t the invoice.\t\r\n \r\n\r\n\r\n"


@pytest.mark.parametrize("body,length,mutate", [
    pytest.param(WHITESPACE_BODY, False, b"", id="relaxed-rules-at-work"),
    pytest.param(WHITESPACE_BODY, False, b"Hello Bob,\r\nplease find the invoice.\r\n", id="blanks-changed"),
    pytest.param(WHITESPACE_BODY, True, WHITESPACE_BODY + b"appended  by a list\r\n", id="l-tag-appended"),
    pytest.param(b"plain body\r\n", False, b"", id="nothing-to-rewrite"),
    pytest.param(b"", False, b"", id="empty-body"),
    pytest.param(b"\r\n\r\n", False, b"\r\n", id="only-empty-lines"),
])
def test_relaxed_and_simple_bodies_match_dkimpy(rsa_key, ed_key, message, body, length, mutate):
    head = message.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    raw = rsa_key.sign(head + body, canonicalize=(b"relaxed", b"relaxed"), length=length)
    raw = ed_key.sign(raw, canonicalize=(b"simple", b"simple"), length=length)
    if mutate:
        raw = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n" + mutate
    zones = Zones().dkim(rsa_key).dkim(ed_key)
    assert shared_verifier(raw, zones) == fresh_per_signature(raw, zones)


def test_message_parse_equals_rfc822_parse():
    pieces = [b"\r", b"\n", b"\r\n", b"a", b":", b" ", b"\t", b"From ", b"X-H: v", b"\xff", b"\n\n", b"\r\r\n"]
    rng = random.Random(20240101)
    for _ in range(20000):
        raw = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        if rng.random() < 0.5:
            raw = b"Subject: x\r\n" + raw
        assert outcome(bgdkim._parse, raw) == outcome(dkim.rfc822_parse, raw), raw


def test_unparseable_message_still_has_no_results():
    assert verify_all(FakeResolver(Zones()), b"\tcontinuation first\r\n\r\nbody\r\n") == ()
    assert verify_all(FakeResolver(Zones()), b"DKIM-Signature: v=1\r\nbad header line\r\n\r\n") == ()


def test_bad_key_is_permerror_with_the_same_reason_when_memoised(rsa_key, message):
    zones = Zones().add(rsa_key.name, "TXT", BAD_KEY + "; n=memo-test")  # a record no other test caches
    resolver = FakeResolver(zones)
    before = bgdkim._key_problem.cache_info()
    (first,) = verify_all(resolver, rsa_key.sign(message), now=lambda: NOW)
    (second,) = verify_all(resolver, rsa_key.sign(message), now=lambda: NOW)
    after = bgdkim._key_problem.cache_info()
    assert first.result == second.result == "permerror"
    assert first.reason == second.reason and first.reason.startswith("unusable key record at rsa1._domainkey")
    assert after.hits > before.hits and after.misses == before.misses + 1
    assert resolver.queries.count((rsa_key.name, "TXT")) == 2  # the lookup itself is never memoised


def test_oversized_key_record_is_classified_but_not_remembered(rsa_key, message):
    record = BAD_KEY + "; n=" + "x" * 2100
    fetch = KeyFetcher(FakeResolver(Zones().add(rsa_key.name, "TXT", record)))
    before = bgdkim._key_problem.cache_info()
    for _ in range(2):
        fetch(rsa_key.name.encode() + b".")
        assert fetch.problem is not None and fetch.problem[0] == "permerror"
    assert bgdkim._key_problem.cache_info().currsize == before.currsize


def test_dns_failure_after_a_success_is_still_temperror(rsa_key, message):
    raw = rsa_key.sign(message)
    resolver = FakeResolver(Zones().dkim(rsa_key))
    (ok,) = verify_all(resolver, raw, now=lambda: NOW)
    resolver.timeout.add("example.com")
    (failed,) = verify_all(resolver, raw, now=lambda: NOW)
    resolver.timeout.clear()
    (again,) = verify_all(resolver, raw, now=lambda: NOW)
    assert (ok.result, failed.result, again.result) == ("pass", "temperror", "pass")
    assert failed.reason.startswith("key lookup failed")
