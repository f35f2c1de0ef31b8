"""Process set-up of `brandguard run`: glibc's malloc arenas are capped by the environment the unit sets."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_unit_and_make_run_cap_malloc_arenas() -> None:
    # glibc reads MALLOC_ARENA_MAX once, at process start: only the environment can set it (no ctypes)
    assert "Environment=MALLOC_ARENA_MAX=2" in (ROOT / "systemd" / "brandguard.service").read_text()
    assert "MALLOC_ARENA_MAX=$${MALLOC_ARENA_MAX:-2}" in (ROOT / "Makefile").read_text()
