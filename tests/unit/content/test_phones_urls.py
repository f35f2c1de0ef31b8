"""Phone numbers after de-obfuscation, and URLs / bare domains in text."""
from __future__ import annotations

import pytest

from brandguard.content.normalize import normalise
from brandguard.content.phones import find_phones, is_valid_e164
from brandguard.content.urls import has_public_suffix, host_of, in_domain, links_in_text, org_domain


@pytest.mark.parametrize(
    "text, e164, kind, obfuscated",
    [
        pytest.param("Call +1 (888) 555-0123 today", "+18885550123", "toll_free", False, id="plain-toll-free"),
        pytest.param("Call 1-8OO-555-O1OO", "+18005550100", "toll_free", True, id="letter-o-for-zero"),
        pytest.param("Helpline: 1.8l5.555.0143", "+18155550143", "fixed_line_or_mobile", True, id="letter-l-for-one"),
        pytest.param("dial 8 0 8 5 5 5 0 1 4 3 now", "+18085550143", "fixed_line_or_mobile", True,
                     id="spaced-digits"),
        pytest.param(normalise("call 𝟴𝟬𝟴-𝟱𝟱𝟱-𝟬𝟭𝟰𝟯").text, "+18085550143", "fixed_line_or_mobile", False,
                     id="maths-bold-after-nfkc"),
        pytest.param("UK office +44 20 7946 0958", "+442079460958", "fixed_line", False, id="international"),
    ],
)
def test_find_phones(text, e164, kind, obfuscated):
    (p,) = find_phones(text, "body")
    assert (p.e164, p.type, p.obfuscated) == (e164, kind, obfuscated)
    assert p.where == "body" and p.raw in text


@pytest.mark.parametrize("text", ["Order NP09312186721", "version 2.4.1 released on 2024-05-06", "ZIP 90210"])
def test_no_false_phones(text):
    assert find_phones(text, "body") == []


def test_styled_digits_flag_marks_obfuscation():
    (p,) = find_phones("call 808-555-0143", "body", styled_digits=True)
    assert p.obfuscated


def test_context_surrounds_number():
    (p,) = find_phones("x " * 200 + "please call 808-555-0143 to cancel" + " y" * 200, "pdf")
    assert "please call" in p.context and "to cancel" in p.context and p.where == "pdf"


@pytest.mark.parametrize("n, ok", [("+18005433562", True), ("18005433562", False), ("+1800", False)])
def test_is_valid_e164(n, ok):
    assert is_valid_e164(n) is ok


def test_links_in_text():
    links = links_in_text("See https://a.example/x?y=1, www.b.example and norton-renew.com. Not notes.txt", "body")
    assert [(link.host, link.kind) for link in links] == [("a.example", "text"), ("www.b.example", "text"),
                                                          ("norton-renew.com", "bare")]


@pytest.mark.parametrize(
    "host, org",
    [("mail.paypal.co.uk", "paypal.co.uk"), ("x.web.app", "x.web.app"), ("10.0.0.1", "10.0.0.1"), ("a.b.c.com", "c.com")],
)
def test_org_domain(host, org):
    assert org_domain(host) == org


def test_host_helpers():
    assert host_of("HTTP://Evil.Example.:80/x") == "evil.example"
    assert in_domain("a.norton.com", "norton.com") and not in_domain("evilnorton.com", "norton.com")
    assert has_public_suffix("paypal.com") and not has_public_suffix("readme.txt")


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("To cancel call +1 808\n555 0143 today.", ["+18085550143"], id="country-code-and-area-then-line"),
        pytest.param("call 1-808-555-\n0143 now", ["+18085550143"], id="broken-after-a-dash"),
        pytest.param("Invoice 2026\n555 items", [], id="a-year-and-a-count"),
        pytest.param("Order 12345\n67890 shipped", [], id="two-ids-make-no-valid-number"),
    ],
)
def test_number_split_across_lines(text, expected):
    phones = find_phones(text, "body", "US")
    assert [p.e164 for p in phones] == expected
    assert all(p.obfuscated for p in phones)
