"""Shared fixtures: the private Postfix stack and brandguard processes (session-scoped, started once)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fixtures.postfix import Brandguard, make_workdir, start_postfix, stop_postfix

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
E2E_POLICY = DATA / "policies" / "e2e.yaml"
NO_DNS_YET = False  # TEMP until auth lands


@pytest.fixture(scope="session")
def workdir():
    path = make_workdir("brandguard-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postfix(workdir):
    pf = start_postfix(workdir)
    yield pf
    stop_postfix(pf)


@pytest.fixture(scope="session")
def brandguard_unix(postfix, workdir):
    """brandguard on the unix socket that Postfix's main listener uses."""
    d = workdir / "bg-unix"
    d.mkdir()
    bg = Brandguard(d, f"unix:{postfix.sock}", E2E_POLICY, dns=NO_DNS_YET).start()
    yield bg
    bg.stop()


@pytest.fixture(scope="session")
def brandguard_tcp(postfix, workdir):
    """brandguard on TCP, for the listener that checks the Nagle stall stays away."""
    d = workdir / "bg-tcp"
    d.mkdir()
    bg = Brandguard(d, f"inet:127.0.0.1:{postfix.tcp_port}", E2E_POLICY, dns=NO_DNS_YET).start()
    yield bg
    bg.stop()


@pytest.fixture
def brandguard_factory(workdir):
    """Start extra brandguard processes (stopped after the test)."""
    started = []

    def make(socket: str, policy: Path = E2E_POLICY, extra: dict | None = None, name: str = "bg") -> Brandguard:
        d = make_workdir(f"{name}-")
        bg = Brandguard(d, socket, policy, extra, dns=NO_DNS_YET)
        started.append(bg)
        return bg

    yield make
    for bg in started:
        bg.stop()
