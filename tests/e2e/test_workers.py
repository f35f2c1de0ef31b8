"""Pre-forked workers: one socket, several milter processes, metrics summed, dead workers replaced."""
from __future__ import annotations

import os
import signal
import urllib.request

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
