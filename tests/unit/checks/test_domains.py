"""lookalike_domain, reply_to_divergence, display_name_address_spoof, link_text_mismatch."""
from __future__ import annotations

import pytest

from brandguard.checks.lookalike_domain import distance
from unit.checks.factory import mail, summary


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(mail(sender="PayPal <service@paypa1.com>"), {("confusable", "paypal")}, id="digit-one-for-l"),
        pytest.param(mail(sender="PayPal <service@paypai.com>"), {("confusable", "paypal")}, id="i-for-l"),
        pytest.param(mail(sender="Norton <billing@nortom.com>"), {("edit_distance", "norton")}, id="one-letter-off"),
        pytest.param(mail(sender="McAfee <x@mcafee-renewals.com>"), {("brand_in_domain", "mcafee")},
                     id="brand-plus-word"),
        pytest.param(mail(subject="PayPal", text="Log in: https://paypal.com.secure-check.example/login"),
                     {("brand_subdomain", "paypal")}, id="brand-as-subdomain-of-link"),
        pytest.param(mail(sender="Microsoft <x@xn--mcrosoft-thh.com>"), {("confusable", "microsoft")},
                     id="punycode-homograph"),
        pytest.param(mail(text="great purchase at https://chasers-shop.example"), set(), id="no-brand-named"),
        pytest.param(mail(sender="PayPal <service@paypal.co.uk>"), set(), id="brand-own-domain"),
        pytest.param(mail(sender="Norton <a@gmail.com>"), set(), id="freemail-is-another-check"),
        pytest.param(mail(subject="PayPal look-alikes this week", text="They registered paypa1-secure.com on Monday."),
                     set(), id="domain-named-without-a-link"),
        pytest.param(mail(subject="PayPal", text=None, html='<a href="https://paypa1-secure.com/login">Sign in</a>'),
                     {("confusable", "paypal")}, id="the-same-domain-as-a-link"),
    ],
)
def test_lookalike_domain(run, raw, expected):
    assert summary(run("lookalike_domain", raw)) == expected


def test_lookalike_only_sender_domains_when_links_off(run):
    raw = mail(subject="PayPal", text="https://paypa1.example/login")
    assert summary(run("lookalike_domain", raw)) == {("confusable", "paypal")}
    assert run("lookalike_domain", raw, links=False) == []


@pytest.mark.parametrize("a, b, d", [("norton", "nortom", 1), ("microsoft", "micorsoft", 1), ("paypal", "pal", 3)])
def test_distance(a, b, d):
    assert distance(a, b) == d


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(mail(sender="Norton <billing@renew.example>", reply_to="norton.help@gmail.com"),
                     {("freemail_reply_to", "norton")}, id="freemail-reply-to"),
        pytest.param(mail(sender="Norton <billing@renew.example>", reply_to="desk@other.example"),
                     {("foreign_reply_to", "norton")}, id="reply-to-elsewhere-with-brand"),
        pytest.param(mail(sender="List <list@lists.example>", reply_to="list@other.example"), set(),
                     id="mailing-list"),
        pytest.param(mail(sender="Norton <billing@renew.example>", reply_to="care@norton.com"), set(),
                     id="reply-to-the-brand"),
        pytest.param(mail(sender="Bob <bob@gmail.com>", reply_to="bob@yahoo.com"), set(), id="freemail-to-freemail"),
    ],
)
def test_reply_to_divergence(run, raw, expected):
    assert summary(run("reply_to_divergence", raw)) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(mail(sender='"service@paypal.com" <x@evil.example>'), {("address_in_name", "paypal")},
                     id="brand-address-in-name"),
        pytest.param(mail(sender='"joe@partner.example" <x@evil.example>'), {("address_in_name", None)},
                     id="other-address-in-name"),
        pytest.param(mail(sender="paypal.com Security <x@evil.example>"), {("domain_in_name", "paypal")},
                     id="brand-domain-in-name"),
        pytest.param(mail(sender="CNET News.com Daily <news@newsletter.example>"), set(), id="site-name"),
        pytest.param(mail(sender='"alice@example.org" <alice@example.org>'), set(), id="own-address"),
    ],
)
def test_display_name_address_spoof(run, raw, expected):
    assert summary(run("display_name_address_spoof", raw)) == expected


@pytest.mark.parametrize(
    "html, subject, expected",
    [
        pytest.param('<a href="http://evil.example/login">https://www.paypal.com/signin</a>', "Hi",
                     {("brand_url_text_mismatch", "paypal")}, id="brand-url-text"),
        pytest.param('<a href="http://track.mailer.net/c?u=1">www.shop-deals.com</a>', "Hi",
                     {("url_text_mismatch", None)}, id="unbranded-url-text"),
        pytest.param('<a href="http://evil.example/x">Sign in to PayPal</a>', "PayPal notice",
                     {("brand_text_foreign_href", "paypal")}, id="brand-words-foreign-href"),
        pytest.param('<a href="https://www.paypal.com/x">Sign in to PayPal</a>', "PayPal notice", set(),
                     id="brand-words-brand-href"),
        pytest.param('<a href="http://clickthru.example/x">Dell cuts prices</a>', "Tech news", set(),
                     id="news-headline-link"),
    ],
)
def test_link_text_mismatch(run, html, subject, expected):
    assert summary(run("link_text_mismatch", mail(subject=subject, text=None, html=html))) == expected


def test_newsletter_headline_linking_to_its_own_site_is_no_mismatch(run):
    raw = mail(sender="AnchorDesk <news@newsletter.online.example>", subject="Apple and HP news",
               text=None, html='<a href="https://clickthru.online.example/r?1">Why Apple could win</a>')
    assert run("link_text_mismatch", raw) == []
