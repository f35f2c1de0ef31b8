"""Steady SMTP load through Postfix while brandguard (or one of its analysis processes) is SIGKILLed, SIGHUPed,
misconfigured and DNS fails: 0 lost."""
from __future__ import annotations

import os
import queue
import signal
import smtplib
import subprocess
import threading
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rdatatype
import pytest

from brandguard.policy.loader import load_policy
from fixtures.dns import UNBOUND, Zones
from fixtures.policies import make_policy_dir
from fixtures.support import poll

pytestmark = pytest.mark.e2e

MESSAGES = 2400
SENDERS = 12
RETRY_FOR = 120.0  # seconds a message may keep getting 4xx before the client gives up (an MTA: days)
# kind of message i: i % 20 → what the e2e policy's marker rules do with it
KINDS = {0: "reject", 1: "quarantine", 2: "tag"}
# sender domains: DNS answers, DNS never answers (timeouts), DNS answers SERVFAIL
DOMAINS = ("example.org",) * 8 + ("slow.test", "servfail.test")


def _kind(i: int) -> str:
    return KINDS.get(i % 20, "accept")


def children_of(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


@dataclass
class Ledger:
    """What the SMTP clients saw, per message id; thread-safe."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    accepted: set[int] = field(default_factory=set)
    rejected: dict[int, int] = field(default_factory=dict)
    gave_up: dict[int, str] = field(default_factory=dict)
    deferred: Counter = field(default_factory=Counter)  # id -> 4xx answers (or dropped connections) before the end
    deferral_times: list[float] = field(default_factory=list)
    done: int = 0

    def finish(self, i: int, outcome: str, detail=None) -> None:
        with self.lock:
            if outcome == "accepted":
                self.accepted.add(i)
            elif outcome == "rejected":
                self.rejected[i] = detail
            else:
                self.gave_up[i] = detail
            self.done += 1

    def defer(self, i: int) -> None:
        with self.lock:
            self.deferred[i] += 1
            self.deferral_times.append(time.monotonic())


def _code(exc: Exception) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return max(code for code, _ in exc.recipients.values())
    return getattr(exc, "smtp_code", None)


def _message(run: str, i: int, domain: str) -> tuple[str, bytes]:
    sender = f"fault-{run}-{i}@{domain}"
    marker = {"reject": "BG-REJECT", "quarantine": "BG-QUARANTINE", "tag": "BG-TAG"}.get(_kind(i), "load")
    raw = (f"From: Load Test <{sender}>\r\nTo: bob@example.net\r\nSubject: {marker} fault {run} {i}\r\n"
           f"Message-ID: <{run}.{i}@{domain}>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n"
           f"Message {i} of the fault-injection load.\r\n").encode()
    return sender, raw


def sender_thread(port: int, run: str, work: queue.Queue[int], ledger: Ledger, stop: threading.Event) -> None:
    """An SMTP client that behaves like a sending MTA: 4xx or a dropped connection means try again."""
    while True:
        try:
            i = work.get_nowait()
        except queue.Empty:
            return
        sender, raw = _message(run, i, DOMAINS[i % len(DOMAINS)])
        give_up_at = time.monotonic() + RETRY_FOR
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
                    smtp.sendmail(sender, ["bob@example.net"], raw)
                ledger.finish(i, "accepted")
                break
            except (smtplib.SMTPException, OSError) as exc:
                code = _code(exc)
                if code is not None and 500 <= code < 600:
                    ledger.finish(i, "rejected", code)
                    break
                ledger.defer(i)
                if time.monotonic() > give_up_at:
                    ledger.finish(i, "gave_up", f"{type(exc).__name__}: {exc}")
                    break
                stop.wait(0.05)  # the client's retry back-off, not a synchronisation wait


def _ready(bg) -> bool:
    """/readyz turns 200 once brandguard has installed its signal handlers (before that SIGHUP kills it)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{bg.metrics_port}/readyz", timeout=1) as resp:
            return resp.status == 200
    except OSError:
        return False


def hup_thread(bg, stop: threading.Event, sent: Counter) -> None:
    """The reload signal (SIGUSR1) every second, whenever a live, ready brandguard is there to receive it."""
    while not stop.wait(1.0):
        proc = bg.proc
        if proc is not None and proc.poll() is None and _ready(bg):
            try:
                os.kill(proc.pid, signal.SIGUSR1)
                sent["hup"] += 1
            except ProcessLookupError:
                pass


# --- DNS with stop/restart on the same port and a SERVFAIL zone ------------------------------------


def _dns_answers(port: int) -> bool:
    try:
        reply = dns.query.udp(dns.message.make_query("example.org", dns.rdatatype.TXT), "127.0.0.1", port=port,
                              timeout=0.3)
    except dns.exception.Timeout:
        return False
    return bool(reply.answer)


def restart_unbound(server) -> None:
    """Start unbound again from its config file: same port, same zones."""
    if server.proc.poll() is None:
        server.proc.terminate()
        server.proc.wait(10)
    with open(server.workdir / "unbound.restart.stderr", "ab") as err:
        server.proc = subprocess.Popen([UNBOUND, "-d", "-c", str(server.workdir / "unbound.conf")],
                                       stdout=subprocess.DEVNULL, stderr=err)
    poll(lambda: _dns_answers(server.port), 15, f"unbound back on port {server.port}")


def add_servfail_zone(server, domain: str) -> None:
    """Unbound answers SERVFAIL at once for `domain`: its only nameserver is an address it may not query."""
    conf = server.workdir / "unbound.conf"
    conf.write_text(conf.read_text() + f'server:\n    do-not-query-address: 127.0.0.2\n'
                    f'    local-zone: "{domain}." transparent\nstub-zone:\n    name: "{domain}."\n'
                    f"    stub-addr: 127.0.0.2\n")
    restart_unbound(server)


@pytest.fixture
def fault_dns(unbound):
    """A DNS server of our own (the session's is shared): stopped and restarted during the load."""
    zones = Zones()
    zones.spf("example.org", "v=spf1 ip4:127.0.0.0/8 -all").dmarc("example.org", "v=DMARC1; p=none")
    server = unbound(zones, blackhole=("slow.test",))
    add_servfail_zone(server, "servfail.test")
    return server


# --- policy copies ------------------------------------------------------------------------------


def fix_policy(policy: Path, original: str) -> str:
    """Put default.yaml back and add a local rule (so the hash changes); returns the new hash as loaded."""
    local = policy.parent / "local.d" / "60-fault.yaml"
    local.write_text("version: 1\nrules:\n  - {id: fault-fixed-policy, when: {header: Subject, contains: BG-NEVER}, "
                     "action: tag}\n")
    tmp = policy.with_suffix(".tmp")
    tmp.write_text(original)
    tmp.replace(policy)
    return load_policy(policy).hash


def test_no_message_lost_under_kills_hups_bad_policy_and_dns_faults(postfix, brandguard_factory, fault_dns,
                                                                     tmp_path):
    policy = make_policy_dir(tmp_path / "policies")  # shipped policies + marker rules, ours to break
    original = policy.read_text()
    auth = {**fault_dns.auth_settings, "query_timeout": 0.5, "message_dns_budget": 2.0}
    bg = brandguard_factory(f"unix:{postfix.down_sock}", policy=policy, extra={"auth": auth},
                            name="bg-faults").start()
    poll(lambda: _ready(bg), 30, "brandguard /readyz")
    run = uuid.uuid4().hex[:8]
    work: queue.Queue[int] = queue.Queue()
    for i in range(MESSAGES):
        work.put(i)
    ledger, stop, signals = Ledger(), threading.Event(), Counter()
    windows: dict[str, tuple[float, float]] = {}
    threads = [threading.Thread(target=sender_thread, args=(postfix.ports["down"], run, work, ledger, stop),
                                name=f"smtp-{n}") for n in range(SENDERS)]
    hupper = threading.Thread(target=hup_thread, args=(bg, stop, signals), name="sighup")
    started = time.monotonic()
    for t in threads + [hupper]:
        t.start()

    def at(fraction: float) -> None:
        poll(lambda: ledger.done >= fraction * MESSAGES, 120, f"{fraction:.0%} of the load done")

    def kill_and_restart() -> None:
        t0 = time.monotonic()
        bg.kill()  # SIGKILL: no graceful shutdown, messages in flight are cut off
        signals["kill"] += 1
        bg.start()
        poll(lambda: _ready(bg), 30, "brandguard /readyz after restart")
        windows.setdefault("kill", (t0, time.monotonic()))

    bg_processes = min(64, len(os.sched_getaffinity(0)))  # analysis_processes: auto, the default

    def kill_an_analysis_process() -> None:
        spawner = children_of(bg.proc.pid)[0]  # the milter's one child; the analysis processes are its children
        victim = poll(lambda: children_of(spawner), 10, "the analysis processes")[0]
        os.kill(victim, signal.SIGKILL)  # its message, if any, is answered per on_error (4xx): the client retries
        signals["analysis-kill"] += 1
        poll(lambda: victim not in children_of(spawner) and len(children_of(spawner)) == bg_processes, 30,
             "the killed analysis process replaced")

    try:
        at(0.05)
        kill_an_analysis_process()
        at(0.10)
        kill_and_restart()
        at(0.25)
        t0 = time.monotonic()
        policy.write_text("version: 1\nrules: [ {id: broken\n")  # YAML syntax error, written in place
        poll(lambda: "policy reload failed" in bg.log(), 15, "brandguard to refuse the broken policy")
        at(0.35)
        fixed_hash = fix_policy(policy, original)
        poll(lambda: f"-> {fixed_hash}" in bg.log(), 15, "brandguard to load the fixed policy")
        windows["bad-policy"] = (t0, time.monotonic())
        at(0.45)
        t0 = time.monotonic()
        fault_dns.proc.kill()
        fault_dns.proc.wait(10)
        at(0.55)
        restart_unbound(fault_dns)
        windows["dns-down"] = (t0, time.monotonic())
        at(0.65)
        kill_and_restart()
        at(0.80)
        kill_and_restart()
        at(0.90)
        kill_an_analysis_process()
        for t in threads:
            t.join(RETRY_FOR + 60)
    finally:
        stop.set()
        for t in threads + [hupper]:
            t.join(RETRY_FOR + 60)
    load_seconds = time.monotonic() - started

    prefix = f"fault-{run}-"

    def delivered() -> Counter:
        return Counter(int(m["from"][len(prefix):].split("@")[0]) for m in list(postfix.sink.messages)
                       if m["from"].startswith(prefix))

    def held() -> dict[int, str]:
        return {int(q["sender"][len(prefix):].split("@")[0]): q["queue_id"] for q in postfix.held()
                if q.get("sender", "").startswith(prefix)}

    expect_held = {i for i in ledger.accepted if _kind(i) == "quarantine"}
    try:
        poll(lambda: set(delivered()) | set(held()) >= ledger.accepted and set(held()) >= expect_held, 90,
             "every accepted message at the sink or in the hold queue")
    finally:
        in_hold = held()
        for qid in in_hold.values():  # leave the shared hold queue as we found it
            postfix.cmd("postsuper", "-c", str(postfix.conf), "-d", qid, check=False)
    at_sink = delivered()
    retried = set(ledger.deferred)
    lost = ledger.accepted - set(at_sink) - set(in_hold)
    dns_errors = [m for m in postfix.sink.messages if m["from"].startswith(prefix)
                  and b"temperror" in m["data"].split(b"\r\n\r\n", 1)[0]]
    print(f"\nfault injection: {MESSAGES} sent in {load_seconds:.0f}s by {SENDERS} clients = "
          f"{len(set(at_sink))} delivered + {len(in_hold)} held + {len(ledger.rejected)} rejected (5xx, expected "
          f"{sum(1 for i in range(MESSAGES) if _kind(i) == 'reject')}) + {len(ledger.gave_up)} given up; "
          f"lost {len(lost)}; duplicates at the sink {sum(n - 1 for n in at_sink.values())}\n"
          f"  deferred then retried: {len(retried)} messages, {sum(ledger.deferred.values())} 4xx answers or "
          f"dropped connections ({len(retried & set(at_sink))} of them delivered, {len(retried & set(in_hold))} held, "
          f"{len(retried & set(ledger.rejected))} rejected)\n"
          f"  faults: {signals['kill']} SIGKILL+restart, {signals['analysis-kill']} analysis process SIGKILLed, "
          f"{signals['hup']} SIGHUP, bad policy for "
          f"{windows['bad-policy'][1] - windows['bad-policy'][0]:.1f}s, DNS down for "
          f"{windows['dns-down'][1] - windows['dns-down'][0]:.1f}s; delivered with a DNS temperror: {len(dns_errors)}")

    assert not ledger.gave_up, f"clients gave up on: {dict(list(ledger.gave_up.items())[:5])}"
    assert ledger.done == MESSAGES and len(ledger.accepted) + len(ledger.rejected) == MESSAGES
    assert not lost, f"accepted by Postfix but neither delivered nor held: {sorted(lost)[:20]}"
    assert set(ledger.rejected) == {i for i in range(MESSAGES) if _kind(i) == "reject"}
    assert set(ledger.rejected.values()) == {550}
    assert set(in_hold) == expect_held
    assert set(at_sink) == {i for i in ledger.accepted if _kind(i) != "quarantine"}
    assert all(n == 1 for n in at_sink.values()), "a message was delivered twice"
    assert signals["kill"] == 3 and signals["analysis-kill"] == 2 and signals["hup"] >= 5
    assert retried, "SIGKILL produced no 4xx: the faults did not hit the load"
    for name in ("bad-policy", "dns-down"):  # neither a broken policy file nor dead DNS may tempfail mail
        lo, hi = windows[name]
        assert not [t for t in ledger.deferral_times if lo <= t <= hi], f"4xx answers while {name}"
    untagged = [m for m in postfix.sink.messages if m["from"].startswith(prefix)
                and b"X-Brandguard-Verdict:" not in m["data"]]
    assert not untagged, "a message reached the sink without passing brandguard"
    assert dns_errors, "no delivered message shows a DNS temperror: the DNS faults did not happen"
