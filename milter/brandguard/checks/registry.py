"""Explicit registry of checks: no package scanning, duplicate names refused."""
from __future__ import annotations

from typing import TypeVar

from brandguard.checks.base import Check

C = TypeVar("C", bound=type[Check])

_REGISTRY: dict[str, Check] = {}


def register(cls: C) -> C:
    """Class decorator: add one instance of `cls` under its name; a second name clash is an error."""
    name = cls.name
    if not name or not name.replace("_", "").isalnum() or name.lower() != name:
        raise ValueError(f"check name {name!r} must be snake_case")
    if name in _REGISTRY:
        raise ValueError(f"duplicate check name {name!r}")
    _REGISTRY[name] = cls()
    return cls


def get(name: str) -> Check:
    load_builtin()
    return _REGISTRY[name]


def names() -> list[str]:
    load_builtin()
    return sorted(_REGISTRY)


def all_checks() -> dict[str, Check]:
    load_builtin()
    return dict(_REGISTRY)


_loaded = False


def load_builtin() -> None:
    """Import the built-in check modules listed in checks/__init__.py (explicit, once)."""
    global _loaded
    if not _loaded:
        _loaded = True
        from brandguard import checks  # noqa: F401  (its __init__ imports every built-in check)

        checks.load()
