"""The RFC 7208 SPF test suite (openspf.org, via pyspf's sdist) run through brandguard's SPF layer."""
from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from brandguard.auth.spf import check_host
from fixtures.dns import FakeResolver

SUITE = Path(__file__).resolve().parents[2] / "data" / "spf" / "rfc7208-tests.yml"

# Known failures, each with the reason; xfail_strict makes a fixed one fail the run.
KNOWN_FAILURES: dict[str, str] = {}


def _suite_zones(zonedata: dict) -> dict:
    """Zone data as the suite's own driver builds it: SPF-type records double as TXT if no TXT."""
    zones = {}
    for name, rrs in (zonedata or {}).items():
        entries, spf_as_txt, has_txt = [], [], False
        for rr in rrs:
            if rr == "TIMEOUT":
                entries.append(("TIMEOUT", None))
                continue
            ((rtype, value),) = rr.items()
            if rtype in ("TXT", "SPF"):
                value = "TIMEOUT" if value == "TIMEOUT" else tuple([value] if isinstance(value, str) else value)
                if rtype == "TXT":
                    has_txt = True
                else:
                    spf_as_txt.append(value)
            elif rtype == "MX":
                value = (int(value[0]), str(value[1]))
            if value != ("NONE",):
                entries.append((rtype, value))
        if not has_txt:
            entries += [("TXT", v) for v in spf_as_txt]
        zones[name] = entries
    return zones


def _cases() -> list:
    params = []
    for scenario in YAML(typ="safe", pure=True).load_all(SUITE.read_text(encoding="utf-8")):
        zones = _suite_zones(scenario.get("zonedata"))
        for case_id, case in sorted(scenario["tests"].items()):
            marks = [pytest.mark.xfail(reason=KNOWN_FAILURES[case_id], strict=True)] if case_id in KNOWN_FAILURES else []
            params.append(pytest.param(zones, case, id=case_id, marks=marks))
    return params


CASES = _cases()


def test_suite_is_complete():
    # the 2014.04 release plus the 2019.08 additions shipped in pyspf 2.0.14
    assert len(CASES) == 203


@pytest.mark.parametrize(("zones", "case"), CASES)
def test_rfc7208_case(zones, case):
    resolver = FakeResolver(zones)
    got = check_host(resolver, case["host"], case["mailfrom"], case["helo"],
                     receiver=case.get("receiver", ""), default_explanation="DEFAULT")
    expected = case["result"]
    allowed = expected if isinstance(expected, list) else [expected]
    assert got.result in allowed, f"{case.get('spec')}: {case.get('description', '')}"
    if "explanation" in case:
        assert got.explanation == case["explanation"]
