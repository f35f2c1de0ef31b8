"""action_lure, suspicious_link, sender_anomaly, address_greeting: the story and the kit behind a lure."""
from __future__ import annotations

import pytest

from unit.checks.factory import authenticated, mail, summary

LINK = '<p><a href="https://portal.site.example/go">Continue</a></p>'


def html(text: str, link: str = LINK) -> str:
    return f"<html><body><p>{text}</p>{link}</body></html>"


@pytest.mark.parametrize("raw, expected", [
    pytest.param(mail(sender="Correios <aviso@entregas.example>", text=None,
                      html=html("Seu pedido foi bloqueado pela fiscalização: pague a taxa de importação.")),
                 {("parcel_fee", None)}, id="parcel-fee-portuguese"),
    pytest.param(mail(sender="Paket <info@post.example>", text=None,
                      html=html("Ihr Paket wartet auf Zustellung. Zollgebühr: 1,99 EUR.")),
                 {("parcel_fee", None)}, id="parcel-held-german"),
    pytest.param(mail(sender="McAfee <support@renew.example>", text=None,
                      html=html("Ihr McAfee-Abonnement ist abgelaufen! Jetzt verlängern.")),
                 {("protection_expired", "mcafee")}, id="protection-expired-german"),
    pytest.param(mail(sender="Docs <files@share.example>", text=None,
                      html=html("You have new documents to review and sign.")),
                 {("document_share", None)}, id="document-to-sign"),
    pytest.param(mail(sender="Wallet Team <team@wallet.example>", text=None,
                      html=html("Please enter your secret recovery phrase to keep access.")),
                 {("crypto_wallet", None)}, id="recovery-phrase"),
    pytest.param(mail(sender="Pontos <resgate@premios.example>", text=None,
                      html=html("Você tem pontos acumulados prestes a expirar: resgate agora.")),
                 {("points_expiring", None)}, id="points-expiring"),
    pytest.param(mail(sender="Microsoft <alert@notice.example>", text=None,
                      html=html("We detected an unusual sign-in to your Microsoft account.")),
                 {("security_alert", "microsoft")}, id="sign-in-alert"),
    pytest.param(mail(sender="Debian Devel <devel@lists.example>",
                      text="The libfoo package could not be installed: held back by apt."), set(),
                 id="software-package-is-no-parcel"),
    pytest.param(mail(sender="News <news@paper.example>",
                      text="Your subscription has expired, the paper wrote about a data breach."), set(),
                 id="story-without-a-link-or-phone"),
])
def test_action_lure(run, raw, expected):
    assert summary(run("action_lure", raw)) == expected


def test_action_lure_leaves_the_brands_own_notices_alone(run):
    raw = mail(sender="Microsoft <account-security-noreply@microsoft.com>", text=None,
               html=html("New sign-in detected on your account."))
    assert run("action_lure", raw, auth=authenticated("microsoft.com")) == []


@pytest.mark.parametrize("raw, expected", [
    pytest.param(mail(text=None, html=html("Log in", '<a href="http://203.0.113.7/login">here</a>')),
                 {("ip_host", None)}, id="raw-ip"),
    pytest.param(mail(sender="PayPal <x@desk.example>", text=None,
                      html=html("Verify", '<a href="https://verify-now.web.app/">here</a>')),
                 {("free_hosting", "paypal")}, id="serverless-page"),
    pytest.param(mail(text="Details: https://bit.ly/3abcDEF"), {("shortener", None)}, id="shortener"),
    pytest.param(mail(text="Docs at https://www.python.org/about and www.example.org"), set(), id="ordinary-links"),
])
def test_suspicious_link(run, raw, expected):
    assert summary(run("suspicious_link", raw)) == expected


def test_suspicious_link_hosting_list_is_configurable(run):
    raw = mail(text="Open https://files.cdn.example/p")
    assert summary(run("suspicious_link", raw, hosting=["cdn.example"])) == {("free_hosting", None)}


@pytest.mark.parametrize("raw, expected", [
    pytest.param(mail(sender="Bradesco <sac@ubuntu-s-1vcpu-512mb-nyc1-04>"), {"invalid_from_domain"},
                 id="hostname-without-tld"),
    pytest.param(mail(sender="Support <support.user@home.example@relay.example>"), {"invalid_from_domain"},
                 id="two-at-signs"),
    pytest.param(mail(sender="Bank <no-reply@bank.example>", return_path="<b@xpgbf-16.ykuv>"),
                 {"invalid_return_path"}, id="envelope-cannot-exist"),
    pytest.param(mail(sender="Promo <a@ajd3qn94hcztqy6rrto9.com>"), {"random_domain"}, id="machine-made-name"),
    pytest.param(mail(sender="Ville <ville@iki.fi>"), set(), id="private-suffix-domain-is-real"),
    pytest.param(mail(sender="Cron <root@build.internal>"), set(), id="internal-names-are-no-kit"),
    pytest.param(mail(sender="Web2Mail <team@web2mail.com>"), set(), id="a-digit-in-a-brand-name"),
])
def test_sender_anomaly(run, raw, expected):
    assert {f.outcome for f in run("sender_anomaly", raw)} == expected


@pytest.mark.parametrize("raw, expected", [
    pytest.param(mail(text="Hello jane.doe@example.net, your reward is waiting."), {("greeting", None)},
                 id="hello-address"),
    pytest.param(mail(text="Olá, rodrigo@example.com.br Você tem pontos."), {("greeting", None)},
                 id="ola-address"),
    pytest.param(mail(subject="jane@example.net: your invoice is ready"), {("subject", None)}, id="subject"),
    pytest.param(mail(text="Hi Jane,\nsee you tomorrow.\n\nThis message was sent to jane@example.net."), set(),
                 id="name-greeting-and-footer"),
])
def test_address_greeting(run, raw, expected):
    assert summary(run("address_greeting", raw)) == expected
