"""remote_access_lure, payment_lure, credential_lure, reward_lure: what the reader is asked to do."""
from __future__ import annotations

import pytest

from unit.checks.factory import authenticated, mail, summary

SUPPORT = "Microsoft Support <help@pc-fix.example>"


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(mail(sender=SUPPORT, text="Download AnyDesk and give us the 9-digit code so our technician "
                          "can connect to your computer."), {("tool_with_access_request", "microsoft")},
                     id="anydesk-session-request"),
        pytest.param(mail(sender="IT News <news@it-weekly.example>", subject="Tool roundup",
                          text="TeamViewer 15.2 released: download the new version from the vendor. "
                               "Microsoft Quick Assist also got faster this month."), set(),
                     id="it-newsletter-mentions-teamviewer"),
        pytest.param(mail(subject="Refund", text="Our technician will connect remotely to process your refund of $299."
                          " Call +1 808 555 0143."), {("access_request", None)}, id="generic-remote-session"),
        pytest.param(mail(subject="Remboursement", text="Un technicien va se connecter pour une assistance à distance "
                          "et traiter votre remboursement de 299 €. Appelez le 09 70 12 34 56."),
                     {("access_request", None)}, id="remote-session-without-a-tool-french"),
        pytest.param(mail(subject="返金のご案内", text="担当者より遠隔操作で接続し、返金手続きを行います。"
                          "0120-555-842 までお電話ください。"), {("access_request", None)},
                     id="remote-session-without-a-tool-japanese"),
        pytest.param(mail(subject="Wartung", text="Unser Techniker wird sich am Montag verbinden. Die Fernwartung "
                          "ist für die Druckerwartung nötig."), set(), id="no-brand-no-number-german-it-notice"),
        pytest.param(mail(sender=SUPPORT, text=None, html='<p>Please allow us remote access with '
                          '<a href="https://anydesk.com/en">our support app</a>.</p>'),
                     {("tool_download_link", "microsoft")}, id="download-link-with-request"),
    ],
)
def test_remote_access_lure(run, raw, expected):
    assert summary(run("remote_access_lure", raw)) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(mail(subject="Geek Squad renewal", text="Your subscription has been renewed. Amount: $349.99."),
                     {("renewal_charge", "geeksquad")}, id="fake-renewal"),
        pytest.param(mail(subject="Order", text="Your order of $20.00 has been processed. Thanks, Acme Shop"), set(),
                     id="ordinary-shop-receipt"),
        pytest.param(mail(text="To fix this, buy Google Play gift cards and send the codes."),
                     {("gift_card_or_crypto", None)}, id="gift-cards"),
        pytest.param(mail(text="PayPal's stock has been charged with... analysts saw $3.2bn revenue"), set(),
                     id="news-not-addressed-to-reader"),
    ],
)
def test_payment_lure(run, raw, expected):
    assert summary(run("payment_lure", raw)) == expected


def test_genuine_paypal_receipt_is_not_a_lure(run):
    raw = mail(sender="PayPal <service@paypal.com>", subject="Receipt for your payment",
               text="You sent a payment of $25.00 USD. Your payment has been processed.")
    assert run("payment_lure", raw, auth=authenticated("paypal.com")) == []


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(mail(subject="Mailbox full", text="Your mailbox is almost full. Incoming messages are held. "
                          "Upgrade at https://quota.example/up"), {("mailbox_quota", None)}, id="mailbox-quota"),
        pytest.param(mail(sender="Microsoft <x@notice.example>", text="Your password expires today. Keep the same "
                          "password: https://keep.example"), {("password_expiry", "microsoft")}, id="password-expiry"),
        pytest.param(mail(subject="PayPal", text="Your account has been limited. Verify your account at "
                          "http://pp.example"), {("account_threat", "paypal")}, id="account-limited"),
        pytest.param(mail(subject="Konto", text="Ihr Konto wurde gesperrt: https://x.example"),
                     {("account_threat", None)}, id="german-account-blocked"),
        pytest.param(mail(text="Your account has been suspended. Reply to this mail."), set(), id="no-link-no-lure"),
        pytest.param(mail(text="If your account is closed or delinquent you get no bonus. https://terms.example"),
                     set(), id="terms-and-conditions"),
    ],
)
def test_credential_lure(run, raw, expected):
    assert summary(run("credential_lure", raw)) == expected


def test_genuine_security_notice_from_the_brand(run):
    raw = mail(sender="Microsoft account team <account-security-noreply@microsoft.com>",
               subject="Microsoft account unusual sign-in activity", text="We detected unusual sign-in activity. "
               "Review it at https://account.live.com/activity")
    assert run("credential_lure", raw) == []


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(mail(sender="Apple Rewards <win@promo.example>", text="Congratulations! You have been selected. "
                          "Complete our survey to claim your reward."), {("prize_or_survey", "apple")},
                     id="survey-reward"),
        pytest.param(mail(subject="Apple", text="Congratulations on the new job!"), set(), id="one-phrase-is-not-bait"),
        pytest.param(mail(text="Congratulations! You have been selected for a free gift."), set(),
                     id="unbranded-offer"),
    ],
)
def test_reward_lure(run, raw, expected):
    assert summary(run("reward_lure", raw)) == expected


@pytest.mark.parametrize("raw, expected", [
    pytest.param(mail(sender="Support <s@desk.example>", text="Unlock your account: https://unlock.example/a"),
                 {("account_verify", None)}, id="unlock-account"),
    pytest.param(mail(sender="Shop <s@shop.example>", text="To update your e-mail address visit https://shop.example/p"),
                 {("verify_request", None)}, id="footer-update-address-is-weak"),
])
def test_credential_lure_strength(run, raw, expected):
    assert summary(run("credential_lure", raw)) == expected
