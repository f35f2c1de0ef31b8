"""The seed's own scenario through the real Postfix: a verdict for every message, never a 451 from a check."""
from __future__ import annotations

from email.message import EmailMessage

import pytest

from fixtures.mail import marker, send
from fixtures.support import poll

pytestmark = pytest.mark.e2e


def _message(m: str, sender: str, subject: str, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "user@example.net"
    msg["Subject"] = f"{m} {subject}"
    msg["Message-ID"] = f"<{m}@mail.gmail.example>"
    msg.set_content(body)
    return bytes(msg).replace(b"\n", b"\r\n")


def test_friends_note_naming_mcafee_with_an_order_and_a_phone_is_delivered(postfix, brandguard_unix):
    """Once answered 451 (a check mixed a match with a tuple of phones): the note must simply arrive."""
    m = marker()
    raw = _message(m, "Pat Doe <pat.doe@gmail.com>", "that order",
                   "Hi Sam,\n\nthe McAfee renewal order went through for your dad's laptop.\n"
                   "Call me tonight at 415 555 0100 if anything looks odd.\n\nPat\n")
    send(postfix.ports["main"], raw, sender="pat.doe@gmail.com")
    got = postfix.sink.wait_for(m)
    assert got["X-Brandguard-Verdict"] in ("accept", "tag")
    assert got["X-Brandguard-Degraded"] is None


def test_mcafee_callback_lure_of_that_shape_gets_a_verdict_and_is_held(postfix, brandguard_unix):
    m = marker()
    raw = _message(m, "McAfee Billing <mcafee.billing.center@gmail.com>", "Your McAfee order is renewed",
                   "Dear customer,\n\nyour McAfee Total Protection order has been renewed today.\n"
                   "If you did not authorise this renewal, call our billing desk at +1 (844) 555-0199 "
                   "within 24 hours to cancel and get a refund.\n\nMcAfee Billing Team\n")
    send(postfix.ports["main"], raw, sender="mcafee.billing.center@gmail.com")
    held = poll(lambda: [q for q in postfix.held() if m in _subject(postfix, q["queue_id"])], 20,
                "the McAfee lure in the hold queue")
    headers = postfix.cmd("postcat", "-c", str(postfix.conf), "-hq", held[0]["queue_id"]).stdout
    assert "X-Brandguard-Verdict: quarantine" in headers and "X-Brandguard-Degraded" not in headers
    postfix.cmd("postsuper", "-c", str(postfix.conf), "-d", held[0]["queue_id"])


def _subject(postfix, queue_id: str) -> str:
    out = postfix.cmd("postcat", "-c", str(postfix.conf), "-hq", queue_id).stdout
    return next((line for line in out.splitlines() if line.startswith("Subject:")), "")
