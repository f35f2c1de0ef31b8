"""From-domain extraction (RFC 7489 6.6.1), organisational domains from the bundled PSL, alignment."""
from __future__ import annotations

import pytest

from brandguard.auth.orgdomain import aligned, author_domain, normalise_domain, org_domain
from brandguard.model import Envelope, MessageContext


def ctx(*froms: str) -> MessageContext:
    headers = tuple(("From", f) for f in froms) + (("Subject", "hi"),)
    return MessageContext(envelope=Envelope(), headers=headers, body=b"")


@pytest.mark.parametrize(("froms", "domain", "problem"), [
    pytest.param(("Alice <alice@Example.COM>",), "example.com", "", id="display-name"),
    pytest.param(("alice@example.com",), "example.com", "", id="bare-address"),
    pytest.param(('"PayPal Support (paypal.com)" <help@evil.example>',), "evil.example", "", id="brand-in-display-name"),
    pytest.param(("=?utf-8?q?Norton_Support?= <billing@evil.example>",), "evil.example", "", id="encoded-word"),
    pytest.param(("Alice\r\n <alice@example.com>",), "example.com", "", id="folded"),
    pytest.param(("Büro <info@bücher.example>",), "xn--bcher-kva.example", "", id="idn-domain"),
    pytest.param((), "", "no_from", id="no-from"),
    pytest.param(("a@example.com", "b@example.com"), "example.com", "multiple_from", id="two-headers-same-domain"),
    pytest.param(("a@example.com", "b@paypal.com"), "", "multiple_from", id="two-headers-two-domains"),
    pytest.param(("a@example.com, b@example.com",), "example.com", "multiple_addresses", id="two-addresses-same-domain"),
    pytest.param(("a@evil.example, support@paypal.com",), "", "multiple_addresses", id="two-addresses-two-domains"),
    pytest.param(("alice",), "", "unparseable", id="no-at"),
    pytest.param(("alice@",), "", "unparseable", id="empty-domain"),
    pytest.param(("<@example.com>",), "", "unparseable", id="empty-local-part"),
    pytest.param(("undisclosed-recipients:;",), "", "unparseable", id="empty-group"),
    pytest.param(("alice@exa mple.com",), "", "unparseable", id="space-in-domain"),
    pytest.param(("",), "", "unparseable", id="empty-value"),
])
def test_author_domain(froms, domain, problem):
    got = author_domain(ctx(*froms))
    assert (got.domain, got.problem) == (domain, problem)


@pytest.mark.parametrize(("domain", "org"), [
    pytest.param("mail.example.com", "example.com", id="subdomain"),
    pytest.param("example.com", "example.com", id="itself"),
    pytest.param("a.b.example.co.uk", "example.co.uk", id="two-label-suffix"),
    pytest.param("co.uk", "co.uk", id="public-suffix-itself"),
    pytest.param("foo.blogspot.com", "foo.blogspot.com", id="private-section"),
    pytest.param("Mail.Example.COM.", "example.com", id="case-and-dot"),
    pytest.param("host.unknowntld", "host.unknowntld", id="unknown-tld"),
    pytest.param("", "", id="empty"),
])
def test_org_domain(domain, org):
    assert org_domain(domain) == org


@pytest.mark.parametrize(("auth", "frm", "mode", "ok"), [
    pytest.param("example.com", "example.com", "s", True, id="strict-equal"),
    pytest.param("mail.example.com", "example.com", "s", False, id="strict-subdomain"),
    pytest.param("mail.example.com", "example.com", "r", True, id="relaxed-subdomain"),
    pytest.param("example.com", "news.example.com", "r", True, id="relaxed-parent"),
    pytest.param("a.example.co.uk", "b.example.co.uk", "r", True, id="relaxed-siblings"),
    pytest.param("other.co.uk", "example.co.uk", "r", False, id="same-suffix-other-org"),
    pytest.param("paypal.com.evil.example", "paypal.com", "r", False, id="lookalike"),
    pytest.param("", "example.com", "r", False, id="no-auth-domain"),
])
def test_alignment(auth, frm, mode, ok):
    assert aligned(auth, frm, mode) is ok


@pytest.mark.parametrize(("text", "norm"), [
    pytest.param("Example.COM.", "example.com", id="case"),
    pytest.param("bücher.example", "xn--bcher-kva.example", id="idn"),
    pytest.param("a..b", None, id="empty-label"),
    pytest.param("x" * 64 + ".com", None, id="long-label"),
    pytest.param("exa$mple.com", None, id="bad-char"),
])
def test_normalise_domain(text, norm):
    assert normalise_domain(text) == norm
