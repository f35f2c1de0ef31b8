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
        pytest.param(mail(sender="Billing <mcafeerenewal@renewals-desk.example>"), {("display_name", "mcafee")},
                     id="brand-in-a-foreign-local-part"),
        pytest.param(mail(sender="Microsoft <norton.partners@microsoft.com>"), set(),
                     id="a-brand-domains-own-mailbox-names-no-other-brand"),
        pytest.param(mail(sender='"P@yPal Billing" <billing@inv-notice.example>'), {("display_name", "paypal")},
                     id="at-sign-for-a"),
        pytest.param(mail(subject="Your Micro$oft account is locked"), {("subject", "microsoft")},
                     id="dollar-for-s"),
        pytest.param(mail(text="Write to pat@paypal-help.example or call"), set(), id="brand-inside-a-mailbox"),
        pytest.param(mail(text="an apple a day"), set(), id="common-word-needs-brand-capitalisation"),
        pytest.param(mail(text="Write to me at someone@outlook.com"), set(), id="mailbox-address-is-no-claim"),
        pytest.param(mail(sender="Norton <no-reply@norton.com>", subject="Your Norton receipt"), set(),
                     id="offline-brand-domain-is-the-brand"),
        pytest.param(mail(subject="This week: Edward Norton classics", text="John McAfee's life, in a film."), set(),
                     id="surname-after-a-first-name-is-a-person"),
        pytest.param(mail(subject="Mary Norton 360 renewal"), {("subject", "norton")},
                     id="brand-name-of-several-words-is-never-a-surname"),
        pytest.param(mail(text="Dear Norton customer, your plan renewed."), {("body", "norton")},
                     id="word-before-is-no-first-name"),
        pytest.param(mail(sender="Edward Norton <billing@renewals-desk.example>", text="Your Norton plan renewed."),
                     {("body", "norton")}, id="the-brand-named-elsewhere-still-claims"),
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


@pytest.mark.parametrize("raw, expected", [
    pytest.param(mail(subject="[dev] Norton breaks my build", headers={"List-Post": "<mailto:dev@lists.example>"}),
                 {("body", "norton")}, id="discussion-list-subject-is-a-topic"),
    pytest.param(mail(subject="RE: Your declined transaction (Norton)"), {("subject", "norton")},
                 id="reply-prefix-without-thread-headers-is-a-disguise"),
    pytest.param(mail(subject="Re: Norton renewal", headers={"In-Reply-To": "<a@b.example>"}),
                 {("body", "norton")}, id="real-reply-is-a-topic"),
    pytest.param(mail(text="Your plan was renewed.\n\n© 2025 McAfee, LLC. All rights reserved."),
                 {("subject", "mcafee")}, id="copyright-line-signs-as-the-brand"),
    pytest.param(mail(text="Please act now.\n\nPayPal Support Team"), {("subject", "paypal")},
                 id="role-signature"),
    pytest.param(mail(text="The Norton installer hangs on my laptop."), {("body", "norton")},
                 id="mention-is-no-signature"),
])
def test_where_a_claim_counts(run, raw, expected):
    assert summary(run("brand_claim", raw)) == expected


def test_forwarded_sender_name_is_a_claim_inside_the_forward(run):
    raw = mail(sender="Rodrigo <rodrigo@gmail.com>", subject="Fw: Save up to 67%",
               text="De: McAfee Department <x7q@promo-deals.example>\nEnviado: domingo\nAssunto: Save up to 67%\n\n"
                    "Protect your computer from viruses!")
    findings = run("brand_claim", raw)
    assert summary(findings) == {("subject", "mcafee")} and "in forwarded" in findings[0].evidence


@pytest.mark.parametrize("raw, expected", [
    pytest.param(mail(sender="Norton (via Shop Mail) <notify@shopmail.example>", reply_to="care@norton.com",
                      text="Your order shipped. Details: https://my.norton.com/orders"),
                 {("relayed", "norton")}, id="platform-relaying-the-brands-notice"),
    pytest.param(mail(sender="Norton (via Shop Mail) <notify@shopmail.example>",
                      text="Details: https://my.norton.com/orders and https://renew-norton.example/pay"),
                 {("foreign_domain", "norton")}, id="one-link-elsewhere"),
    pytest.param(mail(sender="Norton <notify@shopmail.example>", text="See the attached invoice.",
                      attachments=[(b"%PDF-1.4", "application", "pdf", "invoice.pdf")]),
                 {("foreign_domain", "norton")}, id="no-links-but-an-attachment"),
])
def test_sender_not_brand_relayed(run, raw, expected):
    assert summary(run("sender_not_brand", raw)) == expected
