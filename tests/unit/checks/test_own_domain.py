"""own_domain_mismatch, redirect_link and split-letter obfuscation: spoofs of a brand's own domain, hidden link targets."""
from __future__ import annotations

import pytest

from brandguard.checks._redirects import UNKNOWN, redirect_target
from unit.checks.factory import authenticated, mail, summary


def links(*hrefs: str) -> str:
    return "<html><body><p>Notice</p>" + "".join(f'<a href="{h}">open</a>' for h in hrefs) + "</body></html>"


@pytest.mark.parametrize("raw, expected", [
    pytest.param(mail(sender="Power Scrubber <news@microsoft.com>", text=None, html=links("https://shop.example/x")),
                 {("offbrand_links", "microsoft")}, id="brand-domain-linking-only-elsewhere"),
    pytest.param(mail(sender="Microsoft account team <no-reply@microsoft.com>", text="Unusual sign-in activity.",
                      return_path="<bounce@random-host.example>", reply_to="report@assist.example"),
                 {("foreign_envelope_reply", "microsoft")}, id="foreign-envelope-and-reply-to"),
    pytest.param(mail(sender="Microsoft <account@microsoft.com>", text=None,
                      html=links("https://account.microsoft.com/", "https://shop.example/")), set(),
                 id="a-link-home-is-enough"),
    pytest.param(mail(sender="Microsoft <news@microsoft.com>", text=None,
                      html=links("https://u123.ct.sendgrid.net/ls/click?x")), set(), id="esp-tracker-is-neutral"),
    pytest.param(mail(sender="Microsoft <news@microsoft.com>", text="See www.shop.example for the report."), set(),
                 id="plain-text-mention-is-no-link"),
    pytest.param(mail(sender="Calendar <calendar@microsoft.com>", text="Invitation",
                      return_path="<bounce@microsoft.com>", reply_to="colleague@firm.example"), set(),
                 id="reply-to-a-person-from-the-brand-envelope"),
    pytest.param(mail(sender="Alice <alice@firm.example>", text=None, html=links("https://shop.example/")), set(),
                 id="not-a-brand-domain"),
    pytest.param(mail(sender="Bob <bob@microsoft.com>", text=None, html=links("https://shop.example/"),
                      headers={"List-Post": "<mailto:list@lists.example>"}), set(), id="discussion-list-post"),
])
def test_own_domain_mismatch(run, raw, expected):
    assert summary(run("own_domain_mismatch", raw)) == expected


def test_own_domain_mismatch_is_silent_when_the_brand_authenticates(run):
    raw = mail(sender="Microsoft <news@microsoft.com>", text=None, html=links("https://event.example/"))
    assert run("own_domain_mismatch", raw, authenticated("microsoft.com")) == []


@pytest.mark.parametrize("url, target", [
    pytest.param("https://www.bing.com/ck/a?!&&p=abc&u=a1aHR0cHM6Ly9ldmlsLmV4YW1wbGUvbG9naW4&ntb=1", "evil.example",
                 id="bing-ck-a-base64"),
    pytest.param("https://www.bing.com/ck/a?!&&p=abc&u=a", UNKNOWN, id="bing-unreadable"),
    pytest.param("https://www.google.com/url?q=https://evil.example/x&sa=D", "evil.example", id="google-url-q"),
    pytest.param("https://www.google.com/amp/s/evil.example/page", "evil.example", id="google-amp"),
    pytest.param("https://www.google.com/search?q=brandguard", None, id="google-search-is-no-redirect"),
    pytest.param("https://shop.example/url?q=https://x.example", None, id="unknown-host"),
])
def test_redirect_target(url, target):
    assert redirect_target(url) == target


def test_redirect_link(run):
    raw = mail(sender="Microsoft Privacy <privacy@renov.example>", subject="Your user agreement", text=None,
               html=links("https://www.bing.com/ck/a?!&&p=1&u=a1aHR0cHM6Ly9ldmlsLmV4YW1wbGUv"))
    assert summary(run("redirect_link", raw)) == {("open_redirect", "microsoft")}
    plain = mail(sender="Alice <alice@firm.example>", text=None, html=links("https://www.google.com/maps"))
    assert run("redirect_link", plain) == []


@pytest.mark.parametrize("subject, hit", [
    pytest.param("We C.a.l.l.e.d You 3 Times", True, id="dotted-word"),
    pytest.param("P-A-Y-M-E-N-T declined", True, id="dashed-capitals"),
    pytest.param("Meeting notes U.S.A. e.g. v1.2.3.4.5", False, id="acronyms-and-versions"),
])
def test_split_letters(run, subject, hit):
    found = {f.outcome for f in run("obfuscation", mail(sender="X <x@firm.example>", subject=subject))}
    assert ("split_letters" in found) is hit


@pytest.mark.parametrize("from_line, owned", [
    pytest.param("Microsoft <news@microsoft.com>", {"microsoft"}, id="well-formed"),
    pytest.param("Selektiert!,(<news@microsoft.com>)", set(), id="unparseable-name-is-borrowed"),
])
def test_owned_brands_needs_a_well_formed_from(catalogue, from_line, owned):
    from brandguard.checks._brands import owned_brands
    from brandguard.checks.base import CheckInput
    from brandguard.content import extract
    from brandguard.mailfile import context_from_bytes
    from brandguard.model import AuthResults

    raw = f"From: {from_line}\r\nTo: bob@example.net\r\nSubject: Hi\r\n\r\nHello\r\n".encode()
    ctx = context_from_bytes(raw)
    inp = CheckInput.build(ctx, AuthResults(), extract(ctx), catalogue)
    assert owned_brands(inp) == owned
