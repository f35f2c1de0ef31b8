"""Brand impersonation through the real Postfix: freemail callback held, look-alike rejected, genuine passes."""
from __future__ import annotations

import smtplib
from pathlib import Path

import pytest

from fixtures.mail import marker, send
from fixtures.support import poll

pytestmark = pytest.mark.e2e

DATA = Path(__file__).resolve().parents[1] / "data" / "brands"


def load(name: str, m: str) -> bytes:
    raw = (DATA / name).read_bytes().replace(b"\n", b"\r\n")
    return raw.replace(b"\r\nSubject: ", f"\r\nSubject: {m} ".encode(), 1)


def test_fake_trend_micro_renewal_from_gmail_is_quarantined(postfix, brandguard_unix):
    m = marker()
    send(postfix.ports["main"], load("trendmicro-freemail-renewal.eml", m), sender="trendmicro.billing.dept@gmail.com")
    held = poll(lambda: [q for q in postfix.held() if m in _subject_of(postfix, q["queue_id"])], 20,
                "the fake renewal in the hold queue")
    assert len(held) == 1
    assert not postfix.sink.find(m)
    headers = _headers_of(postfix, held[0]["queue_id"])
    assert "X-Brandguard-Verdict: quarantine" in headers and "X-Brandguard-Brands: trendmicro" in headers
    assert "brand-callback" in headers and "phone_not_official" in headers
    postfix.cmd("postsuper", "-c", str(postfix.conf), "-d", held[0]["queue_id"])


def test_lookalike_domain_spoof_is_rejected(postfix, brandguard_unix):
    m = marker()
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(postfix.ports["main"], load("trendmicro-lookalike-renewal.eml", m), sender="support@trendrnicro.com")
    assert err.value.smtp_code == 550
    assert b"impersonates trendmicro" in err.value.smtp_error


def test_genuine_vendor_mail_passes_untouched(postfix, brandguard_unix, vendor_key):
    m = marker()
    raw = vendor_key.sign(load("trendmicro-genuine-receipt.eml", m))
    send(postfix.ports["main"], raw, sender="bounces@trendmicro.com")
    got = postfix.sink.wait_for(m)
    assert got["X-Brandguard-Verdict"] == "accept"
    assert got["X-Brandguard-Rules"] == "none"
    assert "dkim=pass header.d=trendmicro.com" in got["Authentication-Results"]
    assert got["Subject"] == f"{m} Your Trend Micro Maximum Security renewal receipt"
    body = got.get_payload(decode=True).replace(b"\r\n", b"\n")
    assert body == (DATA / "trendmicro-genuine-receipt.eml").read_bytes().split(b"\n\n", 1)[1]


def _headers_of(postfix, queue_id: str) -> str:
    return postfix.cmd("postcat", "-c", str(postfix.conf), "-hq", queue_id).stdout


def _subject_of(postfix, queue_id: str) -> str:
    return next((line for line in _headers_of(postfix, queue_id).splitlines() if line.startswith("Subject:")), "")
