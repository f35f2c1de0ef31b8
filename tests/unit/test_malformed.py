"""Malformed mail catalogue: each case gets a defined verdict from the scan pipeline within settings' limits."""
from __future__ import annotations

import importlib.util
import multiprocessing
import os
import signal
import traceback
import tracemalloc
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from brandguard import content
from brandguard.errors import NotMailError
from brandguard.mailfile import context_from_bytes
from brandguard.model import Action
from brandguard.scan import build_scanner
from faults.harness import all_checks_policy, known_bug, offline_scanner, unsafe_written_values

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "tests" / "data" / "malformed"
POLICY = ROOT / "policies" / "default.yaml"
ACTIONS = {a.value for a in Action}

_spec = importlib.util.spec_from_file_location("make_catalogue", CATALOGUE / "make_catalogue.py")
make_catalogue = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_catalogue)

# No header line survives: scan reports "not mail" (exit 1) rather than inventing a verdict.
NOT_MAIL = {"header-continuation-first"}

# Findings of message_structure that the case must produce (the composition-attack basics).
EXPECTED_OUTCOMES = {
    "from-absent": {"no_from"},
    "from-twice": {"multiple_from"},
    "from-10k": {"multiple_from"},
    "from-two-addresses": {"multiple_addresses"},
    "from-empty": {"unparseable_from"},
    "from-group-empty": {"unparseable_from"},
    "from-deep-comments": {"unparseable_from"},
    "encoded-word-in-from-address": {"unparseable_from"},
    "boundary-missing-close": {"mime_defects"},
    "boundary-never-used": {"mime_defects"},
    "boundary-param-absent": {"mime_defects"},
    "multipart-close-only": {"mime_defects"},
    "transfer-encoding-on-multipart": {"mime_defects"},
}


def _files() -> list:
    return [pytest.param(p.name, id=p.stem, marks=_marks(p.stem)) for p in sorted(CATALOGUE.glob("*.eml"))]


def _generated() -> list:
    return [pytest.param(name, id=name, marks=[pytest.mark.slow, *_marks(name)]) for name in make_catalogue.NAMES]


def _marks(name: str) -> list:
    return known_bug(name, "scan")


def _load(name: str) -> tuple[str, bytes]:
    if name.endswith(".eml"):
        return name[:-4], (CATALOGUE / name).read_bytes()
    return name, make_catalogue.generate(name)


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    """The shipped default policy as `scan` runs it, and every check on with auth over offline DNS."""
    return {
        "default": build_scanner(policy=str(POLICY)),
        "all-checks": offline_scanner(all_checks_policy(tmp_path_factory.mktemp("policy"))),
    }


class Hang(BaseException):  # BaseException: the `except Exception` around parsers must not swallow it
    """The case ran past the hang guard: a multiple of the settings' per-message time budget."""


@contextmanager
def hang_guard(seconds: float):
    """Turn a hang into a failure with a traceback showing where it hung (not a timing assertion)."""
    def _raise(*_):
        raise Hang(f"still running after {seconds:.0f}s (2 x message_time_budget)")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def memory_limit(settings) -> int:
    """Generous peak for analysing one message: a multiple of the body the milter keeps for analysis.

    100 x body_scan_limit (200 MB by default) covers the parsed copies of the body, content
    extraction up to ContentSettings' byte limits and pypdf's own inflate cap for PDF bombs.
    Measured as traced Python allocations for the catalogue files and as resident-set growth
    (everything, C libraries included) for the generated giants.
    """
    return 100 * settings.body_scan_limit


@contextmanager
def traced_peak(out: dict):
    tracemalloc.start()
    try:
        yield
    finally:
        out["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def _check_case(apps, name: str, data: bytes) -> None:
    settings = apps["default"].settings
    with hang_guard(2 * settings.message_time_budget):
        try:
            ctx = context_from_bytes(data, limit=settings.body_scan_limit)
        except NotMailError:
            assert name in NOT_MAIL, f"{name}: scan refused it as not mail"
            return
        assert name not in NOT_MAIL, f"{name}: expected NotMailError"
        assert len(ctx.body) <= settings.body_scan_limit
        for label, app in apps.items():
            fresh = replace(ctx)  # each app parses for itself
            peaks: dict = {}
            with traced_peak(peaks):
                outcome = app.process(fresh)
            _check_outcome(f"{name} [{label}]", outcome, peaks["peak"], app.settings)
            if label == "default":
                _check_structure(name, outcome)


def _check_structure(name: str, outcome) -> None:
    outcomes = {f.outcome for f in outcome.verdict.findings if f.check == "message_structure"}
    assert EXPECTED_OUTCOMES.get(name, set()) <= outcomes, f"{name}: structure findings {sorted(outcomes)}"


def _check_outcome(what: str, outcome, peak: int, settings) -> None:
    verdict = outcome.verdict
    assert verdict.action.value in ACTIONS
    assert outcome.plan.result in {"accept", "reject"}, f"{what}: plan {outcome.plan.result} (budget tempfail?)"
    # The between-stages budget fallback is the settings' own bounded-time answer; the watchdog's hard
    # deadline means one stage ran away and still burns a thread after the answer: not bounded.
    assert verdict.error in ("", "budget"), f"{what}: fallback verdict {verdict.error}: {verdict.reason}"
    assert "hard deadline" not in verdict.reason, f"{what}: a stage ran past the hard deadline"
    assert not unsafe_written_values(outcome.plan), f"{what}: CR/LF/NUL in a value brandguard writes"
    limit = memory_limit(settings)
    assert peak <= limit, f"{what}: peak {peak >> 20} MB > {limit >> 20} MB"


def _rss(field: str) -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) * 1024 for line in fh if line.startswith(field + ":"))


def _child(app, name: str, data: bytes, conn) -> None:
    """In a forked process: analyse one giant; send back the outcome and how far resident memory grew."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset VmHWM: the peak from here on is this message's
        base = _rss("VmRSS")
        ctx = context_from_bytes(data, limit=app.settings.body_scan_limit)
        outcome = app.process(ctx)
        conn.send({"outcome": outcome, "growth": _rss("VmHWM") - base, "body": len(ctx.body)})
    except BaseException:  # the parent turns it into the test failure, traceback included
        conn.send({"error": traceback.format_exc()})
    finally:
        conn.close()
        os._exit(0)  # no pytest teardown in the child; a runaway analysis thread dies with it


def _check_isolated(app, name: str, data: bytes) -> None:
    """Giants run in a forked child: real RSS (C allocations too), and a hang cannot outlive its test."""
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(app, name, data, send))
    proc.start()
    send.close()
    guard = 2 * app.settings.message_time_budget
    try:
        if not recv.poll(guard):
            raise Hang(f"{name}: still running after {guard:.0f}s (2 x message_time_budget)")
        result = recv.recv()
    finally:
        proc.kill()
        proc.join()
    assert "error" not in result, f"{name} raised in the pipeline:\n{result.get('error')}"
    assert result["body"] <= app.settings.body_scan_limit
    print(f"{name}: {len(data) >> 10} KB -> {result['outcome'].verdict.action.value}, "
          f"resident memory grew {result['growth'] >> 20} MB")
    _check_outcome(name, result["outcome"], result["growth"], app.settings)
    _check_structure(name, result["outcome"])


@pytest.mark.parametrize("name", _files())
def test_catalogue_file_gets_a_defined_verdict(apps, name):
    stem, data = _load(name)
    _check_case(apps, stem, data)


@pytest.mark.parametrize("name", _generated())
def test_generated_giant_gets_a_defined_verdict(apps, name):
    stem, data = _load(name)
    _check_isolated(apps["default"], stem, data)


def test_catalogue_is_large_enough():
    assert len(list(CATALOGUE.glob("*.eml"))) >= 50
    assert {"body-50mb", "parts-1000", "nested-100", "huge-header-512k", "pdf-bomb"} <= set(make_catalogue.NAMES)


def test_context_memory_is_bounded_by_input_for_the_50mb_body():
    """scan reads whole files: building the context may copy the input, but not more than a few times."""
    data = make_catalogue.generate("body-50mb")
    peaks: dict = {}
    with traced_peak(peaks):
        ctx = context_from_bytes(data, limit=2_000_000)
    assert ctx.body_truncated and len(ctx.body) == 2_000_000
    assert peaks["peak"] <= 4 * len(data)


@pytest.mark.slow
@pytest.mark.parametrize("name, defect", [
    pytest.param("parts-1000", "too_many_parts", id="parts-1000"),
    pytest.param("nested-100", "too_deep", id="nested-100"),
    pytest.param("rfc822-nested-100", "too_deep", id="rfc822-nested-100"),
    pytest.param("pdf-pages-5000", "pdf_pages_truncated", id="pdf-pages-5000"),
    pytest.param("docx-bomb", "docx_too_large", id="docx-bomb"),
])
def test_content_limits_from_settings_hold(apps, name, defect):
    settings = apps["default"].settings.content
    ctx = context_from_bytes(make_catalogue.generate(name), limit=apps["default"].settings.body_scan_limit)
    extracted = content.extract(ctx, settings)
    assert defect in extracted.defects
    assert extracted.counters.parts <= settings.max_parts
    assert all(len(t.text) <= settings.max_text_chars for t in extracted.texts)
