"""The process model through Postfix: one milter process and its analysis processes, which share the load, are
replaced when killed without losing a message, have their metrics recorded by the milter process and exit with it."""
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

LURE = Path(__file__).resolve().parents[1] / "data" / "brands" / "trendmicro-freemail-renewal.eml"


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


def analysis_processes(bg, count: int) -> tuple[int, list[int]]:
    """(the spawner, the analysis processes) of a running brandguard: its only child, and that one's children."""
    spawner = poll(lambda: children(bg.proc.pid), 20, "the analysis spawner")[0]
    return spawner, poll(lambda: len(children(spawner)) == count and children(spawner), 20,
                         f"{count} analysis processes")


def gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def woken(pid: int) -> int:
    """How often the process blocked and woke: an idle analysis process sleeps in recv() until a message comes."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("voluntary_ctxt_switches:"))


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return r.read().decode()


def metric(text: str, prefix: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix))


def send_all(postfix, subjects: list[str]) -> None:
    """Send at once over several SMTP sessions, as under load; each must be accepted (a 4xx raises)."""
    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda s: send(postfix.ports["down"], make_message(s)), subjects))
    for s in subjects:
        assert postfix.sink.wait_for(s)["X-Brandguard-Verdict"] == "accept"


def test_two_analysis_processes_share_the_load_and_exit_with_the_milter(postfix, brandguard_factory):
    bg = brandguard_factory(f"unix:{postfix.down_sock}", extra={"analysis_processes": 2}, name="bg-share").start()
    spawner, analysis = analysis_processes(bg, 2)
    before = {pid: woken(pid) for pid in analysis}
    send_all(postfix, [f"Shared {marker()}" for _ in range(20)])
    assert all(woken(pid) > before[pid] for pid in analysis), "an analysis process got no message"
    poll(lambda: metric(scrape(bg.metrics_port), "brandguard_messages_total{") >= 20, 20, "20 messages counted")
    assert children(spawner) == analysis  # none was replaced
    assert "2 analysis processes" in bg.log()  # the startup line
    assert bg.stop() == 0
    poll(lambda: all(gone(p) for p in [spawner, *analysis]), 20, "the spawner and analysis processes gone")


def test_a_killed_analysis_process_is_replaced_and_no_message_is_lost(postfix, brandguard_factory):
    bg = brandguard_factory(f"unix:{postfix.down_sock}", extra={"analysis_processes": 2}, name="bg-kill").start()
    spawner, analysis = analysis_processes(bg, 2)
    os.kill(analysis[0], signal.SIGKILL)  # the OOM killer, an admin
    poll(lambda: gone(analysis[0]), 20, "the killed analysis process gone")
    send_all(postfix, [f"After kill {marker()}" for _ in range(6)])  # no 4xx, none lost
    now = poll(lambda: len(children(spawner)) == 2 and children(spawner), 20, "two analysis processes again")
    assert analysis[0] not in now and analysis[1] in now
    assert f"analysis process {analysis[0]} was gone" in bg.log()
    assert "internal error" not in bg.log()  # no message was answered per on_error
    assert bg.stop() == 0


def headers_of(postfix, queue_id: str) -> str:
    return postfix.cmd("postcat", "-c", str(postfix.conf), "-hq", queue_id).stdout


def test_verdicts_and_metrics_come_from_the_milter_process(postfix, brandguard_factory):
    bg = brandguard_factory(f"unix:{postfix.down_sock}", extra={"analysis_processes": 1}, name="bg-analysis").start()
    _, analysis = analysis_processes(bg, 1)

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
        return text if metric(text, "brandguard_messages_total{") >= 2 else None

    text = poll(counted, 20, "2 messages counted")
    assert metric(text, "brandguard_dns_lookup_duration_seconds_count") > 0
    assert metric(text, 'brandguard_messages_total{disposition="quarantine"') == 1
    assert analysis_processes(bg, 1)[1] == analysis  # not replaced
    assert bg.stop() == 0
