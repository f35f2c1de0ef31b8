"""The analysis processes: the verdicts of the pipeline, in parallel, within the deadline; failures answered, losses replaced."""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

import pytest
from prometheus_client import CollectorRegistry

from brandguard.app import HARD_DEADLINE_SLACK, App
from brandguard.errors import AnalysisCrashed
from brandguard.mailfile import context_from_bytes
from brandguard.metrics import Metrics
from brandguard.pipeline import Pipeline
from brandguard.settings import Settings
from fixtures.support import poll

CLEAN = b"From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nhello\r\n"
LURE = (b"From: Trend Micro Support <support.trendmicro@gmail.com>\r\nTo: b@example.net\r\n"
        b"Subject: Your Trend Micro subscription renewal invoice\r\n\r\n"
        b"Your Trend Micro antivirus was renewed for $399.99. To cancel call our billing desk at "
        b"+1 (808) 555-0147 within 24 hours.\r\n")


def subject(text: str) -> bytes:
    return f"From: a@example.org\r\nTo: b@example.net\r\nSubject: {text}\r\n\r\nhello\r\n".encode()


@pytest.fixture
def pooled(e2e_policy):
    """App factory with its analysis processes started (and stopped after the test)."""
    apps = []

    def make(metrics=None, **settings) -> App:
        app = App(Settings(**{"policy": e2e_policy, "analysis_processes": 1, **settings}), with_dns=False,
                  metrics=metrics)
        app.start_analysis()
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.stop_analysis()


@pytest.fixture
def misbehaving(monkeypatch):
    """Pipeline.process acting per subject; patched before the fork, so that the analysis processes inherit it.

    An action returns the outcome, or None to run the real pipeline after it.
    """
    original = Pipeline.process

    def install(actions: dict):
        def process(self, ctx):
            action = actions.get(ctx.first_header("Subject"))
            answer = action(self, ctx) if action else None
            return original(self, ctx) if answer is None else answer

        monkeypatch.setattr(Pipeline, "process", process)

    return install


def stall(self, ctx):
    threading.Event().wait(600)  # a runaway: only SIGKILL ends it


def die(self, ctx):
    os.kill(os.getpid(), signal.SIGKILL)  # a C library, the OOM killer


def fail(self, ctx):
    raise RuntimeError("a check bug")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _worker_pid(app: App) -> int:
    (pid,) = app._analysis.pids
    return pid


@pytest.mark.parametrize("raw", [pytest.param(CLEAN, id="clean"), pytest.param(LURE, id="lure")])
def test_verdicts_match_the_pipeline_run_in_this_thread(pooled, e2e_policy, raw):
    here = App(Settings(policy=e2e_policy), with_dns=False).process(context_from_bytes(raw))  # scan's path
    there = pooled().process(context_from_bytes(raw))
    assert there.verdict == here.verdict and there.plan == here.plan and there.policy_hash == here.policy_hash


def test_two_analysis_processes_analyse_two_messages_at_once(pooled, misbehaving):
    both = multiprocessing.get_context("fork").Barrier(2)  # inherited by the analysis processes

    def meet(self, ctx):
        both.wait(20)  # then the real pipeline

    misbehaving({"meet": meet})
    app = pooled(analysis_processes=2)
    results = []
    threads = [threading.Thread(target=lambda: results.append(app.process(context_from_bytes(subject("meet")))))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # one process alone would wait at the barrier until it broke, and answer an error
    assert [r.verdict.action.value for r in results] == ["accept", "accept"]


def test_a_process_killed_while_idle_costs_no_message_and_is_replaced(pooled):
    app = pooled()
    pid = _worker_pid(app)
    os.kill(pid, signal.SIGKILL)
    poll(lambda: not _alive(pid), 10, "the analysis process gone")
    assert app.process(context_from_bytes(CLEAN)).verdict.action.value == "accept"
    assert _worker_pid(app) != pid and not app.analysis_broken()


def test_a_process_that_dies_on_a_message_costs_that_message_and_is_replaced(pooled, misbehaving):
    misbehaving({"crash": die})
    app = pooled()
    pid = _worker_pid(app)
    with pytest.raises(AnalysisCrashed, match=f"analysis process {pid} died"):  # the milter answers on_error
        app.process(context_from_bytes(subject("crash")))
    assert _worker_pid(app) != pid
    assert app.process(context_from_bytes(CLEAN)).verdict.action.value == "accept"


def test_a_runaway_analysis_is_killed_and_answered_with_the_fallback(pooled, misbehaving):
    misbehaving({"stall": stall})
    app = pooled(message_time_budget=0.3, budget_fallback="tag")
    pid = _worker_pid(app)
    started = time.monotonic()
    outcome = app.process(context_from_bytes(subject("stall")))
    assert time.monotonic() - started < 0.3 + HARD_DEADLINE_SLACK + 3
    assert outcome.verdict.action.value == "tag" and "hard deadline" in outcome.verdict.reason
    poll(lambda: not _alive(pid), 10, "the runaway analysis process killed")
    assert app.process(context_from_bytes(CLEAN)).verdict.action.value == "accept"


def test_waiting_for_a_free_process_counts_against_the_deadline(pooled):
    app = pooled(message_time_budget=0.3, budget_fallback="tag")
    busy = app._analysis._idle.get(timeout=5)  # the only process, as if analysing another message throughout
    try:
        started = time.monotonic()
        outcome = app.process(context_from_bytes(CLEAN))
        waited = time.monotonic() - started
    finally:
        app._analysis._idle.put(busy)
    assert outcome.verdict.action.value == "tag" and "hard deadline" in outcome.verdict.reason
    assert 0.3 + HARD_DEADLINE_SLACK - 0.1 < waited < 0.3 + HARD_DEADLINE_SLACK + 3


def test_an_exception_in_the_analysis_reaches_the_milters_catch_all(pooled, misbehaving):
    misbehaving({"hi": fail})
    app = pooled()
    pid = _worker_pid(app)
    with pytest.raises(AnalysisCrashed, match="RuntimeError: a check bug"):
        app.process(context_from_bytes(CLEAN))
    assert _worker_pid(app) == pid  # an exception is an answer: the process lives on


def test_an_outcome_that_cannot_be_sent_back_is_an_error_not_a_dead_process(pooled, misbehaving):
    misbehaving({"odd": lambda self, ctx: (lambda: None)})  # pickle refuses it
    app = pooled()
    pid = _worker_pid(app)
    with pytest.raises(AnalysisCrashed, match="outcome not transferable"):
        app.process(context_from_bytes(subject("odd")))
    assert app.process(context_from_bytes(CLEAN)).verdict.action.value == "accept" and _worker_pid(app) == pid


def test_the_analysis_follows_a_policy_reload(tmp_path, pooled):
    from fixtures.policies import make_policy_dir

    policy = make_policy_dir(tmp_path / "policies")
    app = pooled(policy=policy, analysis_processes=2)
    before = app.store.current.hash
    with open(policy, "a") as f:
        f.write("# edited\n")
    ok, _ = app.reload()
    assert ok and app.store.current.hash != before
    after = {app.process(context_from_bytes(CLEAN)).policy_hash for _ in range(4)}  # each process in turn
    assert after == {app.store.current.hash}


def test_metrics_are_recorded_in_the_milter_process(pooled, monkeypatch):
    from brandguard.checks import registry

    def broken(*_args, **_kwargs):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(type(registry.get("freemail_brand_claim")), "evaluate", broken)  # before the fork
    metrics = Metrics(CollectorRegistry())
    app = pooled(metrics=metrics)
    assert app.process(context_from_bytes(LURE)).verdict.degraded == ("freemail_brand_claim",)
    app.process(context_from_bytes(CLEAN))
    samples = [s for m in metrics.registry.collect() for s in m.samples]
    assert sum(s.value for s in samples if s.name == "brandguard_messages_total") == 2
    value = metrics.registry.get_sample_value
    assert value("brandguard_eom_duration_seconds_count") == 2
    assert value("brandguard_check_errors_total", {"check": "freemail_brand_claim"}) == 2  # it ran on both
    assert value("brandguard_messages_in_flight") == 0


def test_a_lost_spawner_marks_the_pool_broken_so_the_runner_restarts(pooled):
    app = pooled(message_time_budget=0.3)
    os.kill(app._analysis._spawner_pid, signal.SIGKILL)
    os.waitpid(app._analysis._spawner_pid, 0)
    pid = _worker_pid(app)
    os.kill(pid, signal.SIGKILL)
    poll(lambda: not _alive(pid), 10, "the analysis process gone")
    outcome = app.process(context_from_bytes(CLEAN))  # nothing left to analyse it: the fallback, at the deadline
    assert "hard deadline" in outcome.verdict.reason and app.analysis_broken()
