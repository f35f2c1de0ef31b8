"""Golden files: each tests/golden/<case>.eml → <case>.expected.json (action, brands, checks).

Regenerate after an intended change with `BRANDGUARD_REGEN_GOLDEN=1 make test-unit`, then review the diff.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from brandguard.scan import build_scanner, scan_bytes

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CASES = sorted(HERE.glob("*.eml"))
REGEN = os.environ.get("BRANDGUARD_REGEN_GOLDEN") == "1"


@pytest.fixture(scope="module")
def scanner():
    return build_scanner(policy=str(ROOT / "policies" / "default.yaml"), trust_authres="mx.golden.test")


def summary(outcome) -> dict:
    v = outcome.verdict
    return {
        "action": v.action.value,
        "brands": sorted(v.brands),
        "checks": sorted({f"{f.check}/{f.outcome}" for f in v.findings}),
    }


@pytest.mark.parametrize("case", [pytest.param(c, id=c.stem) for c in CASES])
def test_golden(scanner, case):
    got = summary(scan_bytes(scanner, case.read_bytes()))
    expected_file = case.with_suffix(".expected.json")
    if REGEN:
        expected_file.write_text(json.dumps(got, indent=2) + "\n")
    assert expected_file.exists(), f"no {expected_file.name}: run with BRANDGUARD_REGEN_GOLDEN=1 and review it"
    expected = json.loads(expected_file.read_text())
    assert got["action"] == expected["action"]
    assert got["brands"] == expected["brands"]
    assert set(expected["checks"]) <= set(got["checks"])


def test_there_are_golden_cases():
    assert len(CASES) >= 10
