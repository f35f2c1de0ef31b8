"""Authentication through the real Postfix and a real DNS server: A-R header, DMARC reject, timeouts."""
from __future__ import annotations

import smtplib

import pytest

from fixtures.mail import SENDER_DOMAIN, SLOW_DOMAIN, STRICT_DOMAIN, make_message, marker, send
from fixtures.postfix import MYHOSTNAME

pytestmark = pytest.mark.e2e


def test_authentication_results_header_is_added_and_right(postfix, brandguard_unix):
    m = marker()
    msg = make_message(f"Aligned {m}", extra_headers={
        "Authentication-Results": f"{MYHOSTNAME}; dmarc=pass header.from=forged.example"})  # forged: our id
    send(postfix.ports["main"], msg, sender=f"alice@{SENDER_DOMAIN}")
    got = postfix.sink.wait_for(m)
    ar = got.get_all("Authentication-Results")
    assert len(ar) == 1, ar  # the forged one claiming our authserv-id is gone
    assert ar[0].startswith(f"{MYHOSTNAME};")
    assert f"spf=pass smtp.mailfrom={SENDER_DOMAIN}" in ar[0]
    assert "dmarc=pass" in ar[0] and f"header.from={SENDER_DOMAIN}" in ar[0]
    assert got["X-Brandguard-Verdict"] == "accept"


def test_dmarc_reject_spoof_is_rejected_at_smtp_time(postfix, brandguard_unix):
    m = marker()
    msg = make_message(f"Invoice {m}", sender=f"billing@{STRICT_DOMAIN}")
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(postfix.ports["main"], msg, sender=f"billing@{STRICT_DOMAIN}")  # 127.0.0.1 is not in its SPF
    assert err.value.smtp_code == 550
    assert b"DMARC reject policy" in err.value.smtp_error
    assert not postfix.sink.find(m)


def test_dkim_aligned_mail_from_strict_domain_passes(postfix, brandguard_unix, dkim_key):
    m = marker()
    raw = make_message(f"Signed {m}", sender=f"billing@{STRICT_DOMAIN}").as_bytes().replace(b"\n", b"\r\n")
    signed = dkim_key.sign(raw)
    send(postfix.ports["main"], signed, sender=f"bounce@{STRICT_DOMAIN}")
    got = postfix.sink.wait_for(m)
    ar = got["Authentication-Results"]
    assert f"dkim=pass header.d={STRICT_DOMAIN}" in ar and "dmarc=pass" in ar
    assert got["X-Brandguard-Verdict"] == "accept"


def test_dns_timeout_gives_temperror_and_the_configured_action(postfix, brandguard_unix):
    m = marker()
    send(postfix.ports["main"], make_message(f"Slow {m}", sender=f"alice@{SLOW_DOMAIN}"),
         sender=f"alice@{SLOW_DOMAIN}")
    got = postfix.sink.wait_for(m, timeout=30)
    ar = got["Authentication-Results"]
    assert "spf=temperror" in ar and "dmarc=temperror" in ar
    assert got["X-Brandguard-Verdict"] == "tag"
    assert "dmarc-temperror" in got["X-Brandguard-Rules"]
