"""scam_warning: mail about a scam from the recipients' own organisation or a list, asking nothing itself."""
from __future__ import annotations

from email.message import EmailMessage

import pytest

from brandguard.model import AuthResults, DmarcResult
from brandguard.policy.vocabulary import default_vocabulary
from unit.checks.factory import authenticated, summary

ORG = "Northfield IT Security <security@it.northfield.example>"
STAFF = "all-staff@lists.northfield.example"
LURE = ("Several staff received fake invoices that claim to come from Norton. They say a subscription was renewed for "
        "$399.99 and ask you to call +1 (808) 555-0143 to cancel. This is a scam: do not call the number.")
ADVICE = "If you receive one, report it to phishing@northfield.example and delete it."
BULLETIN = f"Dear colleagues,\n\n{LURE}\n\n{ADVICE}\n\nIT Security Office"


def bulletin(text: str = BULLETIN, *, sender: str = ORG, to: str = STAFF, subject: str = "Scam alert: fake Norton "
             "invoices", return_path: str | None = "<bounces@it.northfield.example>",
             headers: dict[str, str] | None = None, attach: EmailMessage | None = None, html: bool = False) -> bytes:
    msg = EmailMessage()
    if return_path:
        msg["Return-Path"] = return_path
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content(text, subtype="html" if html else "plain")
    if attach is not None:
        msg.add_attachment(attach)
    return bytes(msg)


def reported_lure(html: str | None = None) -> EmailMessage:
    lure = EmailMessage()
    lure["From"] = "Geek Squad <billing@gs-renewals.example>"
    lure["To"] = "pat@northfield.example"
    lure["Subject"] = "Your Geek Squad plan renewed"
    lure.set_content("Your Geek Squad plan was renewed for $299.99. To cancel, call +1 808 555 0177 within 24 hours.")
    if html is not None:
        lure.add_alternative(html, subtype="html")
    return lure


FORWARD = ("Phishing report, do not call the number in it; blocked at the gateway.\n\n---------- Forwarded message "
           "---------\nFrom: Geek Squad <billing@gs-renewals.example>\nSubject: Your plan renewed\n\nYour Geek Squad "
           "plan was renewed for $299.99. To cancel, call +1 808 555 0177 within 24 hours.")
LIST = {"List-Id": "Security awareness <awareness.lists.northfield.example>"}
DMARC_FAIL = AuthResults(dmarc=DmarcResult(result="fail", from_domain="it.northfield.example"), checked=True)
OWN = {("own_organisation_bulletin", None)}


@pytest.mark.parametrize(
    "raw, auth, expected",
    [
        pytest.param(bulletin(), None, OWN, id="bulletin-offline-envelope-agrees"),
        pytest.param(bulletin(), authenticated("it.northfield.example"), OWN, id="bulletin-dmarc-pass"),
        pytest.param(bulletin(BULLETIN + "\n\nService desk: +1 (512) 555-0100, servicedesk@northfield.example"),
                     None, OWN, id="own-helpdesk-number-beside-its-domain"),
        pytest.param(bulletin(f"Colleagues,\n\nA message going round reads: \"Your Norton plan renewed for $399.99, "
                              f"call +1 808 555 0143 to cancel.\"\n\n{LURE}"), None, OWN, id="lure-quoted-in-marks"),
        pytest.param(bulletin("Kolleginnen und Kollegen,\n\nDerzeit kursieren gefälschte Rechnungen von Norton über "
                              "399,99 €. Rufen Sie die Nummer +49 30 12345678 nicht an. Falls Sie eine solche E-Mail "
                              "erhalten, löschen Sie sie."), None, OWN, id="de-bulletin"),
        pytest.param(bulletin("Estimados compañeros:\n\nCirculan facturas falsas de Norton por 399,99 €. No llame al "
                              "+34 912 345 678: es una estafa."), None, OWN, id="es-bulletin"),
        pytest.param(bulletin("Chers collègues,\n\nDe fausses factures Norton de 349,99 € circulent. N'appelez pas le "
                              "+33 1 23 45 67 89 : c'est une arnaque."), None, OWN, id="fr-bulletin"),
        pytest.param(bulletin("教職員各位\n\nノートンを装った偽の請求メールが届いています。記載の 03-1234-5678 には"
                              "電話しないでください。詐欺です。"), None, OWN, id="ja-bulletin"),
        pytest.param(bulletin(FORWARD, subject="Fwd: Your plan renewed"), None, {("abuse_forward", None)},
                     id="abuse-desk-forward-inline"),
        pytest.param(bulletin("Reported phishing, attached: do not call the number in it.", attach=reported_lure()),
                     None, {("abuse_forward", None)}, id="abuse-desk-forward-attached"),
        pytest.param(bulletin(to="pat@example.net", headers=LIST), None, {("list_bulletin", None)},
                     id="list-run-by-the-sender"),
        pytest.param(bulletin(to="pat@example.net", headers=LIST), authenticated("it.northfield.example"),
                     {("list_bulletin", None)}, id="list-authenticated"),
        pytest.param(bulletin(to="pat@example.net", headers={**LIST, "Reply-To": "awareness@lists.northfield.example"}),
                     None, {("list_bulletin", None)}, id="list-with-reply-to-the-list"),
        pytest.param(bulletin(to="pat@example.net", headers={"List-Unsubscribe": "<https://it.northfield.example/u?x=1>"}),
                     None, {("list_bulletin", None)}, id="newsletter-with-only-list-unsubscribe"),
        pytest.param(bulletin(to="pat@example.net", headers={"List-Unsubscribe": "<mailto:leave@northfield.example>"}),
                     None, {("list_bulletin", None)}, id="newsletter-with-mailto-unsubscribe"),
        pytest.param(bulletin("Reported phishing, attached: do not call the number in it.",
                              attach=reported_lure(html='<a href="https://norton-renewals.example/pay">Pay</a>')),
                     None, {("abuse_forward", None)}, id="links-of-the-attached-lure-are-the-specimens"),
    ],
)
def test_warnings_from_the_organisation_or_its_list(run, raw, auth, expected):
    assert summary(run("scam_warning", raw, auth)) == expected


@pytest.mark.parametrize(
    "raw, auth",
    [
        pytest.param(bulletin(sender="IT Security <it.security@gmail.com>", to="pat@gmail.com",
                              return_path="<it.security@gmail.com>"), None, id="free-mail-to-free-mail"),
        pytest.param(bulletin(to="pat@example.net"), None, id="recipient-of-another-organisation"),
        pytest.param(bulletin(to="pat@example.net", headers={"List-Unsubscribe": "<https://esp-tracker.example/u?x=1>"}),
                     None, id="unsubscribe-at-another-organisation"),
        pytest.param(bulletin(to=f"{STAFF}, partner@example.net"), None, id="one-recipient-outside"),
        pytest.param(bulletin(return_path="<x@mailer.example>"), None, id="offline-envelope-elsewhere"),
        pytest.param(bulletin(return_path=None), DMARC_FAIL, id="dmarc-fail"),
        pytest.param(bulletin("Staff have had Norton invoices for $399.99 that ask them to phone +1 808 555 0143. "
                              "Beware.", subject="Norton invoices"), None, id="one-warning-is-not-enough"),
        pytest.param(bulletin(f"{BULLETIN}\n\nYour Norton renewal of $399.99 went through. To cancel it, call our "
                              f"billing line at +1 808 555 0199."), None, id="compromised-account-asks-to-call"),
        pytest.param(bulletin(f"{BULLETIN}\n\nOur technician will connect to your computer to check it."), None,
                     id="asks-for-remote-access"),
        pytest.param(bulletin(f"{BULLETIN}\n\nPlease verify your account at the portal today."), None,
                     id="asks-to-verify-the-account"),
        pytest.param(bulletin(f"{BULLETIN}\n\nGet the tool: https://bit.ly/fix-now"), None, id="shortened-link"),
        pytest.param(bulletin(f"{BULLETIN}\n\nThe fix: http://203.0.113.9/fix"), None, id="link-to-an-ip-address"),
        pytest.param(bulletin(f"{BULLETIN}\n\nNorthfield licensing desk: your renewal of $299.99 is due; to cancel, "
                              f"call +1 808 555 0199."), None, id="organisation-named-beside-a-lure-number"),
        pytest.param(bulletin(BULLETIN + "\n\nQuestions? Call the service desk on +1 (512) 555-0100."), None,
                     id="a-number-to-call-without-the-organisation-beside-it"),
        pytest.param(bulletin(sender="Norton Security <security@it.northfield.example>"), None,
                     id="brand-in-the-display-name"),
        pytest.param(bulletin(headers={"Reply-To": "helpdesk@gmail.com"}), None, id="reply-to-free-mail"),
        pytest.param(bulletin(sender="Alerts <alerts@norton-alerts.example>", to="pat@example.net",
                              return_path="<b@norton-alerts.example>",
                              headers={"List-Id": "<news.norton-alerts.example>"}), None, id="look-alike-list"),
        pytest.param(bulletin(to="pat@example.net", headers={"List-Id": "<awareness.lists.other.example>"}), None,
                     id="list-of-another-organisation"),
        pytest.param(bulletin("Hi team,\n\nThe Norton renewal for the lab licences is done ($399.99). Call me on "
                              "+1 808 555 0143 if anything is unclear."), None, id="no-warning-at-all"),
    ],
)
def test_no_finding(run, raw, auth):
    assert run("scam_warning", raw, auth) == []


def test_evidence_names_the_sender_and_the_warnings(run):
    (finding,) = run("scam_warning", bulletin())
    assert "northfield.example" in finding.evidence and '"do not call"' in finding.evidence


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Do not call the number in the email.", id="en"),
        pytest.param("Rufen Sie diese Nummer bitte nicht an.", id="de"),
        pytest.param("No llame al número que aparece.", id="es"),
        pytest.param("N'appelez pas ce numéro.", id="fr"),
        pytest.param("Non chiamate il numero indicato.", id="it"),
        pytest.param("記載の番号には電話しないでください。", id="ja"),
        pytest.param("Bel dit nummer niet.", id="nl"),
        pytest.param("Não ligue para o número.", id="pt"),
    ],
)
def test_every_language_says_do_not_call(text):
    assert default_vocabulary().warning.search(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Call our fraud team at +1 808 555 0143 to cancel.", id="fraud-team"),
        pytest.param("For your security, verify your account now.", id="for-your-security"),
        pytest.param("Contact our security department today.", id="security-department"),
    ],
)
def test_lure_wording_is_no_warning(text):
    assert default_vocabulary().warning.search(text) is None


@pytest.mark.parametrize(
    "link, expected",
    [
        pytest.param('<a href="https://norton-refunds.example/claim">Claim your refund</a>', set(),
                     id="a-look-alike-link-to-click"),
        pytest.param("the senders use norton-refunds.example", OWN, id="a-look-alike-domain-named"),
        pytest.param('<a href="https://northfield.example/it/phishing">How to spot phishing</a>', OWN,
                     id="a-link-to-the-organisation"),
    ],
)
def test_links_in_an_html_bulletin(run, link, expected):
    raw = bulletin(f"<p>{LURE}</p><p>{ADVICE}</p><p>{link}</p>", html=True)
    assert summary(run("scam_warning", raw)) == expected


def test_a_sasl_authenticated_sender_of_the_organisation(catalogue):
    from brandguard.checks import registry
    from brandguard.checks.base import CheckInput
    from brandguard.content import extract
    from brandguard.content.config import ContentSettings
    from brandguard.mailfile import context_from_bytes
    from brandguard.model import Envelope

    check = registry.get("scam_warning")
    env = Envelope(mail_from="security@it.northfield.example", rcpts=(STAFF,), auth_authen="security")
    ctx = context_from_bytes(bulletin(), env)
    content = extract(ctx, ContentSettings(ocr={"enabled": False}))
    online = AuthResults(checked=True)  # DMARC none: the SASL login is the proof
    found = check.evaluate(CheckInput.build(ctx, online, content, catalogue), check.Params())
    assert summary(found) == OWN and "SASL" in found[0].evidence
