"""Genuine PayPal invoices through the real Postfix: a callback seller note is held, a plumber's invoice passes."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from fixtures.dns import DkimKey, mail_domain
from fixtures.mail import marker, send
from fixtures.policies import make_policy_dir
from fixtures.support import poll

pytestmark = pytest.mark.e2e
# Both invoices are DKIM-signed by paypal.com and pass SPF and DMARC. `brandguard run` authenticates with DNS itself
# (upstream Authentication-Results are trusted only by `scan` and `eval`), so these tests serve paypal.com's SPF,
# DMARC and DKIM key from their own unbound and start brandguard on the Postfix listener wired to
# `postfix.down_sock` (nothing else listens there between tests).

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SENDER = "bounce@paypal.com"


@pytest.fixture(scope="module")
def paypal_key() -> DkimKey:
    return DkimKey.generate("paypal.com", "pp1")


@pytest.fixture
def paypal_milter(postfix, unbound, brandguard_factory, paypal_key, tmp_path):
    """brandguard with the shipped policies, resolving paypal.com from a DNS server that publishes its records."""
    zones = mail_domain("paypal.com", spf="v=spf1 ip4:127.0.0.0/8 -all", dmarc="v=DMARC1; p=reject",
                        dkim_keys=[paypal_key])
    server = unbound(zones)
    policy = make_policy_dir(tmp_path / "policies", markers=False)
    bg = brandguard_factory(f"unix:{postfix.down_sock}", policy, {"auth": server.auth_settings}, name="bg-platform")
    yield bg.start()
    Path(postfix.down_sock).unlink(missing_ok=True)  # as root libmilter leaves it; the outage test wants none


def invoice(name: str, m: str, key: DkimKey) -> bytes:
    """A golden PayPal invoice as PayPal would send it: no receiver's headers, the marker in its Subject, signed."""
    raw = (GOLDEN / f"{name}.eml").read_bytes()
    head, body = raw.split(b"\n\n", 1)
    # drop the golden harness's trusted Authentication-Results (and its folded lines) and the Return-Path
    head = re.sub(rb"^(?:Authentication-Results|Return-Path):.*\n(?:[ \t].*\n)*", b"", head + b"\n", flags=re.M)
    head = re.sub(rb"^Subject: ", f"Subject: {m} ".encode(), head, count=1, flags=re.M)
    return key.sign((head + b"\n" + body).replace(b"\n", b"\r\n"))


def headers_of(postfix, queue_id: str) -> str:
    return postfix.cmd("postcat", "-c", str(postfix.conf), "-hq", queue_id).stdout


def test_paypal_invoice_with_a_callback_note_is_held(postfix, paypal_milter, paypal_key):
    m = marker()
    send(postfix.ports["down"], invoice("platform-paypal-invoice-norton-callback", m, paypal_key), sender=SENDER)
    held = poll(lambda: [q for q in postfix.held() if m in headers_of(postfix, q["queue_id"])], 20,
                "the PayPal invoice lure in the hold queue")
    assert len(held) == 1 and not postfix.sink.find(m)
    headers = headers_of(postfix, held[0]["queue_id"])
    try:
        assert "X-Brandguard-Verdict: quarantine" in headers and "X-Brandguard-Brands: norton" in headers
        assert "platform_user_field" in headers
        # genuine platform mail: every check of the sender passes, the user-written part is what gives it away
        assert re.search(r"dkim=pass[^;]*header\.d=paypal\.com", headers), headers
        assert "dmarc=pass" in headers and "spf=pass" in headers
    finally:
        postfix.cmd("postsuper", "-c", str(postfix.conf), "-d", held[0]["queue_id"])


def test_plumbers_paypal_invoice_is_delivered_untouched(postfix, paypal_milter, paypal_key):
    m = marker()
    raw = invoice("platform-paypal-invoice-plumber", m, paypal_key)
    send(postfix.ports["down"], raw, sender=SENDER)
    got = postfix.sink.wait_for(m)
    assert got["X-Brandguard-Verdict"] == "accept"
    assert "dkim=pass header.d=paypal.com" in " ".join(got["Authentication-Results"].split())
    assert got["Subject"].startswith(m)
    delivered = next(d["data"] for d in postfix.sink.find(m))
    assert delivered.split(b"\r\n\r\n", 1)[1] == raw.split(b"\r\n\r\n", 1)[1]  # the body as PayPal sent it
