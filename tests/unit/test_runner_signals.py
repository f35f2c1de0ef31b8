"""The runner's signals: SIGUSR1 reloads like SIGHUP; libmilter stopping on a signal we never saw is an error."""
from __future__ import annotations

import signal
from types import SimpleNamespace

import pytest

from brandguard.adapter import runner
from brandguard.adapter.runner import RELOAD_SIGNALS, Runner


def _runner() -> Runner:
    return Runner(SimpleNamespace(settings=SimpleNamespace()))  # type: ignore[arg-type]


def test_sigusr1_reloads_and_sighup_still_does() -> None:
    assert RELOAD_SIGNALS[0] == signal.SIGUSR1  # what systemctl reload sends (systemd/brandguard.service)
    assert signal.SIGHUP in RELOAD_SIGNALS


def test_reload_handler_only_sets_the_flag() -> None:
    r = _runner()
    r._on_hup()
    assert r._reloading and not r._stopping


@pytest.mark.parametrize("asked_to_stop", [
    pytest.param(False, id="libmilter-took-a-signal"),
    pytest.param(True, id="our-own-stop"),
])
def test_libmilter_returning(monkeypatch: pytest.MonkeyPatch, asked_to_stop: bool) -> None:
    r = _runner()
    r._stopping = asked_to_stop
    monkeypatch.setattr(runner.libmilter, "main", lambda: None)
    r._main()
    assert r._stopping
    if asked_to_stop:
        assert r.error is None
    else:  # its signal thread took a SIGHUP (or SIGTERM) meant for us: exit non-zero, systemd restarts
        assert r.error is not None and "did not see" in str(r.error)
