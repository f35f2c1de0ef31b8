"""`brandguard quarantine` against the real hold queue of the private Postfix: list, show, release, delete."""
from __future__ import annotations

import json
import os
import smtplib
import subprocess
import sys
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest

from fixtures.support import poll, stop_process, unix_socket_open

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

# A milter that is not brandguard: it holds every message and writes no header (a "foreign" hold).
FOREIGN_MILTER = """
import os, sys, Milter
os.umask(0)  # smtpd runs as user postfix and must be able to connect
class Hold(Milter.Base):
    def eom(self):
        self.quarantine("held by another filter")
        return Milter.ACCEPT
Milter.factory = Hold
Milter.set_flags(Milter.QUARANTINE)
Milter.runmilter("foreign", sys.argv[1], 60)
"""


def bg(postfix, *args: str) -> subprocess.CompletedProcess:
    """The CLI as an operator runs it, against the private instance's configuration directory."""
    return subprocess.run([sys.executable, "-m", "brandguard", "quarantine", *args, "--config-dir", str(postfix.conf)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT / "milter")})


def send(port: int, subject: str, body: str = "Hello Bob,\nthe minutes of Monday's meeting.\n") -> None:
    msg = EmailMessage()
    msg["From"] = "Alice <alice@example.org>"
    msg["To"] = "bob@example.net"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    msg.set_content(body)
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        smtp.sendmail("alice@example.org", ["bob@example.net"], msg.as_bytes())


def listed(postfix, marker: str, *args: str) -> list[dict]:
    proc = bg(postfix, "list", "--json", *args)
    assert proc.returncode == 0, proc.stderr
    return [r for r in map(json.loads, proc.stdout.splitlines()) if marker in r["subject"]]


def hold(postfix, marker: str, *args: str) -> dict:
    """Send a message brandguard quarantines; its `list --json` record once it is on the hold queue."""
    send(postfix.ports["main"], f"BG-QUARANTINE minutes {marker}")
    return poll(lambda: listed(postfix, marker, *args), 20, f"held message {marker}")[0]


@pytest.fixture
def marker() -> str:
    return f"q{uuid.uuid4().hex[:12]}"


@pytest.fixture
def cleanup(postfix):
    """Delete whatever a test left on the hold queue, so later tests see only their own messages."""
    ids: list[str] = []
    yield ids
    held = {q["queue_id"] for q in postfix.held()}
    for qid in set(ids) & held:
        postfix.cmd("postsuper", "-c", str(postfix.conf), "-d", qid, "hold")


def test_list_shows_brandguards_verdict_and_filters(postfix, brandguard_unix, marker, cleanup):
    rec = hold(postfix, marker)
    cleanup.append(rec["queue_id"])
    assert rec["brandguard"] is True and rec["verdict"] == "quarantine"
    assert "test-quarantine" in rec["rules"]
    assert rec["sender"] == "alice@example.org" and rec["recipients"] == ["bob@example.net"]
    assert listed(postfix, marker, "--rule", "test-quarantine", "--recipient", "BOB@example")
    assert not listed(postfix, marker, "--rule", "test-reject")
    assert not listed(postfix, marker, "--brand", "paypal")
    assert not listed(postfix, marker, "--older-than", "1h")
    assert not listed(postfix, marker, "--sender", "someone-else")
    text = bg(postfix, "list")
    assert text.returncode == 0, text.stderr
    row = next(line for line in text.stdout.splitlines() if rec["queue_id"] in line)
    assert "test-quarantine" in row and "alice@example.org -> bob@example.net" in row and marker in row


def test_show_prints_verdict_then_message(postfix, brandguard_unix, marker, cleanup):
    qid = hold(postfix, marker)["queue_id"]
    cleanup.append(qid)
    shown = bg(postfix, "show", qid)
    assert shown.returncode == 0, shown.stderr
    assert f"queue_id:   {qid}" in shown.stdout
    assert "test-quarantine" in next(line for line in shown.stdout.splitlines() if line.startswith("rules:"))
    assert "X-Brandguard-Verdict: quarantine" in shown.stdout
    assert "the minutes of Monday's meeting." in shown.stdout
    raw = bg(postfix, "show", "--raw", qid)
    assert "\nX-Brandguard-Verdict: quarantine\n" in raw.stdout and "*** " not in raw.stdout
    assert "the minutes of Monday's meeting." in raw.stdout
    headers = dict(json.loads(bg(postfix, "show", "--json", qid).stdout)["headers"])
    assert "test-quarantine" in headers["X-Brandguard-Rules"].split(",")


def test_release_delivers_the_message_now(postfix, brandguard_unix, marker, cleanup):
    qid = hold(postfix, marker)["queue_id"]
    cleanup.append(qid)
    proc = bg(postfix, "release", qid)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{qid}: released")
    got = postfix.sink.wait_for(marker)  # well before queue_run_delay: postqueue -i asked for delivery
    assert got["X-Brandguard-Verdict"] == "quarantine"
    assert not listed(postfix, marker)


def test_delete_removes_it_from_every_queue(postfix, brandguard_unix, marker, cleanup):
    qid = hold(postfix, marker)["queue_id"]
    proc = bg(postfix, "delete", qid)
    assert proc.returncode == 0, proc.stderr
    assert qid not in {q["queue_id"] for q in postfix.queue()}
    assert not postfix.sink.find(marker)


@pytest.mark.parametrize("qid, message", [
    pytest.param("ALL", "not a Postfix queue id", id="postsuper-wildcard"),
    pytest.param("-", "not a Postfix queue id", id="stdin-dash"),
    pytest.param("ABCDEF123456", "no such message on the hold queue", id="unknown"),
])
def test_bad_ids_change_nothing(postfix, brandguard_unix, marker, cleanup, qid, message):
    held = hold(postfix, marker)["queue_id"]
    cleanup.append(held)
    for action in ("release", "delete"):
        proc = bg(postfix, action, qid)
        assert proc.returncode == 1 and message in proc.stderr
    assert listed(postfix, marker)


def test_foreign_holds_need_all(postfix, brandguard_unix, marker, cleanup):
    """A hold brandguard did not make is hidden and protected unless --all is given."""
    milter = subprocess.Popen([sys.executable, "-c", FOREIGN_MILTER, f"unix:{postfix.down_sock}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        poll(lambda: unix_socket_open(postfix.down_sock), 20, "the foreign milter")
        send(postfix.ports["down"], f"Foreign hold {marker}")
    finally:
        stop_process(milter)
        Path(postfix.down_sock).unlink(missing_ok=True)  # as root libmilter leaves it; the outage test wants none
    rec = poll(lambda: listed(postfix, marker, "--all"), 20, "the foreign hold")[0]
    cleanup.append(rec["queue_id"])
    assert rec["brandguard"] is False and rec["verdict"] is None
    assert not listed(postfix, marker)
    assert "other hold(s) not made by brandguard" in bg(postfix, "list").stderr
    refused = bg(postfix, "release", rec["queue_id"])
    assert refused.returncode == 1 and "not by brandguard" in refused.stderr
    assert bg(postfix, "release", "--all", rec["queue_id"]).returncode == 0
    got = postfix.sink.wait_for(marker)
    assert got["X-Brandguard-Verdict"] is None
