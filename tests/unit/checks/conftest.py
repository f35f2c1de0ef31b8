"""Fixtures for check tests: the test catalogue and a `run(check, raw, auth=None, **params)` helper."""
from __future__ import annotations

import pytest

from unit.checks.factory import make_catalogue, run_check


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory):
    return make_catalogue(tmp_path_factory.mktemp("catalogue"))


@pytest.fixture
def run(catalogue):
    def _run(name, raw, auth=None, **params):
        return run_check(catalogue, name, raw, auth, **params)

    return _run
