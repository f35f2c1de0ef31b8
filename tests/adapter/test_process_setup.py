"""Process set-up of `brandguard run`: glibc's malloc arenas capped unless the admin chose a number."""
from __future__ import annotations

from brandguard.adapter.runner import cap_malloc_arenas


def test_malloc_arenas_capped_unless_the_admin_set_them(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert cap_malloc_arenas() is True  # glibc (Debian)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert cap_malloc_arenas() is False
