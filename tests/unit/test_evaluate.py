"""`brandguard eval` on a tiny labelled corpus, the target arithmetic, and the CI gate over its report."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import eval_gate
from brandguard import evaluate
from brandguard.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "evalcorpus"
POLICY = ROOT / "policies" / "default.yaml"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One eval over the synthetic corpus with two worker processes: exit status, stdout, JSON report, PNG."""
    out = tmp_path_factory.mktemp("eval")
    report, png = out / "deep" / "eval.json", out / "eval.png"
    import contextlib
    import io

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(["eval", "--labels", str(CORPUS / "labels.csv"), "--root", str(CORPUS), "--jobs", "2",
                       "--policy", str(POLICY), "--json", str(report), "--png", str(png)])
    return {"status": status, "stdout": stdout.getvalue(), "stderr": stderr.getvalue(),
            "report": json.loads(report.read_text()), "png": png}


def _row(report: dict, path: str) -> dict:
    return next(r for r in report["rows"] if r["path"] == path)


def test_eval_is_a_cli_command():
    args = build_parser().parse_args(["eval", "--labels", "l.csv", "--root", "."])
    assert args.func is evaluate.run and args.split == "dev" and args.jobs == 0


def test_every_dev_row_is_scanned_and_the_other_split_is_not(run):
    assert run["status"] == 1  # two files of the synthetic corpus cannot be scanned: they are error rows
    paths = {r["path"] for r in run["report"]["rows"]}
    assert "ham/held-back.eml" not in paths
    assert len(paths) == 7 and run["report"]["meta"]["files"] == 7


@pytest.mark.parametrize("path, action", [
    pytest.param("phish/callback-norton.eml", "quarantine", id="callback-quarantined"),
    pytest.param("phish/paypal-limited.eml", "quarantine", id="display-name-lure-quarantined"),
    pytest.param("phish/amazon-body-only.eml", "accept", id="body-mention-missed"),
    pytest.param("ham/list-post.eml", "accept", id="list-post-accepted"),
    pytest.param("vendor/paypal-receipt.eml", "accept", id="vendor-receipt-accepted"),
])
def test_rows_carry_the_pipeline_verdict(run, path, action):
    assert _row(run["report"], path)["action"] == action


@pytest.mark.parametrize("path, error", [
    pytest.param("phish/broken.eml", "NotMailError", id="not-mail"),
    pytest.param("phish/missing.eml", "FileNotFoundError", id="missing-file"),
])
def test_unscannable_files_are_error_rows(run, path, error):
    row = _row(run["report"], path)
    assert row["action"] == "error" and row["error"].startswith(error)


def test_report_lists_misses_with_a_reason_and_findings(run):
    misses = {r["path"]: r for r in run["report"]["misses"]}
    assert set(misses) == {"phish/amazon-body-only.eml", "phish/broken.eml", "phish/missing.eml"}
    assert misses["phish/amazon-body-only.eml"]["reason"].startswith("brand named only in the text")
    assert misses["phish/amazon-body-only.eml"]["top"][0].startswith("brand_claim/body[amazon]")
    assert run["report"]["miss_reasons"]["brand_impersonation"]["error: file not scanned"] == 2
    assert "phish/amazon-body-only.eml" in run["stdout"] and "brand named only in the text" in run["stdout"]


def test_report_has_label_rates_brands_and_targets(run):
    report = run["report"]
    assert report["labels"]["brand_callback"]["quarantine_frac"] == 1.0
    assert report["labels"]["ham:vendor"]["n"] == 1
    assert report["brands"]["paypal"] == {"n": 1, "tag": 1, "quarantine": 1, "vendor": True}
    targets = {t["id"]: t for t in report["targets"]}
    assert set(targets) == {t[0] for t in evaluate.TARGETS}
    assert targets["callback_quarantine"]["pass"] and targets["ham_tag"]["pass"]
    assert not targets["impersonation_tag"]["pass"]  # 1 of 4 impersonation files tagged or more
    assert targets["impersonation_tag"]["even_n"] + targets["impersonation_tag"]["odd_n"] == 4


def test_output_prints_confusion_targets_and_progress(run):
    out = run["stdout"]
    assert "brand_callback" in out and "quarantine" in out
    assert "PASS  callback_quarantine" in out and "FAIL  impersonation_tag" in out
    assert "scanning 7/7" in run["stderr"]


def test_png_is_drawn(run):
    assert run["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unreadable_labels_exit_1(tmp_path, capsys):
    assert main(["eval", "--labels", str(tmp_path / "none.csv"), "--root", str(tmp_path)]) == 1
    assert "cannot read labels" in capsys.readouterr().err


def _rows(label: str, actions: list[str], **extra) -> list[dict]:
    return [{"path": f"{label}/{i}-{a}.eml", "label": label, "brand": extra.get("brand", ""), "action": a,
             "vendor_mail": extra.get("vendor", False), "half": evaluate.half(f"{label}/{i}-{a}.eml")}
            for i, a in enumerate(actions)]


@pytest.mark.parametrize("rows, target, value, ok", [
    pytest.param(_rows("brand_callback", ["quarantine"] * 97 + ["tag"] * 3), "callback_quarantine", 0.97, True,
                 id="callback-at-threshold"),
    pytest.param(_rows("brand_callback", ["reject"] * 96 + ["error"] * 4), "callback_quarantine", 0.96, False,
                 id="errors-count-as-misses"),
    pytest.param(_rows("ham", ["accept"] * 999 + ["quarantine"]), "ham_quarantine", 0.001, True,
                 id="one-ham-in-a-thousand"),
    pytest.param(_rows("ham", ["accept"] * 99 + ["tag"]), "ham_tag", 0.01, False, id="ham-tagged-too-often"),
    pytest.param(_rows("ham", ["tag"], vendor=True) + _rows("ham", ["accept"] * 9), "vendor_mail_quarantine", 0.0,
                 True, id="vendor-tag-is-allowed"),
    pytest.param(_rows("brand_impersonation", ["tag"] * 19 + ["accept"], brand="norton"),
                 "vendor_impersonation_tag", 0.95, True, id="vendor-brands-only"),
])
def test_target_arithmetic(rows, target, value, ok):
    t = {t["id"]: t for t in evaluate.targets(rows, frozenset({"norton"}))}[target]
    assert t["value"] == pytest.approx(value) and t["pass"] is ok


def test_target_without_files_fails():
    t = {t["id"]: t for t in evaluate.targets(_rows("ham", ["accept"]), frozenset())}
    assert t["callback_quarantine"]["n"] == 0 and not t["callback_quarantine"]["pass"]


def test_halves_are_stable_and_balanced():
    paths = [f"phish/pp-sample-{i}.eml" for i in range(2000)]
    even = sum(evaluate.half(p) == "even" for p in paths)
    assert evaluate.half(paths[0]) == evaluate.half(paths[0]) and 900 < even < 1100


@pytest.mark.parametrize("edit, status, says", [
    pytest.param(lambda r: r, 1, "impersonation_tag", id="missed-target-named"),
    pytest.param(lambda r: r | {"targets": [t for t in r["targets"] if t["pass"]]}, 0, "targets met", id="all-met"),
    pytest.param(lambda r: r | {"targets": [t | {"pass": True} for t in r["targets"]]}, 1, "impersonation_tag",
                 id="pass-flag-is-not-trusted"),
    pytest.param(lambda r: r | {"targets": []}, 2, "no targets", id="empty-report"),
])
def test_gate(run, tmp_path, capsys, edit, status, says):
    path = tmp_path / "eval.json"
    path.write_text(json.dumps(edit(run["report"])))
    assert eval_gate.main([str(path)]) == status
    captured = capsys.readouterr()
    assert says in captured.out + captured.err


def test_internal_errors_are_their_own_row_and_fail_the_gate(run, tmp_path, capsys):
    errors = run["report"]["internal_errors"]
    assert errors["n"] == 0  # not-mail and missing files are error rows, not internal errors
    assert "internal errors (files where brandguard failed, wholly or in one step): 0" in run["stdout"]
    rows = [r | ({"degraded": ["pdf"]} if i == 0 else {}) for i, r in enumerate(run["report"]["rows"])]
    assert evaluate.internal_errors(rows)["steps"] == {"pdf": 1}
    report = run["report"] | {"targets": [t for t in run["report"]["targets"] if t["pass"]]}
    path = tmp_path / "eval.json"
    path.write_text(json.dumps(report | {"internal_errors": evaluate.internal_errors(rows)}))
    assert eval_gate.main([str(path)]) == 1
    assert "internal_errors: 1 file(s)" in capsys.readouterr().err
    path.write_text(json.dumps({k: v for k, v in report.items() if k != "internal_errors"}))
    assert eval_gate.main([str(path)]) == 1


def test_gate_without_report_exits_2(tmp_path, capsys):
    assert eval_gate.main([str(tmp_path / "absent.json")]) == 2
    assert "no usable report" in capsys.readouterr().err


def test_eval_diff_lists_moved_files(tmp_path, capsys):
    import eval_diff

    row = {"path": "phish/a.eml", "label": "brand_impersonation", "action": "accept", "rules": [], "checks": [],
           "brands": [], "score": 0.0, "ms": 1.0}
    moved = {**row, "action": "tag", "score": 5.0, "checks": ["own_domain_mismatch/offbrand_links"]}
    before, same, after = tmp_path / "b.json", tmp_path / "s.json", tmp_path / "a.json"
    before.write_text(json.dumps({"rows": [row]}))
    same.write_text(json.dumps({"rows": [row]}))
    after.write_text(json.dumps({"rows": [moved]}))
    assert eval_diff.main([str(before), str(same)]) == 0
    assert eval_diff.main([str(before), str(after)]) == 1
    out = capsys.readouterr().out
    assert "phish/a.eml [brand_impersonation]: action accept -> tag" in out and "1 files differ of 1" in out
