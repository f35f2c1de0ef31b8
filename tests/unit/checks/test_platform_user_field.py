"""platform_user_field: genuine platform mail judged on what its user wrote (seller note, business name, title)."""
from __future__ import annotations

import pytest

from brandguard.policy.platforms import load_platforms
from unit.checks.factory import authenticated, mail, make_catalogue, run_check, summary

PLATFORMS = """\
version: 1
platforms:
  - id: payments
    name: Payments invoices
    brands: [paypal]
    domains: [paypal.com]
    fields:
      - {name: seller_name, source: subject, kind: identity, capture: '^(?P<field>.+?) sent you an invoice'}
      - {name: seller_note, source: body, after: 'note from seller:', until: 'view and pay invoice'}
  - id: calendar
    name: Calendar invitations
    domains: [calendar.example]
    fields:
      - {name: organizer, source: display_name, kind: identity}
      - {name: event_title, source: subject}
      - {name: event, source: ics}
"""
FOOTER = "PayPal never asks you to call a number in an invoice. PayPal customer service: 1-888-221-1161."
RENEWAL = ("Your Norton 360 subscription has been renewed for $499.99. If you did not authorize this charge, call our "
           "billing desk at +1 (808) 555-0162 within 24 hours to cancel.")


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    folder = tmp_path_factory.mktemp("platforms")
    cat = make_catalogue(folder)
    (folder / "platforms.yaml").write_text(PLATFORMS)
    return cat.with_platforms(load_platforms([folder / "platforms.yaml"], [], cat.brands))


def invoice(seller: str, note: str, sender: str = "service@paypal.com", **kw) -> bytes:
    text = (f"Hello, Pat\n\n{seller} sent you an invoice for $499.99\n\nNote from seller: {note}\n\n"
            f"View and Pay Invoice\n\n{FOOTER}")
    return mail(sender=f"PayPal <{sender}>", subject=f"{seller} sent you an invoice for $499.99", text=text, **kw)


def invite(title: str, description: str, organizer: str = "Front Desk") -> bytes:
    ics = ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:" + title.replace(",", "\\,") + "\r\nDESCRIPTION:"
           + description.replace(",", "\\,") + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    return mail(sender=f"{organizer} <calendar-notification@calendar.example>", subject=f"Invitation: {title}",
                text="You have been invited to the following event.",
                attachments=[(ics, "text", "calendar", "invite.ics")])


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(invoice("NL Billing", RENEWAL), {("brand_and_phone", "norton")}, id="norton-renewal-callback"),
        pytest.param(invoice("Joe's Plumbing", "Replaced the valve. Any questions, call me on (512) 555-0147."),
                     {("phone_in_user_field", None)}, id="plumber-with-his-own-number"),
        pytest.param(invoice("Billing Dept", "Your subscription has been renewed for $299.99. If you did not authorize "
                             "it, call +1 808 555 0143 to cancel."), {("phone_and_lure", None)},
                     id="unbranded-callback-story"),
        pytest.param(invoice("PC Fix", "We installed Norton on your new laptop. Call me on (512) 555-0147."),
                     {("phone_in_user_field", None)}, id="brand-mentioned-without-a-story"),
        pytest.param(invoice("Geek Squad Billing", "Your plan auto-renews today. To cancel, call +1 808 555 0143."),
                     {("brand_and_phone", "geeksquad")}, id="brand-as-business-name-with-story"),
        pytest.param(invoice("Apple Valley Plumbing", "Thanks! Call me on (512) 555-0147."),
                     {("phone_in_user_field", None)}, id="brand-word-in-a-business-name-without-story"),
        pytest.param(invoice("McAfee Help +1 808 555 0143", "Thank you for your business."),
                     {("brand_and_phone", "mcafee")}, id="number-inside-the-business-name"),
        pytest.param(invoice("Joe's Plumbing", "Disputes: call PayPal at 1-888-221-1161."), set(),
                     id="the-platforms-own-number"),
        pytest.param(invoice("NL Billing", "Your Norton plan has been renewed for $99.99; to cancel call Norton at "
                             "1-800-543-3562."), {("brand_and_lure", "norton")}, id="another-brands-official-number"),
        pytest.param(invoice("Joe's Plumbing", "Receipt copy from billing@norton.com. Call me on (512) 555-0147."),
                     {("phone_in_user_field", None)}, id="brand-inside-an-address"),
        pytest.param(invoice("NL Billing", RENEWAL, sender="alice@example.org"), set(), id="not-a-platform"),
        pytest.param(invoice("NL Billing", RENEWAL, sender="alice@example.org", return_path="<bounce@paypal.com>"),
                     {("brand_and_phone", "norton")}, id="return-path-of-the-platform"),
        pytest.param(invoice("NL Billing", RENEWAL, sender="alice@example.org",
                             headers={"DKIM-Signature": "v=1; a=rsa-sha256; d=paypal.com; s=s1; bh=x; b=y"}),
                     {("brand_and_phone", "norton")}, id="dkim-signature-of-the-platform"),
        pytest.param(invite("McAfee refund of $120 approved, call +1-833-555-0199 to cancel", "Ref 7731"),
                     {("brand_and_phone", "mcafee")}, id="calendar-title-callback"),
        pytest.param(invite("Cleaning - Bright Smile Dental", "To cancel or reschedule, call (512) 555-0100."),
                     {("phone_in_user_field", None)}, id="dentist-invite"),
        pytest.param(invite("Weekly sync", "Join by phone +1 808 555 0143 PIN: 4411"), set(), id="meeting-dial-in"),
    ],
)
def test_platform_user_field(catalogue, raw, expected):
    assert summary(run_check(catalogue, "platform_user_field", raw)) == expected


def test_authenticated_platform_mail_is_not_silenced(catalogue):
    findings = run_check(catalogue, "platform_user_field", invoice("NL Billing", RENEWAL), authenticated("paypal.com"))
    assert summary(findings) == {("brand_and_phone", "norton")}
    # the lure checks that a brand's own authenticated mail silences say nothing here: this check must
    assert run_check(catalogue, "callback_lure", invoice("NL Billing", RENEWAL), authenticated("paypal.com")) == []


def test_evidence_names_platform_field_brand_and_number(catalogue):
    (f,) = run_check(catalogue, "platform_user_field", invoice("NL Billing", RENEWAL))
    assert f.where == "body"
    for part in ("Payments invoices", "seller_note", "Norton", "+18085550162"):
        assert part in f.evidence


def test_catalogue_without_platforms_finds_nothing(tmp_path):
    assert run_check(make_catalogue(tmp_path), "platform_user_field", invoice("NL Billing", RENEWAL)) == []
