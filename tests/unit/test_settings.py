"""Settings: closed schema, errors with file:line:key, exit code 2, socket syntax."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from brandguard.errors import SettingsError
from brandguard.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_safe():
    s = Settings()
    assert s.on_error.value == "tempfail"
    assert s.milter.socket == "inet:127.0.0.1:8899"
    assert s.metrics.listen == "127.0.0.1"
    assert not s.allow_root


@pytest.mark.parametrize("socket, libmilter", [
    pytest.param("inet:127.0.0.1:8899", "inet:8899@127.0.0.1", id="inet"),
    pytest.param("inet:localhost:10025", "inet:10025@localhost", id="inet-name"),
    pytest.param("unix:/run/brandguard/milter.sock", "unix:/run/brandguard/milter.sock", id="unix"),
])
def test_socket_spelling_translated_for_libmilter(socket, libmilter):
    assert Settings(milter={"socket": socket}).milter.libmilter_socket() == libmilter


def test_errors_name_file_line_and_key(tmp_path):
    p = tmp_path / "settings.yaml"
    p.write_text("milter:\n  socket: tcp://nowhere\non_error: drop\nbody_scan_limit: 12\ncolour: red\n")
    with pytest.raises(SettingsError) as err:
        load_settings(p)
    text = "\n".join(err.value.problems)
    assert f"{p}:2: milter.socket: Value error, expected inet:HOST:PORT or unix:/absolute/path" in text
    assert f"{p}:3: on_error: Input should be 'tempfail' or 'accept'" in text
    assert f"{p}:4: body_scan_limit: Input should be greater than or equal to 1024" in text
    assert f"{p}:5: colour: unknown key" in text


def test_analysis_processes_auto_is_one_per_usable_core_and_the_default(tmp_path):
    import os

    cores = min(64, len(os.sched_getaffinity(0)))
    assert Settings().analysis_processes == cores
    p = tmp_path / "settings.yaml"
    p.write_text("analysis_processes: auto\n")
    assert load_settings(p).analysis_processes == cores
    p.write_text("analysis_processes: 0\n")  # the milter always analyses in separate processes
    with pytest.raises(SettingsError) as err:
        load_settings(p)
    assert err.value.problems == [f"{p}:1: analysis_processes: Input should be greater than or equal to 1"]
    assert {"const": "auto"} in Settings.model_json_schema()["properties"]["analysis_processes"]["anyOf"]


def test_removed_process_settings_name_their_replacement_with_the_other_errors(tmp_path):
    p = tmp_path / "settings.yaml"
    p.write_text("workers: 2\non_error: drop\nanalysis_concurrency: 1\n")
    with pytest.raises(SettingsError) as err:
        load_settings(p)
    assert err.value.problems == [
        f"{p}:1: workers: removed in 0.2: use analysis_processes (see docs/CONTRACTS.md)",
        f"{p}:2: on_error: Input should be 'tempfail' or 'accept'",
        f"{p}:3: analysis_concurrency: removed in 0.2: each analysis process takes one message at a time; "
        "use analysis_processes (see docs/CONTRACTS.md)",
    ]
    assert not {"workers", "analysis_concurrency"} & set(Settings.model_json_schema()["properties"])


def test_removed_setting_next_to_an_error_pydantic_cannot_rebuild_is_still_reported(tmp_path):
    # path_type errors once raised KeyError in the wrap validator that adds the removed settings' errors
    p = tmp_path / "settings.yaml"
    p.write_text("workers: 2\npolicy: [a, b]\n")
    with pytest.raises(SettingsError) as err:
        load_settings(p)
    assert err.value.problems[0] == f"{p}:1: workers: removed in 0.2: use analysis_processes (see docs/CONTRACTS.md)"
    assert err.value.problems[1].startswith(f"{p}:2: policy: Input is not a valid path")


def test_relative_policy_is_resolved_against_settings_file(tmp_path):
    p = tmp_path / "settings.yaml"
    p.write_text("policy: policies/default.yaml\n")
    assert load_settings(p).policy == tmp_path / "policies" / "default.yaml"


def test_run_with_bad_settings_exits_2_with_one_clear_message(tmp_path):
    p = tmp_path / "settings.yaml"
    p.write_text("on_error: maybe\n")
    proc = subprocess.run([sys.executable, "-m", "brandguard", "run", "--config", str(p)], capture_output=True,
                          text=True, env={"PYTHONPATH": str(ROOT / "milter")}, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"{p}:1: on_error: Input should be 'tempfail' or 'accept'"


def test_run_refuses_root_unless_allowed(tmp_path):
    import os

    if os.geteuid() != 0:
        pytest.fail("this suite runs as root (make test, CI)")
    proc = subprocess.run([sys.executable, "-m", "brandguard", "run"], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT / "milter")}, timeout=60)
    assert proc.returncode == 2
    assert "refusing to run as root" in proc.stderr
