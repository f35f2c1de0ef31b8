"""brand_claim and sender_not_brand: who is named, and whether the named brand is the sender."""
from __future__ import annotations

import pytest

from unit.checks.factory import authenticated, mail, summary, unauthenticated


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(mail(sender="Norton Billing <billing@renewals-desk.example>"), {("display_name", "norton")},
                     id="display-name-claim"),
        pytest.param(mail(subject="Your NortonLifeLock renewal"), {("subject", "norton")}, id="subject-claim"),
        pytest.param(mail(text="We renewed your McAfee plan."), {("body", "mcafee")}, id="body-claim"),
        pytest.param(mail(sender="N0rton Support <x@desk.example>"), {("display_name", "norton")},
                     id="digit-for-letter-still-matches"),
        pytest.param(mail(sender="Nоrtоn <x@desk.example>"), {("display_name", "norton")}, id="cyrillic-o-matches"),
        pytest.param(mail(text="an apple a day"), set(), id="common-word-needs-brand-capitalisation"),
        pytest.param(mail(text="Write to me at someone@outlook.com"), set(), id="mailbox-address-is-no-claim"),
        pytest.param(mail(sender="Norton <no-reply@norton.com>", subject="Your Norton receipt"), set(),
                     id="offline-brand-domain-is-the-brand"),
    ],
)
def test_brand_claim(run, raw, expected):
    assert summary(run("brand_claim", raw)) == expected


def test_brand_claim_evidence_names_place_and_count(run):
    (f,) = run("brand_claim", mail(subject="Norton invoice", text="Norton 360 ... Norton"))
    assert f.where == "subject" and '"Norton"' in f.evidence and "3 mentions" in f.evidence


def test_genuine_receipt_authenticated_as_norton_is_never_flagged(run):
    raw = mail(sender="Norton <receipts@norton.com>", subject="Your Norton 360 receipt",
               text="Thank you. You were charged $99.99. Questions? Call +1 800 543 3562.")
    for check in ("brand_claim", "sender_not_brand", "phone_not_official", "callback_lure", "payment_lure"):
        assert run(check, raw, auth=authenticated("norton.com")) == [], check


def test_authenticated_subdomain_counts_as_the_brand(run):
    raw = mail(sender="Norton <n@email.norton.com>", subject="Norton renewal")
    assert run("sender_not_brand", raw, auth=authenticated("email.norton.com")) == []


@pytest.mark.parametrize(
    "raw, auth, expected",
    [
        pytest.param(mail(sender="Norton <x@secure-renew.example>"), None, {("foreign_domain", "norton")},
                     id="foreign-domain"),
        pytest.param(mail(subject="Norton order", return_path="<b@bounce.example>"), None,
                     {("foreign_domain", "norton")}, id="subject-claim-foreign"),
        pytest.param(mail(text="I like Norton."), None, set(), id="body-mention-is-below-default-level"),
        pytest.param(mail(sender="Norton <support@norton.com>", subject="Norton"), unauthenticated(),
                     {("unauthenticated", "norton")}, id="brand-domain-failing-auth"),
        pytest.param(mail(sender="Norton <support@norton.com>", subject="Norton"), None, set(),
                     id="brand-domain-offline"),
    ],
)
def test_sender_not_brand(run, raw, auth, expected):
    assert summary(run("sender_not_brand", raw, auth=auth)) == expected


def test_sender_not_brand_min_level_body(run):
    raw = mail(text="Your Norton plan renewed.")
    assert summary(run("sender_not_brand", raw, min_level="body")) == {("foreign_domain", "norton")}


def test_forwarded_genuine_receipt_is_not_the_forwarders_claim(run):
    raw = mail(
        sender="Alice <alice@gmail.com>", subject="Fwd: Your Norton 360 receipt",
        text="FYI, is this right?\n\n---------- Forwarded message ---------\nFrom: Norton <receipts@norton.com>\n"
             "Subject: Your Norton 360 receipt\n\nThank you for your order. You were charged $99.99.\n"
             "Questions? Call +1 800 543 3562.",
    )
    for check in ("brand_claim", "sender_not_brand", "freemail_brand_claim", "phone_not_official", "callback_lure",
                  "payment_lure"):
        assert run(check, raw) == [], check
