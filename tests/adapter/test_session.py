"""The pymilter adapter with Milter.testctx: facts collected, plan applied, failures answered per on_error."""
from __future__ import annotations

import io
import os
import signal
import threading

import Milter
import pytest
from Milter.testctx import TestCtx as _TestCtx

from brandguard.adapter import runner
from brandguard.adapter.session import Session
from brandguard.app import App
from brandguard.pipeline import Pipeline
from brandguard.settings import OnError, Settings


class RecordingCtx(_TestCtx):
    """TestCtx whose quarantine raises NotImplemented; record it, and every header change, instead.

    TestCtx cannot follow NOREPLY answers, so the MTA side here offers no P_NR_* bits (Postfix does).
    """

    _NR = (Milter.P_NR_CONN | Milter.P_NR_HELO | Milter.P_NR_MAIL | Milter.P_NR_RCPT | Milter.P_NR_DATA
           | Milter.P_NR_UNKN | Milter.P_NR_EOH | Milter.P_NR_BODY | Milter.P_NR_HDR)

    def _negotiate(self):
        rc = super()._negotiate()
        self._protocol &= ~self._NR
        self._priv._protocol &= ~self._NR
        return rc

    def __init__(self):
        super().__init__()
        self.quarantined: list[str] = []
        self.added: list[tuple[str, str, int]] = []
        self.changed: list[tuple[str, int, str]] = []

    def quarantine(self, reason):
        self.quarantined.append(reason)

    def addheader(self, field, value, idx):
        self.added.append((field, value, idx))
        super().addheader(field, value, idx)

    def chgheader(self, field, idx, value):
        self.changed.append((field, idx, value))
        super().chgheader(field, idx, value)


@pytest.fixture
def daemon_app(e2e_policy):
    """App factory as `brandguard run` builds it: messages analysed in an analysis process (stopped after the test)."""
    apps = []

    def make(**settings) -> App:
        app = App(Settings(**{"policy": e2e_policy, "analysis_processes": 1, **settings}), with_dns=False)
        app.start_analysis()
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.stop_analysis()


@pytest.fixture
def app(daemon_app):
    return daemon_app()


def feed(app, raw: bytes, *, macros: dict | None = None) -> tuple[int, RecordingCtx]:
    Session.app = app
    Milter.factory = Session
    ctx = RecordingCtx()
    for k, v in (macros or {"i": "ABC123"}).items():
        ctx._setsymval(k, v)
    assert ctx._connect(ip="192.0.2.1") == Milter.CONTINUE
    rc = ctx._feedFile(io.BytesIO(raw), "alice@example.org", "bob@example.net")
    return rc, ctx


def msg(subject: str, extra: str = "") -> bytes:
    return (f"From: Alice <alice@example.org>\nTo: bob@example.net\nSubject: {subject}\n{extra}"
            "Message-ID: <1@example.org>\n\nHello there.\n").encode()


def test_clean_message_gets_headers_and_forged_ones_are_stripped(app):
    rc, ctx = feed(app, msg("hello", "X-Brandguard-Verdict: accept\nX-Brandguard-Score: -100\n"))
    assert rc == Milter.ACCEPT
    names = [a[0] for a in ctx.added]
    assert names == ["X-Brandguard-Verdict", "X-Brandguard-Score", "X-Brandguard-Rules"]
    assert ("X-Brandguard-Verdict", 1, "") in ctx.changed and ("X-Brandguard-Score", 1, "") in ctx.changed
    assert ctx.quarantined == []


def test_reject_sets_reply(app):
    rc, ctx = feed(app, msg("BG-REJECT now"))
    assert rc == Milter.REJECT
    assert ctx._reply == ("550", "5.7.1", "Rejected by brandguard test rule")


def test_quarantine_is_requested_with_reason(app):
    rc, ctx = feed(app, msg("BG-QUARANTINE now"))
    assert rc == Milter.ACCEPT
    assert ctx.quarantined == ["brandguard test hold (test-quarantine)"]
    assert ("Subject", 1, "[BG] BG-QUARANTINE now") in ctx.changed


def test_queue_id_and_envelope_reach_the_pipeline(app, monkeypatch):
    seen = []
    original = app.process
    monkeypatch.setattr(app, "process", lambda c: seen.append(c) or original(c))
    feed(app, msg("hello"), macros={"i": "QID42", "{auth_authen}": "alice"})
    env = seen[0].envelope
    assert (env.queue_id, env.mail_from, env.rcpts, env.client_addr) == ("QID42", "alice@example.org",
                                                                         ("bob@example.net",), "192.0.2.1")
    assert seen[0].first_header("Subject") == "hello"


@pytest.mark.parametrize("on_error, expected", [
    pytest.param(OnError.TEMPFAIL, Milter.TEMPFAIL, id="tempfail-default"),
    pytest.param(OnError.ACCEPT, Milter.ACCEPT, id="accept"),
])
@pytest.mark.parametrize("failure", [pytest.param("raises", id="analysis-raises"),
                                     pytest.param("dies", id="analysis-process-dies")])
def test_internal_error_answers_per_on_error(on_error, expected, failure, monkeypatch, daemon_app):
    def broken(self, ctx):
        if failure == "dies":
            os.kill(os.getpid(), signal.SIGKILL)
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(Pipeline, "process", broken)  # before the fork: the analysis process inherits it
    rc, ctx = feed(daemon_app(on_error=on_error), msg("hello"))
    assert rc == expected
    if expected == Milter.TEMPFAIL:
        assert ctx._reply[0] == "451"


def test_body_is_truncated_at_scan_limit(daemon_app):
    app = daemon_app(body_scan_limit=1024)
    seen = []
    original = app.process
    app.process = lambda c: seen.append(c) or original(c)
    feed(app, msg("big") + b"x" * 5000 + b"\n")
    assert seen[0].body_truncated and len(seen[0].body) == 1024
    assert seen[0].size > 5000


def test_only_needed_actions_are_negotiated():
    assert runner.FLAGS == Milter.ADDHDRS | Milter.CHGHDRS | Milter.QUARANTINE
    assert not runner.FLAGS & (Milter.CHGBODY | Milter.ADDRCPT | Milter.DELRCPT | Milter.CHGFROM)


def test_session_implements_data_callback():
    # @nocallback on data() brings back the 40 ms stall with protocol 6 (see docs/postfix-notes)
    assert not getattr(Session.data, "nocallback", False) and Session.data is not Milter.Base.data


def test_runaway_analysis_gets_the_fallback_verdict_not_a_timeout(monkeypatch, daemon_app):
    monkeypatch.setattr(Pipeline, "process", lambda self, ctx: threading.Event().wait(600))  # killed at the deadline
    rc, ctx = feed(daemon_app(message_time_budget=0.2, budget_fallback="tag"), msg("hello"))
    assert rc == Milter.ACCEPT
    verdict = dict((n, v) for n, v, _ in ctx.added)
    assert verdict["X-Brandguard-Verdict"] == "tag" and verdict["X-Brandguard-Rules"] == "budget-exceeded"
