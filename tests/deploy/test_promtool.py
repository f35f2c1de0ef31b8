"""promtool validates the alerting rules, runs their unit tests and checks the example config."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PROM_DIR = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool") or "/usr/bin/promtool"
    if not Path(path).exists():
        pytest.fail("promtool is missing: install the Debian 'prometheus' package")
    return path


def run(promtool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool, *args], cwd=PROM_DIR, capture_output=True, text=True, timeout=60)


def test_check_rules(promtool):
    result = run(promtool, "check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 8 rules found" in result.stdout


def test_rule_unit_tests_pass(promtool):
    result = run(promtool, "test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_rule_unit_tests_detect_a_wrong_expectation(promtool, tmp_path):
    """Guards against a test file that passes vacuously."""
    shutil.copy(PROM_DIR / "alerts.yml", tmp_path / "alerts.yml")
    text = (PROM_DIR / "alerts_test.yml").read_text().replace("fails on 10% of", "fails on 11% of")
    (tmp_path / "alerts_test.yml").write_text(text)
    result = subprocess.run([promtool, "test", "rules", "alerts_test.yml"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "BrandguardHighErrorRate" in result.stdout + result.stderr


def test_example_config_is_valid(promtool):
    result = run(promtool, "check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
