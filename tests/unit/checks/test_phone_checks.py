"""phone_not_official and callback_lure: the number is the scam."""
from __future__ import annotations

import pytest

from unit.checks.factory import mail, summary

RENEWAL = ("Your Norton 360 subscription has been renewed. Amount charged: $399.99.\n"
           "If you did not authorize this charge, call our billing department at {phone} to cancel and get a refund.")


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(mail(subject="Norton renewal", text=RENEWAL.format(phone="+1 (808) 555-0143")),
                     {("not_official", "norton")}, id="scam-number"),
        pytest.param(mail(subject="Norton renewal", text=RENEWAL.format(phone="1-800-543-3562")), set(),
                     id="official-number"),
        pytest.param(mail(subject="Renewal", text="Malwarebytes help line: +1 808 555 0143"),
                     {("no_official_numbers", "malwarebytes")}, id="brand-without-phone-support"),
        pytest.param(mail(text="We use Norton at work.\n" + "x " * 400 + "\nCall our office: +1 808 555 0143"),
                     set(), id="number-far-from-a-body-mention"),
        pytest.param(mail(subject="Norton order", text="Call 1-8O8-555-Ol43 now"), {("not_official", "norton")},
                     id="letters-for-digits"),
    ],
)
def test_phone_not_official(run, raw, expected):
    assert summary(run("phone_not_official", raw)) == expected


SHOP = "OfficeWorld <orders@officeworld-shop.example>"
RECEIPT = ("1 x McAfee Total Protection, 5 devices: $49.99, charged to your Visa.\nYour McAfee code is under Orders. "
           "Questions about your order? Call us at 1-888-555-0170.\n\nOfficeWorld Customer Care")


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(mail(sender=SHOP, subject="Your order 448120", text=RECEIPT), set(), id="shop-own-line"),
        pytest.param(mail(sender=SHOP, subject="Your order 448120",
                          text=RECEIPT.replace("Questions about your order?", "Did not authorize this order?")),
                     {("not_official", "mcafee")}, id="shop-line-with-a-charge-to-undo"),
        pytest.param(mail(sender=SHOP, subject="Your order 448120",
                          text=RECEIPT.replace("Call us at", "Call McAfee activation support at")),
                     {("not_official", "mcafee")}, id="number-presented-as-the-brands"),
        pytest.param(mail(sender="Billing Department <orders@officeworld-shop.example>", subject="Your order 448120",
                          text=RECEIPT), {("not_official", "mcafee")}, id="sender-without-its-own-name"),
    ],
)
def test_a_senders_own_line_is_not_the_brands(run, raw, expected):
    assert summary(run("phone_not_official", raw)) == expected


def test_phone_not_official_without_context_requirement(run):
    raw = mail(text="We use Norton at work.\n" + "x " * 400 + "\nCall our office: +1 808 555 0143")
    assert summary(run("phone_not_official", raw, require_brand_context=False)) == {("not_official", "norton")}


def test_phone_evidence(run):
    (f,) = run("phone_not_official", mail(subject="Norton", text="Call 1-8O8-555-Ol43 now"))
    assert "+18085550143" in f.evidence and "obfuscated" in f.evidence


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(mail(subject="Norton renewal", text=RENEWAL.format(phone="+1 (808) 555-0143")),
                     {("cancel_or_refund", "norton")}, id="renewal-call-to-cancel"),
        pytest.param(mail(subject="Invoice", text="Payment of $499.00 has been processed for your plan. "
                          "For questions contact our support team at +1 808 555 0143."),
                     {("charge_notice", None)}, id="unbranded-charge-notice"),
        pytest.param(mail(text="Lunch on Friday? Call me at +1 808 555 0143."), set(), id="no-money-no-lure"),
        pytest.param(mail(subject="Norton renewal", text=RENEWAL.format(phone="1-800-543-3562")), set(),
                     id="official-number-is-no-lure"),
    ],
)
def test_callback_lure(run, raw, expected):
    assert summary(run("callback_lure", raw)) == expected


def test_callback_lure_in_calendar_invite(run):
    ics = (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Norton LifeLock invoice\r\nDESCRIPTION:Your membership "
           b"will renew. A charge of $510.22 will be processed.\\nNeed to cancel? Call +1 (808) 555-0143.\r\n"
           b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    raw = mail(subject="Invitation", text="You have been invited", attachments=[(ics, "text", "calendar", "invite.ics")])
    assert summary(run("callback_lure", raw)) == {("cancel_or_refund", "norton")}


def test_callback_lure_told_as_a_security_alert(run):
    # the account is the reader's, so even without a catalogued brand the number is the lure
    raw = mail(sender="Wallet Desk <alerts@login-check.example>", subject="New login attempt detected",
               text="A new login attempt was detected on your account. If you do not recognize it, contact our "
                    "Customer Support Line immediately: +1 888 555 0142.")
    assert summary(run("callback_lure", raw)) == {("security_alert", None)}


def test_unbranded_catalogue_order_line_is_no_callback(run):
    raw = mail(sender="Books <orders@books.example>", subject="New edition",
               text="To order your copy call 1-888-555-0142. Order Number: 317X. $44.95. Cancel anytime.")
    assert run("callback_lure", raw) == []
