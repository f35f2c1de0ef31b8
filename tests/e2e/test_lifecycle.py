"""The daemon's life: startup line, systemd notify, reload signals (SIGUSR1) (good and bad policies), SIGTERM with mail in flight.

Daemons that must see mail use the Postfix listener wired to `postfix.down_sock` (nothing else listens there
between tests), so each test can start its own brandguard with its own policy.
"""
from __future__ import annotations

import os
import re
import signal
import smtplib
import socket
import threading
import uuid
from email.message import EmailMessage
from pathlib import Path

import dns.message
import dns.rcode
import pytest

import brandguard
from brandguard.policy.loader import load_policy
from fixtures.policies import make_policy_dir
from fixtures.support import free_port, poll

pytestmark = pytest.mark.e2e

RULE = """\
version: 1
rules:
  - id: {id}
    when: {{header: Subject, contains: "{marker}"}}
    action: tag
"""


def message(subject: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Alice <alice@example.org>"
    msg["To"] = "bob@example.net"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    msg.set_content("Hello Bob,\nsee you on Monday.\n")
    return msg.as_bytes()


def deliver(postfix, subject: str):
    """Send through the listener of `down_sock` and return the message as the next hop got it."""
    marker = f"{subject} {uuid.uuid4().hex[:10]}"
    with smtplib.SMTP("127.0.0.1", postfix.ports["down"], timeout=60) as smtp:
        smtp.sendmail("alice@example.org", ["bob@example.net"], message(marker))
    return postfix.sink.wait_for(marker)


@pytest.fixture
def policy(tmp_path) -> Path:
    """Shipped policies plus local.d/50-lifecycle.yaml, a rule tagging subjects with LC-OLD."""
    main = make_policy_dir(tmp_path / "policies", markers=False)
    (main.parent / "local.d" / "50-lifecycle.yaml").write_text(RULE.format(id="lc-old", marker="LC-OLD"))
    return main


@pytest.fixture
def on_down_socket(postfix, brandguard_factory):
    """Start brandguard where the `down` listener looks; leave no socket file behind (the outage test wants none)."""
    def start(policy: Path, extra: dict | None = None):
        return brandguard_factory(f"unix:{postfix.down_sock}", policy, extra, name="bg-life").start()
    yield start
    Path(postfix.down_sock).unlink(missing_ok=True)


def wait_log(bg, pattern: str, what: str) -> re.Match:
    return poll(lambda: re.search(pattern, bg.log(), re.M), 30, what)


def test_startup_line_names_version_policy_brands_socket_and_processes(brandguard_factory, policy):
    sock = f"inet:127.0.0.1:{free_port()}"
    bg = brandguard_factory(sock, policy).start()
    m = wait_log(bg, r"brandguard (\S+) started: policy (\w+) \((.+?)\), (\d+) brands, .*socket (\S+?), "
                     r".*, (\d+) analysis processes", "the startup line")
    loaded = load_policy(policy)
    assert m.groups() == (brandguard.__version__, loaded.hash, str(policy), str(len(loaded.brand_ids)), sock,
                          str(len(os.sched_getaffinity(0))))  # analysis_processes: auto, the default


def test_sighup_reload_applies_a_new_rule_to_the_next_message(postfix, on_down_socket, policy):
    # so only a reload signal can make the change visible; two analysis processes, which take messages in turn
    bg = on_down_socket(policy, {"watch_policy": False, "analysis_processes": 2})
    for _ in range(2):
        assert deliver(postfix, "LC-NEW before")["X-Brandguard-Verdict"] == "accept"
    (policy.parent / "local.d" / "50-lifecycle.yaml").write_text(RULE.format(id="lc-new", marker="LC-NEW"))
    bg.hup()
    wait_log(bg, r"policy reloaded: \w+ -> \w+", "the reload")
    for _ in range(2):  # each analysis process follows the new policy
        got = deliver(postfix, "LC-NEW after")
        assert got["X-Brandguard-Verdict"] == "tag" and "lc-new" in got["X-Brandguard-Rules"]


@pytest.mark.parametrize("broken, where", [
    pytest.param("version: 1\nrules:\n  - id: lc-bad\n    when: {header: Subject, contains: X}\n    action: explode\n",
                 r":5: rules\[0\]\.action", id="schema-error"),
    pytest.param("version: 1\nrules:\n  - id: lc-bad\n    when: {header: Subject\n", r":5: YAML syntax error", id="yaml-syntax"),
    pytest.param("version: 1\nrules:\n  - id: lc-bad\n    when: {check: no_such_check}\n    action: tag\n",
                 r":4: rules\[0\] \(lc-bad\): unknown check", id="unknown-check"),
])
def test_invalid_policy_is_logged_with_file_line_and_the_last_good_one_kept(postfix, on_down_socket, policy, broken,
                                                                             where):
    bg = on_down_socket(policy, {"watch_policy": False})
    good = load_policy(policy).hash
    bad = policy.parent / "local.d" / "60-broken.yaml"
    bad.write_text(broken)
    bg.hup()
    line = wait_log(bg, r"^.*policy reload failed.*$", "the reload error").group(0)
    assert f"keeping policy {good}" in line
    assert re.search(re.escape(str(bad)) + where, line), line
    assert deliver(postfix, "LC-OLD still")["X-Brandguard-Verdict"] == "tag"  # the old rule still applies


def test_systemd_notify_ready_reloading_stopping(brandguard_factory, policy, tmp_path, monkeypatch):
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(path))
        notify.settimeout(30)
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))  # the daemon inherits the environment at start()
        bg = brandguard_factory(f"inet:127.0.0.1:{free_port()}", policy).start()
        assert notify.recv(4096).split(b"\n")[0] == b"READY=1"
        bg.hup()
        assert [notify.recv(4096), notify.recv(4096)] == [b"RELOADING=1", b"READY=1"]
        assert bg.stop() == 0
        assert notify.recv(4096) == b"STOPPING=1"


class SlowDns:
    """A DNS server that holds every query until told to answer (NXDOMAIN): a message stays in analysis."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.first_query = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(60)
        while True:
            try:
                data, addr = self.sock.recvfrom(4096)
            except OSError:
                return
            self.first_query.set()
            self.release.wait(60)
            reply = dns.message.make_response(dns.message.from_wire(data))
            reply.set_rcode(dns.rcode.NXDOMAIN)
            self.sock.sendto(reply.to_wire(), addr)


def test_sigterm_during_analysis_finishes_the_message(postfix, on_down_socket, policy):
    slow = SlowDns()
    bg = on_down_socket(policy, {"auth": {"nameservers": ["127.0.0.1"], "port": slow.port, "query_timeout": 30,
                                          "message_dns_budget": 60}, "message_time_budget": 90})
    marker = f"LC-OLD inflight {uuid.uuid4().hex[:10]}"
    result: dict = {}
    sender = threading.Thread(target=lambda: result.update(_send(postfix, marker)))
    sender.start()
    try:
        assert slow.first_query.wait(30), "the message never reached the DNS stage"
        os.kill(bg.proc.pid, signal.SIGTERM)  # the message is now inside the pipeline, waiting for DNS
        wait_log(bg, "stopping: finishing SMTP transactions in flight", "the shutdown to begin")
    finally:
        slow.release.set()
    sender.join(60)
    assert result == {"ok": True}, result
    assert postfix.sink.wait_for(marker)["X-Brandguard-Verdict"] == "tag"
    assert bg.proc.wait(60) == 0
    slow.sock.close()


def _send(postfix, subject: str) -> dict:
    try:
        with smtplib.SMTP("127.0.0.1", postfix.ports["down"], timeout=120) as smtp:
            smtp.sendmail("alice@example.org", ["bob@example.net"], message(subject))
        return {"ok": True}
    except smtplib.SMTPException as exc:
        return {"error": repr(exc)}


# Debian's libmilter is built with _FFR_WORKERS_POOL: after smfi_stop() its pool controller stops reading
# sessions, so the runner drains open transactions (MAIL FROM .. end-of-message) before calling it.
def test_sigterm_during_transfer_finishes_the_message(postfix, on_down_socket, policy):
    bg = on_down_socket(policy)
    marker = f"LC-OLD transfer {uuid.uuid4().hex[:10]}"
    with smtplib.SMTP("127.0.0.1", postfix.ports["down"], timeout=120) as smtp:
        smtp.ehlo()
        assert smtp.mail("alice@example.org")[0] == 250 and smtp.rcpt("bob@example.net")[0] == 250
        smtp.putcmd("data")
        assert smtp.getreply()[0] == 354
        head, body = message(marker).split(b"\n\n", 1)
        smtp.send(head.replace(b"\n", b"\r\n") + b"\r\n\r\n")  # the transaction is open at the milter
        os.kill(bg.proc.pid, signal.SIGTERM)
        wait_log(bg, "stopping: finishing SMTP transactions in flight", "the shutdown to begin")
        smtp.send(body.replace(b"\n", b"\r\n") + b".\r\n")
        code, reply = smtp.getreply()
    assert bg.proc.wait(60) == 0
    assert code == 250, reply
    assert postfix.sink.wait_for(marker)["X-Brandguard-Verdict"] == "tag"
