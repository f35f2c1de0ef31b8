"""The admin pages over a fake queue: list, filters, paging, the message page, hostile mail, the actions."""
from __future__ import annotations

import logging
import time

import pytest

from unit.web.fakes import mail

SCRIPT = "<script>document.title='pwned'</script>"
IMG = "<img src=x onerror=\"document.title='pwned'\">"


def value(metrics, name: str, **labels) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_list_shows_the_quarantine_list_columns(logged_in):
    client, queue, _ = logged_in()
    queue.add("ABCDEF1234", subject="Norton renewal", recipients=("bob@example.net", "eve@example.net"))
    page = client.get("/").text
    for text in ("ABCDEF1234", "Norton renewal", "12.50", "test-quarantine", "norton", "alice@example.org",
                 "bob@example.net", "+1", 'href="/m/ABCDEF1234"'):
        assert text in page


def test_filters_go_to_the_cli_as_its_options(logged_in):
    client, queue, _ = logged_in()
    client.get("/", params={"brand": "norton", "rule": "r1", "recipient": "bob", "sender": "alice",
                            "older_than": "1d", "other": "x"})
    assert queue.calls[-1] == ("held", {"brand": "norton", "rule": "r1", "recipient": "bob", "sender": "alice",
                                        "older_than": "1d"})


def test_paging(logged_in):
    client, queue, _ = logged_in(page_size=5)
    for n in range(12):
        queue.add(f"ABCDEF{n:04d}", subject=f"message number {n:02d}")
    first, last = client.get("/").text, client.get("/?page=3").text
    assert "message number 00" in first and "message number 05" not in first and "page 1 of 3" in first
    assert "message number 11" in last and "message number 09" not in last


def test_message_page_shows_verdict_evidence_headers_and_body(logged_in):
    client, queue, _ = logged_in()
    queue.add("ABCDEF1234", subject="Your Norton subscription renewed",
              body="Norton LifeLock: your subscription was renewed for $399.99. "
                   "To cancel call Norton support at +1 (888) 555-0142 within 24 hours.",
              sender="billing@freemail.example")
    page = client.get("/m/ABCDEF1234").text
    assert "12.50" in page and "quarantine" in page and "test-quarantine" in page
    assert 'id="findings"' in page and "norton" in page.lower()
    assert "X-Brandguard-Verdict" in page
    assert "+1 (888) 555-0142" in page
    assert 'value="freemail.example"' in page  # the allow form offers the sender's domain


def test_unknown_message_is_404(logged_in):
    client, _, _ = logged_in()
    assert client.get("/m/ABCDEF9999").status_code == 404


def test_hostile_mail_is_shown_as_escaped_text(logged_in):
    client, queue, _ = logged_in()
    queue.add("ABCDEF1234", subject=f"Invoice {SCRIPT}{IMG}\u202egnp.exe",
              body=f"plain {SCRIPT}", html=f"<p>Dear user</p>{SCRIPT}{IMG}<a href='https://evil.example/'>x</a>",
              sender="a\u202eb@evil.example")
    for path in ("/", "/m/ABCDEF1234"):
        page = client.get(path).text
        assert "<script>" not in page and "<img" not in page and "onerror=\"" not in page
        assert "\u202e" not in page
        assert "&lt;script&gt;" in page and "\\u202e" in page
    body = client.get("/m/ABCDEF1234").text
    assert "Dear user" in body and "text/html (shown converted to text)" in body


def test_ten_megabyte_body_is_cut_short(logged_in):
    client, queue, _ = logged_in(max_body_chars=50_000)
    queue.add("ABCDEF1234", raw=mail("Big", "A" * 10_000_000))
    started = time.monotonic()
    r = client.get("/m/ABCDEF1234")
    assert r.status_code == 200 and len(r.text) < 200_000
    assert "cut short" in r.text
    assert time.monotonic() - started < 30


def test_bulk_action_asks_for_confirmation_first(logged_in, csrf):
    client, queue, metrics = logged_in()
    queue.add("ABCDEF0001")
    queue.add("ABCDEF0002")
    token = csrf(client, "/")
    r = client.post("/act", data={"csrf": token, "action": "delete", "ids": ["ABCDEF0001", "ABCDEF0002"]})
    assert r.status_code == 200 and "Delete 2 message(s)?" in r.text and "cannot be undone" in r.text
    assert not [c for c in queue.calls if c[0] == "delete"]
    r = client.post("/act", data={"csrf": token, "action": "delete", "ids": ["ABCDEF0001", "ABCDEF0002"],
                                  "confirm": "yes"})
    assert queue.calls[-1] == ("delete", ["ABCDEF0001", "ABCDEF0002"])
    assert value(metrics, "brandguard_web_actions_total", action="delete", source="web") == 2


def test_release_is_audited_and_counted(logged_in, csrf, caplog):
    client, queue, metrics = logged_in()
    queue.add("ABCDEF0001")
    caplog.set_level(logging.INFO, logger="brandguard.audit")
    r = client.post("/act", data={"csrf": csrf(client, "/"), "action": "release", "ids": ["ABCDEF0001", "ABCDEF0404"],
                                  "confirm": "yes"})
    assert "ABCDEF0001</span>: released" in r.text and "no such message" in r.text
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "brandguard.audit"]
    assert "audit action=release source=web actor=admin target=ABCDEF0001 result=ok" in lines
    assert any("target=ABCDEF0404 result=failed" in line for line in lines)
    assert value(metrics, "brandguard_web_actions_total", action="release", source="web") == 1
    assert value(metrics, "brandguard_web_action_failures_total", action="release", source="web") == 1


@pytest.mark.parametrize("verb", [pytest.param("postsuper", id="unknown-verb"), pytest.param("", id="no-verb")])
def test_unknown_actions_are_refused(logged_in, csrf, verb):
    client, queue, _ = logged_in()
    r = client.post("/act", data={"csrf": csrf(client, "/"), "action": verb, "ids": "ABCDEF0001", "confirm": "yes"})
    assert r.status_code == 400 and len(queue.calls) == 1


def test_allow_goes_through_the_allow_command(logged_in, csrf, caplog):
    client, queue, metrics = logged_in()
    queue.add("ABCDEF0001")
    caplog.set_level(logging.INFO, logger="brandguard.audit")
    r = client.post("/m/ABCDEF0001/allow", data={"csrf": csrf(client, "/"), "domain": "Reseller.Example",
                                                 "brand": "norton", "reason": "authorised  reseller"})
    assert r.status_code == 200
    assert queue.calls[-1] == ("allow", "reseller.example", ["norton"],
                               "authorised reseller (via brandguard web, by admin)")
    assert value(metrics, "brandguard_web_actions_total", action="allow", source="web") == 1
    assert any("action=allow" in rec.getMessage() for rec in caplog.records)


@pytest.mark.parametrize("domain", [
    pytest.param("*.example.org", id="wildcard"),
    pytest.param("alice@example.org", id="address"),
    pytest.param("https://example.org/", id="url"),
])
def test_allow_refuses_what_brandguard_allow_refuses(logged_in, csrf, domain):
    client, queue, _ = logged_in()
    r = client.post("/m/ABCDEF0001/allow", data={"csrf": csrf(client, "/"), "domain": domain, "reason": "x"})
    assert r.status_code == 400 and not [c for c in queue.calls if c[0] == "allow"]


@pytest.mark.parametrize("brand", [pytest.param("--pidfile=/run/x.pid", id="option"),
                                   pytest.param("Norton LifeLock", id="not-an-id")])
def test_allow_refuses_brands_that_are_not_ids(logged_in, csrf, brand):
    client, queue, _ = logged_in()
    r = client.post("/m/ABCDEF0001/allow", data={"csrf": csrf(client, "/"), "domain": "x.example", "brand": brand,
                                                 "reason": "r"})
    assert r.status_code == 400 and not [c for c in queue.calls if c[0] == "allow"]


def test_metrics_page(web):
    client, _, _ = web()
    text = client.get("/metrics").text
    assert 'brandguard_web_actions_total{action="release",source="digest"} 0.0' in text
    assert "brandguard_web_failed_logins_total" in text and "brandguard_digest_sends_total" in text


def test_filter_values_are_url_encoded_in_paging_links(logged_in):
    client, queue, _ = logged_in(page_size=5)
    for n in range(6):
        queue.add(f"ABCDEF{n:04d}")
    page = client.get("/", params={"sender": "a&b c"}).text
    assert "sender=a%26b+c&amp;page=2" in page


def test_bad_age_filter_is_a_clear_error(logged_in):
    client, queue, _ = logged_in()
    r = client.get("/", params={"older_than": "yesterday"})
    assert r.status_code == 400 and "expected a number and a unit" in r.text
