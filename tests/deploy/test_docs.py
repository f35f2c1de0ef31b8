"""The generated references (policy schema, metrics) are committed up to date: `make docs` rewrites them."""
from __future__ import annotations

from pathlib import Path

import pytest

import gen_docs

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("rel", [pytest.param(r, id=r) for r in gen_docs.OUTPUTS])
def test_generated_reference_is_current(rel):
    assert (ROOT / rel).read_text() == gen_docs.OUTPUTS[rel](), f"{rel} is stale: run `make docs`"


def test_policy_reference_lists_every_check_and_rule_key():
    from brandguard.checks import registry

    text = (ROOT / "docs" / "policy-reference.md").read_text()
    assert all(f"### `{name}`" in text for name in registry.names())
    assert "| `sample_percent` |" in text and "| `expires` |" in text
