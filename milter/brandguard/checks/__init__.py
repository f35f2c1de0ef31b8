"""Built-in named checks; each module registers its check class explicitly."""


def load() -> None:
    """Import every built-in check module; add new modules to this list."""
    import importlib

    for mod in _MODULES:
        importlib.import_module(f"brandguard.checks.{mod}")


_MODULES: list[str] = [
    "structure",
]
