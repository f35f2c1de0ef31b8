"""Fixtures for deploy tests: a Metrics registry, its HTTP server, real Prometheus, the dashboard tool."""
from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from brandguard.http import MetricsServer
from brandguard.metrics import Metrics, MetricsSettings
from fixtures.prometheus import prometheus_factory  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ["freemail_brand_claim", "phone_not_official", "lookalike_domain"]
RULES = ["brand-domain-dmarc-fail", "callback-lure"]
BRANDS = ["microsoft", "norton", "paypal"]


def _load(name: str, path: Path) -> ModuleType:
    """Import a file that is not on sys.path (tools/ is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def dashboard_png() -> ModuleType:
    return _load("brandguard_tools_dashboard_png", ROOT / "tools" / "dashboard_png.py")


@pytest.fixture
def metrics() -> Metrics:
    m = Metrics(checks=CHECKS, rules=RULES, brands=BRANDS)
    m.policy_loaded("0123abcd", ok=True)
    return m


@pytest.fixture
def metrics_server(metrics: Metrics) -> Iterator[MetricsServer]:
    with MetricsServer(metrics, MetricsSettings(port=0), ready=lambda: True) as server:
        yield server
