"""pymilter owns the import names milter, Milter and mime: ours must not shadow them."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_milter_is_pymilters_extension():
    import milter

    assert hasattr(milter, "setconn") and hasattr(milter, "opensocket")
    assert not (ROOT / "milter" / "__init__.py").exists()


def test_brandguard_comes_from_the_source_root():
    import brandguard

    assert Path(brandguard.__file__).resolve().parent == ROOT / "milter" / "brandguard"


def test_no_module_named_like_pymilters():
    names = {p.stem for p in (ROOT / "milter").rglob("*.py")}
    assert not names & {"milter", "Milter", "mime"}
