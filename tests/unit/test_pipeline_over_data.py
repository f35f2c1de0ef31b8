"""The offline pipeline (`brandguard scan`) over every mail file under tests/: a verdict, no exception, none degraded."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from brandguard.errors import NotMailError
from brandguard.scan import build_scanner, scan_bytes

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
MAIL_SUFFIXES = (".eml", ".msg", ".mbox")
FILES = sorted(p for p in TESTS.rglob("*") if p.suffix in MAIL_SUFFIXES and p.is_file())


# offline: no auth at all; authres: also parse the files' Authentication-Results as the golden tests do
# (the authres step reads hostile headers too)
@pytest.fixture(scope="module", params=[None, "mx.golden.test"], ids=["offline", "authres"])
def scanner(request):
    return build_scanner(policy=str(ROOT / "policies" / "default.yaml"), trust_authres=request.param)


@pytest.mark.parametrize("path", [pytest.param(p, id=str(p.relative_to(TESTS))) for p in FILES])
def test_scan_gives_a_whole_verdict(scanner, path, caplog):
    with caplog.at_level(logging.ERROR, logger="brandguard"):
        try:
            outcome = scan_bytes(scanner, path.read_bytes())
        except NotMailError:
            return  # a defined answer: some files under malformed/ are deliberately not mail
    # `degraded` names guarded steps (checks, extractors, auth methods) that raised: the verdict lacks their say
    degraded = getattr(outcome.verdict, "degraded", ())
    assert not degraded, f"judged without {degraded}; `brandguard scan --explain {path}`\n{caplog.text}"


def test_there_are_mail_files():
    # the data folders move now and then: an empty glob would make the test above vacuous
    assert len(FILES) >= 100 and any(p.parent.name == "golden" for p in FILES)
