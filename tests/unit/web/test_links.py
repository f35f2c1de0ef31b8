"""Digest links: signed over action, queue id, recipient and expiry; only the recipient's own held message."""
from __future__ import annotations

import re
import time

import pytest

from brandguard.web import links
from unit.web.fakes import SECRET

KEY = links.link_key(SECRET)


def token(qid="ABCDEF0001", rcpt="bob@example.net", action="release", expires=None):
    return links.sign(KEY, links.Link(action, qid, rcpt, int(time.time() + 3600 if expires is None else expires)))


def test_round_trip():
    link = links.verify(KEY, token(rcpt="Bob@Example.NET"))
    assert (link.action, link.queue_id, link.recipient) == ("release", "ABCDEF0001", "bob@example.net")


@pytest.mark.parametrize("change", [
    pytest.param(lambda t: t[:-2] + ("A" if t[-2] != "A" else "B") + t[-1], id="signature-edited"),
    pytest.param(lambda t: links._b64(links._unb64(t.split(".")[0]).replace(b"ABCDEF0001", b"ABCDEF0002"))
                 + "." + t.split(".")[1], id="queue-id-swapped"),
    pytest.param(lambda t: links._b64(links._unb64(t.split(".")[0]).replace(b"request", b"release"))
                 + "." + t.split(".")[1], id="request-made-release"),
    pytest.param(lambda t: t.split(".")[0], id="signature-dropped"),
    pytest.param(lambda t: "%%%." + t.split(".")[1], id="garbage"),
])
def test_altered_links_fail(change):
    with pytest.raises(links.LinkError):
        links.verify(KEY, change(token(action="request")))


def test_other_key_fails():
    with pytest.raises(links.LinkError, match="bad signature"):
        links.verify(links.link_key(b"x" * 64), token())


def test_expired_link_fails():
    with pytest.raises(links.LinkError, match="expired"):
        links.verify(KEY, token(expires=time.time() - 1))


def _follow(client, tok):
    page = client.get(f"/u/{tok}")
    if page.status_code != 200:
        return page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post(f"/u/{tok}", data={"csrf": csrf})


def test_recipient_releases_their_own_message(web):
    client, queue, metrics = web()
    queue.add("ABCDEF0001", subject="The minutes")
    page = client.get(f"/u/{token()}")
    assert page.status_code == 200 and "The minutes" in page.text and "Release it to my mailbox" in page.text
    assert "Hello" not in page.text  # the body is not shown to link holders
    r = _follow(client, token())
    assert r.status_code == 200 and "Released" in r.text
    assert queue.calls[-1] == ("release", ["ABCDEF0001"])
    assert metrics.registry.get_sample_value("brandguard_web_actions_total",
                                             {"action": "release", "source": "digest"}) == 1


def test_request_mode_only_asks(web, caplog):
    client, queue, metrics = web()
    queue.add("ABCDEF0001")
    caplog.set_level("INFO", logger="brandguard.audit")
    r = _follow(client, token(action="request"))
    assert r.status_code == 200 and "Requested" in r.text
    assert not [c for c in queue.calls if c[0] == "release"]
    assert any("action=request source=digest actor=bob@example.net target=ABCDEF0001" in rec.getMessage()
               for rec in caplog.records)


@pytest.mark.parametrize("tok, status", [
    pytest.param(lambda: token(expires=time.time() - 5), 403, id="expired"),
    pytest.param(lambda: token()[:-3] + "AAA", 403, id="altered"),
    pytest.param(lambda: token(rcpt="eve@example.net"), 403, id="other-recipients-message"),
    pytest.param(lambda: token(qid="ABCDEF0002"), 410, id="not-held-any-more"),
])
def test_bad_links_are_refused_and_release_nothing(web, tok, status):
    client, queue, _ = web()
    queue.add("ABCDEF0001")
    assert client.get(f"/u/{tok()}").status_code == status
    assert _follow(client, tok()).status_code == status
    assert not [c for c in queue.calls if c[0] == "release"]


def test_post_without_csrf_is_refused(web):
    client, queue, _ = web()
    queue.add("ABCDEF0001")
    client.get(f"/u/{token()}")
    assert client.post(f"/u/{token()}", data={}).status_code == 403
    assert not [c for c in queue.calls if c[0] == "release"]


def test_link_rate_limit(web):
    client, queue, metrics = web(link_attempts=3)
    for _ in range(3):
        assert client.get("/u/guess").status_code == 403
    assert client.get(f"/u/{token()}").status_code == 429
    assert metrics.registry.get_sample_value("brandguard_web_refused_links_total", {"reason": "rate_limited"}) == 1
