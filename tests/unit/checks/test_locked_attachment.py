"""locked_attachment: the message hands over the password of the attachment no scanner can read."""
from __future__ import annotations

from pathlib import Path

import pytest

from unit.checks.factory import mail, summary

LOCKED = (Path(__file__).parents[1] / "content" / "data" / "encrypted-zipcrypto.zip").read_bytes()
ZIP = [(LOCKED, "application", "zip", "Invoice.zip")]


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(mail(text="Your invoice is attached. Password for the attached invoice: 4471", attachments=ZIP),
                     {("password_in_text", None)}, id="password-given-en"),
        pytest.param(mail(text="Die Rechnung ist angehängt. Das Passwort lautet 7781.", attachments=ZIP),
                     {("password_in_text", None)}, id="password-given-de"),
        pytest.param(mail(text="見積書を添付いたします。パスワードは Kx8-2291 です。", attachments=ZIP),
                     {("password_in_text", None)}, id="password-given-ja"),
        pytest.param(mail(text="見積書を添付いたします。パスワードは別途お送りします。", attachments=ZIP), set(),
                     id="password-sent-separately-ja"),
        pytest.param(mail(text="The report is attached; the password is sent in a separate e-mail.", attachments=ZIP),
                     set(), id="password-sent-separately-en"),
        pytest.param(mail(text="Password: 4471"), set(), id="no-locked-attachment"),
        pytest.param(mail(text="Password: 4471", attachments=[(b"PK\x03\x04" + b"\x00" * 40, "application", "zip",
                                                                "a.zip")]), set(), id="unencrypted-or-broken-zip"),
    ],
)
def test_locked_attachment(run, raw, expected):
    assert summary(run("locked_attachment", raw)) == expected


def test_evidence_names_the_file_and_the_sentence(run):
    (f,) = run("locked_attachment", mail(text="Password for the attached invoice: 4471", attachments=ZIP))
    assert "encrypted ZIP Invoice.zip" in f.evidence and "4471" in f.evidence
