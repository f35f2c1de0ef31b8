"""contact_not_official: a brand's call to action that writes to a free-mail box."""
from __future__ import annotations

import pytest

from unit.checks.factory import mail, summary

SIGNIN = ('<p>Unusual sign-in activity on your Microsoft account.</p>'
          '<p><a href="mailto:{address}?subject=Report%20User">Report The User</a></p>')
FORWARD = ("FYI, got this today.\n\n________________________________\n"
           "From: Microsoft account team <no-reply@microsoft.com>\nSent: Saturday, 14 January 2023 00:08\n"
           "To: pat@example.net\nSubject: Microsoft account unusual sign-in activity\n\n"
           "Unusual sign-in activity. If this wasn't you, "
           "Report The User<mailto:{address}?subject=Report+The+User>\n")


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(mail(sender="Microsoft account team <notice@acct-review.example>", subject="Unusual sign-in",
                          text=None, html=SIGNIN.format(address="recovery.desk@gmail.com")),
                     {("freemail_action", "microsoft")}, id="sign-in-alert-reporting-to-gmail"),
        pytest.param(mail(sender="Pat <pat@example.net>", subject="Fw: Microsoft account unusual sign-in activity",
                          text=FORWARD.format(address="recovery.desk@gmail.com")),
                     {("forwarded_freemail_action", "microsoft")}, id="forwarded-spoof"),
        pytest.param(mail(sender="Microsoft account team <notice@acct-review.example>", subject="Unusual sign-in",
                          text=None, html=SIGNIN.format(address="report@microsoft.com")),
                     set(), id="brand-own-address"),
        pytest.param(mail(sender="Microsoft account team <notice@acct-review.example>", subject="Unusual sign-in",
                          text=None, html=SIGNIN.format(address="abuse@acct-review.example")),
                     set(), id="not-free-mail"),
        pytest.param(mail(sender="Chess club <secretary.chess@gmail.com>", subject="Microsoft Teams link for Thursday",
                          text=None, html='<a href="mailto:secretary.chess@gmail.com?subject=Apologies">Send apologies'
                                          '</a> or ask <a href="mailto:ann@yahoo.com">ann@yahoo.com</a>'),
                     set(), id="club-sender-own-address-and-a-contact-line"),
        pytest.param(mail(sender="Alice <alice@example.org>", subject="Lunch",
                          text=None, html='<a href="mailto:bob@gmail.com?subject=Lunch">Reply to Bob</a>'),
                     set(), id="no-brand-claimed"),
        pytest.param(mail(sender="Microsoft <account-security-noreply@microsoft.com>", subject="Unusual sign-in",
                          text=None, html=SIGNIN.format(address="recovery.desk@gmail.com")),
                     set(), id="sender-is-the-brand"),
    ],
)
def test_contact_not_official(run, raw, expected):
    assert summary(run("contact_not_official", raw)) == expected


def test_evidence_names_the_address_and_what_the_reader_saw(run):
    raw = mail(sender="Microsoft account team <notice@acct-review.example>", subject="Unusual sign-in", text=None,
               html=SIGNIN.format(address="recovery.desk@gmail.com"))
    (f,) = run("contact_not_official", raw)
    assert "mailto:recovery.desk@gmail.com" in f.evidence and '"Report The User"' in f.evidence
