"""App.process analyses at most analysis_concurrency messages at once; waiting counts against the deadline."""
from __future__ import annotations

import threading
import time

from brandguard.app import App
from brandguard.mailfile import context_from_bytes
from brandguard.settings import Settings

RAW = b"From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nhello\r\n"


def _ctx():
    return context_from_bytes(RAW)


def test_concurrent_analyses_are_bounded(e2e_policy, monkeypatch):
    app = App(Settings(policy=e2e_policy, analysis_concurrency=2), with_dns=False)
    changed, running, peak = threading.Condition(), [0], [0]
    gate = threading.Event()
    original = app.pipeline.process

    def held(ctx):
        with changed:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            changed.notify_all()
        gate.wait(30)  # every analysis stays in until the test has looked for a third one
        with changed:
            running[0] -= 1
        return original(ctx)

    monkeypatch.setattr(app.pipeline, "process", held)
    results = []
    threads = [threading.Thread(target=lambda: results.append(app.process(_ctx()))) for _ in range(8)]
    for t in threads:
        t.start()
    with changed:
        assert changed.wait_for(lambda: running[0] == 2, timeout=10)
        # a third analysis would notify at once; none may enter while two slots are held
        third = changed.wait_for(lambda: running[0] > 2, timeout=0.3)
    gate.set()
    for t in threads:
        t.join()
    assert not third and peak[0] == 2 and len(results) == 8
    assert all("hard deadline" not in r.verdict.reason for r in results)


def test_waiting_for_a_slot_counts_against_the_deadline(e2e_policy, monkeypatch):
    app = App(Settings(policy=e2e_policy, analysis_concurrency=1, message_time_budget=0.2, budget_fallback="tag"),
              with_dns=False)
    release, entered = threading.Event(), threading.Event()
    original = app.pipeline.process
    monkeypatch.setattr(app.pipeline, "process", lambda ctx: (entered.set(), release.wait(30))[1] and original(ctx))
    first = threading.Thread(target=app.process, args=(_ctx(),))
    first.start()
    try:
        assert entered.wait(10)  # the first message holds the only slot
        start = time.monotonic()
        outcome = app.process(_ctx())
        waited = time.monotonic() - start
    finally:
        release.set()
        first.join()
    assert outcome.verdict.action.value == "tag" and "hard deadline" in outcome.verdict.reason
    assert waited < 0.2 + 1.0 + 0.5  # message_time_budget + HARD_DEADLINE_SLACK, with room for a slow host


def test_a_runaway_analysis_gives_its_slot_up_at_the_deadline(e2e_policy, monkeypatch):
    app = App(Settings(policy=e2e_policy, analysis_concurrency=1, message_time_budget=0.1), with_dns=False)
    release = threading.Event()
    original = app.pipeline.process
    calls = []

    def hang_once(ctx):
        calls.append(ctx)
        if len(calls) == 1:
            release.wait(30)
        return original(ctx)

    monkeypatch.setattr(app.pipeline, "process", hang_once)
    try:
        stuck = app.process(_ctx())  # runs away: fallback at the hard deadline, slot released
        after = app.process(_ctx())  # gets the slot although the runaway thread still runs
    finally:
        release.set()
    assert "hard deadline" in stuck.verdict.reason
    assert "hard deadline" not in after.verdict.reason
