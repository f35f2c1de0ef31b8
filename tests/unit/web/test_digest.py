"""`brandguard digest`: one mail per recipient, only their messages, release or request links, no content."""
from __future__ import annotations

import re
import time

import pytest
from prometheus_client import CollectorRegistry

from brandguard.metrics import WebMetrics
from brandguard.web import digest, links
from brandguard.web.config import DigestSettings
from unit.web.fakes import SECRET, FakeQueue

KEY = links.link_key(SECRET)


@pytest.fixture
def held():
    q = FakeQueue()
    q.add("ABCDEF0001", subject="Minutes <script>x</script>\u202e", recipients=("bob@example.net", "Eve@example.net"),
          body="SECRET-BODY-TEXT")
    q.add("ABCDEF0002", subject="Norton renewal", brands=("norton",), score=30.0, recipients=("bob@example.net",))
    q.add("ABCDEF0003", subject="foreign", ours=False, recipients=("bob@example.net",))
    return q


def settings(**kw):
    return DigestSettings(link_base_url="https://mail.example/quarantine/", **kw)


def test_grouped_by_recipient_only_brandguards_holds(held):
    groups = digest.by_recipient(held.held({}) + [held.record("ABCDEF0003")])
    assert {r: [m["queue_id"] for m in ms] for r, ms in groups.items()} == {
        "bob@example.net": ["ABCDEF0001", "ABCDEF0002"], "eve@example.net": ["ABCDEF0001"]}


def test_digest_links_are_the_recipients_and_nothing_else(held):
    groups = digest.by_recipient(held.held({}))
    msg = digest.compose(settings(), KEY, "eve@example.net", groups["eve@example.net"])
    text = msg.get_content()
    assert msg["To"] == "eve@example.net" and msg["Auto-Submitted"] == "auto-generated"
    urls = re.findall(r"https?://\S+", text)
    assert len(urls) == 1 and urls[0].startswith("https://mail.example/quarantine/u/")
    link = links.verify(KEY, urls[0].rsplit("/", 1)[1])
    assert (link.queue_id, link.recipient, link.action) == ("ABCDEF0001", "eve@example.net", "request")
    assert "SECRET-BODY-TEXT" not in text and "/m/" not in text
    assert "\u202e" not in text and "\\u202e" in text
    assert msg.get_content_type() == "text/plain"


def test_release_mode_per_brand_and_score(held):
    s = settings(default_mode="release", modes=[{"brands": ["norton"], "min_score": 20, "mode": "request"}])
    groups = digest.by_recipient(held.held({}))
    text = digest.compose(s, KEY, "bob@example.net", groups["bob@example.net"]).get_content()
    modes = [links.verify(KEY, u.rsplit("/", 1)[1]) for u in re.findall(r"https://\S+", text)]
    assert [(m.queue_id, m.action) for m in modes] == [("ABCDEF0001", "release"), ("ABCDEF0002", "request")]
    assert "Release it:" in text and "Ask the administrator to release it:" in text


def test_links_expire_after_the_lifetime(held):
    now = time.time()
    text = digest.compose(settings(link_lifetime_hours=2), KEY, "eve@example.net",
                          digest.by_recipient(held.held({}))["eve@example.net"], now=now).get_content()
    tok = re.search(r"/u/(\S+)", text).group(1)
    assert links.verify(KEY, tok, now=now + 7100)
    with pytest.raises(links.LinkError, match="expired"):
        links.verify(KEY, tok, now=now + 7300)


def test_send_counts_failures(held):
    metrics = WebMetrics(CollectorRegistry())
    sent, failed = digest.send_digests(settings(smtp_host="127.0.0.1", smtp_port=9), held, KEY, metrics)
    assert (sent, failed) == (0, 2)
    assert metrics.registry.get_sample_value("brandguard_digest_sends_total", {"result": "failed"}) == 2
