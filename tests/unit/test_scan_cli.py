"""`brandguard scan`: JSON lines, explanations, and error records for files that are not mail."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scan(e2e_policy):
    return lambda *args: _scan(e2e_policy, *args)


def _scan(policy, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "brandguard", "scan", "--policy", str(policy), *args],
                          capture_output=True, text=True, env={"PYTHONPATH": str(ROOT / "milter")}, timeout=120)


def test_json_lines_have_the_documented_fields(tmp_path, scan):
    good = tmp_path / "good.eml"
    good.write_bytes(b"From: a@example.org\r\nTo: b@example.net\r\nSubject: BG-REJECT hi\r\n\r\nhello\r\n")
    notmail = tmp_path / "notmail.bin"
    notmail.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    proc = scan("--json", str(good), str(notmail), str(tmp_path / "missing.eml"))
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 1  # some files could not be scanned
    assert {"file", "action", "score", "rules", "brands", "findings"} <= set(records[0])
    assert records[0]["action"] == "reject" and records[0]["rules"] == ["test-reject"]
    assert records[1] == {"file": str(notmail), "error": "NotMailError", "message": records[1]["message"]}
    assert records[2]["error"] == "FileNotFoundError"
    assert "Traceback" not in proc.stderr


def test_explain_prints_findings_and_rules(tmp_path, scan):
    f = tmp_path / "two-from.eml"
    f.write_bytes(b"From: a@example.org\r\nFrom: b@example.org\r\nSubject: BG-TAG x\r\n\r\nhello\r\n")
    proc = scan("--explain", str(f))
    assert proc.returncode == 0, proc.stderr
    assert "finding message_structure/multiple_from in from: 2 From headers" in proc.stdout
    assert "rule test-tag: +0 -> tag (enforce)" in proc.stdout


def test_explain_and_json_say_who_is_claimed_and_who_sent_it():
    shop = ROOT / "tests" / "golden" / "ham-retailer-receipt-mcafee-licence.eml"
    run = [sys.executable, "-m", "brandguard", "scan"]
    env = {"PYTHONPATH": str(ROOT / "milter")}
    explained = subprocess.run([*run, "--explain", str(shop)], capture_output=True, text=True, env=env, timeout=120)
    assert 'attribution: claimed mcafee (body)' in explained.stdout
    assert 'sender speaks as itself ("OfficeWorld")' in explained.stdout
    record = json.loads(subprocess.run([*run, "--json", str(shop)], capture_output=True, text=True, env=env,
                                       timeout=120).stdout)
    assert record["attribution"].startswith("claimed mcafee (body)")


def test_an_internal_error_yields_a_record_and_the_batch_goes_on(tmp_path, e2e_policy, monkeypatch, capsys):
    from brandguard import scan as scan_module
    from brandguard.cli import main

    real = scan_module.scan_bytes

    def flaky(app, data: bytes):
        if b"BOOM" in data:
            raise RuntimeError("injected internal error")
        return real(app, data)

    monkeypatch.setattr(scan_module, "scan_bytes", flaky)
    files = []
    for i, subject in enumerate(["first", "BOOM", "third"]):
        f = tmp_path / f"{i}.eml"
        f.write_bytes(f"From: a@example.org\r\nTo: b@example.net\r\nSubject: {subject}\r\n\r\nhello\r\n".encode())
        files.append(str(f))
    assert main(["scan", "--json", "--policy", str(e2e_policy), *files]) == 1
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r.get("action") for r in records] == ["accept", None, "accept"]
    assert records[1] == {"file": files[1], "error": "RuntimeError", "message": "injected internal error"}
