"""analysis_processes: messages analysed in forked processes give the in-process verdicts; failures are answered."""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from brandguard.app import App
from brandguard.errors import AnalysisCrashed
from brandguard.mailfile import context_from_bytes
from brandguard.pipeline import Pipeline
from brandguard.settings import Settings
from fixtures.support import poll

CLEAN = b"From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nhello\r\n"
LURE = (b"From: Trend Micro Support <support.trendmicro@gmail.com>\r\nTo: b@example.net\r\n"
        b"Subject: Your Trend Micro subscription renewal invoice\r\n\r\n"
        b"Your Trend Micro antivirus was renewed for $399.99. To cancel call our billing desk at "
        b"+1 (808) 555-0147 within 24 hours.\r\n")
STALL = b"From: a@example.org\r\nTo: b@example.net\r\nSubject: stall\r\n\r\nhello\r\n"


@pytest.fixture
def pooled(e2e_policy):
    apps = []

    def make(**settings) -> App:
        app = App(Settings(**{"policy": e2e_policy, "analysis_processes": 1, **settings}), with_dns=False)
        app.start_analysis()
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.stop_analysis()


@pytest.mark.parametrize("raw", [pytest.param(CLEAN, id="clean"), pytest.param(LURE, id="lure")])
def test_verdicts_match_the_in_process_analysis(pooled, e2e_policy, raw):
    here = App(Settings(policy=e2e_policy), with_dns=False).process(context_from_bytes(raw))
    there = pooled().process(context_from_bytes(raw))
    assert there.verdict == here.verdict and there.plan == here.plan and there.policy_hash == here.policy_hash


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _worker_pid(app: App) -> int:
    (pid,) = app._analysis.pids
    return pid


def test_a_dead_analysis_process_costs_one_message_and_is_replaced(pooled):
    app = pooled()
    pid = _worker_pid(app)
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(AnalysisCrashed, match=f"analysis process {pid} died"):
        app.process(context_from_bytes(CLEAN))
    assert _worker_pid(app) != pid
    assert app.process(context_from_bytes(CLEAN)).verdict.action.value == "accept"


def test_a_runaway_analysis_is_killed_and_answered_with_the_fallback(e2e_policy, monkeypatch, pooled):
    original = Pipeline.process

    def stalls(self, ctx):
        if ctx.first_header("Subject") == "stall":
            threading.Event().wait(600)  # a runaway: only SIGKILL ends it
        return original(self, ctx)

    monkeypatch.setattr(Pipeline, "process", stalls)  # inherited by the analysis processes forked next
    app = pooled(message_time_budget=0.3, budget_fallback="tag")
    pid = _worker_pid(app)
    started = time.monotonic()
    outcome = app.process(context_from_bytes(STALL))
    assert time.monotonic() - started < 5
    assert "hard deadline" in outcome.verdict.reason
    poll(lambda: not _alive(pid), 10, "the runaway analysis process killed")
    assert app.process(context_from_bytes(CLEAN)).verdict.action.value == "accept"


def test_an_exception_in_the_analysis_reaches_the_milters_catch_all(monkeypatch, pooled):
    def broken(self, ctx):
        raise RuntimeError("a check bug")

    monkeypatch.setattr(Pipeline, "process", broken)
    app = pooled()
    with pytest.raises(AnalysisCrashed, match="RuntimeError: a check bug"):
        app.process(context_from_bytes(CLEAN))
    monkeypatch.undo()


def test_an_outcome_that_cannot_be_sent_back_is_an_error_not_a_dead_process(monkeypatch, pooled):
    original = Pipeline.process

    def odd(self, ctx):
        if ctx.first_header("Subject") == "stall":
            return lambda: None  # pickle refuses it
        return original(self, ctx)

    monkeypatch.setattr(Pipeline, "process", odd)
    app = pooled()
    pid = _worker_pid(app)
    with pytest.raises(AnalysisCrashed, match="outcome not transferable"):
        app.process(context_from_bytes(STALL))
    assert app.process(context_from_bytes(CLEAN)).verdict.action.value == "accept" and _worker_pid(app) == pid


def test_the_analysis_follows_a_policy_reload(tmp_path, pooled):
    from fixtures.policies import make_policy_dir

    policy = make_policy_dir(tmp_path / "policies")
    app = pooled(policy=policy)
    before = app.process(context_from_bytes(CLEAN)).policy_hash
    with open(policy, "a") as f:
        f.write("# edited\n")
    ok, _ = app.reload()
    assert ok and app.store.current.hash != before
    assert app.process(context_from_bytes(CLEAN)).policy_hash == app.store.current.hash


def test_settings_refuse_two_multicore_designs(e2e_policy):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="cannot be combined with workers"):
        Settings(policy=e2e_policy, workers=2, analysis_processes=2)
    assert Settings(policy=e2e_policy, analysis_processes="auto").analysis_processes == len(os.sched_getaffinity(0))
