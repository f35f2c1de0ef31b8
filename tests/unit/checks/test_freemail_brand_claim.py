"""freemail_brand_claim: free-mail senders writing as a brand."""
from __future__ import annotations

import pytest

from unit.checks.factory import mail, summary


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(mail(sender="McAfee Security <mcafee.billing@gmail.com>"), {("display_name", "mcafee")},
                     id="brand-display-name-on-gmail"),
        pytest.param(mail(sender="Billing <mcafeerenewal@gmail.com>"), {("display_name", "mcafee")},
                     id="brand-in-gmail-local-part"),
        pytest.param(mail(sender="Paid Customer <x77@gmail.com>", subject="Order received",
                          text="Your McAfee plan has been renewed. Amount: $389.99 USD. Invoice #A1."),
                     {("brand_voice", "mcafee")}, id="receipt-written-as-brand"),
        pytest.param(mail(sender="Carol <carol@gmail.com>", subject="quick question",
                          text="My McAfee subscription expired yesterday, should I renew it or use Defender?"),
                     set(), id="personal-note-mentioning-mcafee"),
        pytest.param(mail(sender="Carol <carol@gmail.com>", subject="Re: antivirus",
                          headers={"In-Reply-To": "<a1@example.net>", "References": "<a1@example.net>"},
                          text="They renewed my McAfee plan for $89.99 without asking; the refund took two days."),
                     set(), id="reply-in-a-thread-telling-a-charge"),
        pytest.param(mail(sender="Paid Customer <x77@gmail.com>", subject="ENC: Order received",
                          headers={"In-Reply-To": "<a1@example.net>"},
                          text="Your McAfee plan has been renewed. Amount: $389.99 USD. Invoice #A1."),
                     {("brand_voice", "mcafee")}, id="forward-with-a-thread-header-still-speaks-as-the-brand"),
        pytest.param(mail(sender="McAfee <news@partner.example>"), set(), id="not-freemail"),
        pytest.param(mail(sender="PayPal <service@yahoo.co.uk>"), {("display_name", "paypal")},
                     id="wildcard-freemail-domain"),
    ],
)
def test_freemail_brand_claim(run, raw, expected):
    assert summary(run("freemail_brand_claim", raw)) == expected


def test_evidence_shows_the_address(run):
    (f,) = run("freemail_brand_claim", mail(sender="Geek Squad <gs.team@outlook.com>"))
    assert "gs.team@outlook.com" in f.evidence and f.brand == "geeksquad"


def test_security_alert_from_free_mail_speaks_as_the_brand(run):
    raw = mail(sender="Conta - Atendimento <atendimento.conta@gmail.com>", subject="Acesso indevido",
               text="Sua conta Microsoft foi acessada a partir de um novo dispositivo. Verifique a atividade.")
    assert summary(run("freemail_brand_claim", raw)) == {("brand_voice", "microsoft")}
