"""Multi-process designs through Postfix: pre-forked workers (one socket, metrics summed, dead workers
replaced) and separate analysis processes (verdicts, metrics from the milter process, clean exit)."""
from __future__ import annotations

import os
import signal
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fixtures.mail import make_message, marker, send
from fixtures.support import poll

pytestmark = pytest.mark.e2e


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return r.read().decode()


def messages_total(text: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("brandguard_messages_total{"))


def test_two_workers_share_the_socket_and_metrics(postfix, brandguard_factory):
    bg = brandguard_factory(f"unix:{postfix.down_sock}", extra={"workers": 2}, name="bg-workers").start()
    workers = poll(lambda: len(children(bg.proc.pid)) == 2 and children(bg.proc.pid), 20, "two workers")
    marks = [marker() for _ in range(12)]
    for m in marks:
        send(postfix.ports["down"], make_message(f"Workers {m}"))  # one SMTP session, one milter connection each
    for m in marks:
        assert postfix.sink.wait_for(m)["X-Brandguard-Verdict"] == "accept"
    poll(lambda: messages_total(scrape(bg.metrics_port)) >= 12, 20, "12 messages counted across workers")

    os.kill(workers[0], signal.SIGKILL)
    poll(lambda: len(children(bg.proc.pid)) == 2 and workers[0] not in children(bg.proc.pid), 20,
         "the killed worker replaced")
    m = marker()
    send(postfix.ports["down"], make_message(f"After kill {m}"))
    assert postfix.sink.wait_for(m)["X-Brandguard-Verdict"] == "accept"
    assert "worker 0 (pid" in bg.log() and "restarting it" in bg.log()
    assert bg.stop() == 0


def test_workers_stop_by_themselves_after_traffic(postfix, brandguard_factory):
    # every worker wakes for each connection and the losers tried a blocking accept(), holding libmilter's
    # listener lock, so smfi_stop() at shutdown waited for the next connection (until the 40 s SIGKILL)
    bg = brandguard_factory(f"unix:{postfix.down_sock}", extra={"workers": 2}, name="bg-stop").start()
    workers = poll(lambda: len(children(bg.proc.pid)) == 2 and children(bg.proc.pid), 20, "two workers")
    marks = [marker() for _ in range(20)]
    with ThreadPoolExecutor(10) as pool:  # connections at once, as under load: every worker wakes for each
        list(pool.map(lambda m: send(postfix.ports["down"], make_message(f"Before stop {m}")), marks))
    for m in marks:
        assert postfix.sink.wait_for(m)["X-Brandguard-Verdict"] == "accept"
    assert bg.stop() == 0
    assert "still running 40s after SIGTERM" not in bg.log()
    assert not any(os.path.exists(f"/proc/{pid}") for pid in workers)


LURE = Path(__file__).resolve().parents[1] / "data" / "brands" / "trendmicro-freemail-renewal.eml"


def headers_of(postfix, queue_id: str) -> str:
    return postfix.cmd("postcat", "-c", str(postfix.conf), "-hq", queue_id).stdout


def metric(text: str, prefix: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix))


def test_analysis_processes_answer_through_the_milter_process(postfix, brandguard_factory):
    bg = brandguard_factory(f"unix:{postfix.down_sock}", extra={"analysis_processes": 1}, name="bg-analysis").start()
    spawner = poll(lambda: children(bg.proc.pid), 20, "the analysis spawner")[0]
    analysis = poll(lambda: children(spawner), 20, "one analysis process")
    assert len(analysis) == 1

    clean = marker()
    send(postfix.ports["down"], make_message(f"Analysed elsewhere {clean}"))
    got = postfix.sink.wait_for(clean)
    assert got["X-Brandguard-Verdict"] == "accept" and "spf=pass" in got["Authentication-Results"]

    lure = marker()
    raw = LURE.read_bytes().replace(b"\n", b"\r\n").replace(b"\r\nSubject: ", f"\r\nSubject: {lure} ".encode(), 1)
    send(postfix.ports["down"], raw, sender="trendmicro.billing.dept@gmail.com")
    held = poll(lambda: [q for q in postfix.held() if lure in headers_of(postfix, q["queue_id"])], 20,
                "the lure in the hold queue")
    assert "X-Brandguard-Verdict: quarantine" in headers_of(postfix, held[0]["queue_id"])
    postfix.cmd("postsuper", "-c", str(postfix.conf), "-d", held[0]["queue_id"])

    # counted by the milter process, DNS lookups included (they ran in the analysis process)
    def counted():
        text = scrape(bg.metrics_port)
        return text if messages_total(text) >= 2 else None

    text = poll(counted, 20, "2 messages counted")
    assert metric(text, "brandguard_dns_lookup_duration_seconds_count") > 0
    assert metric(text, 'brandguard_messages_total{disposition="quarantine"') == 1
    assert children(spawner) == analysis  # no analysis process was replaced

    assert bg.stop() == 0
    gone = lambda pid: not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"  # noqa: E731
    poll(lambda: all(gone(p) for p in [spawner, *analysis]), 20, "the spawner and analysis process gone")
