"""Loader: every error at once with file:line, RE2 regexes, includes, expiry, check parameters."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from brandguard.errors import PolicyError
from brandguard.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[3]
HEAD = "version: 1\ncatalogue: {brands: [], freemail: null}\n"


def write(tmp_path, body: str, name: str = "policy.yaml") -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(HEAD + textwrap.dedent(body))
    return p


def test_every_error_reported_with_file_and_line(tmp_path):
    p = write(tmp_path, """\
        thresholds: {tag: 5, quarantine: 10, reject: 15}
        checks:
          message_structure: {weight: 1, colour: red}
          calback_lure: {weight: 3}
        rules:
          - id: bad-regex
            when: {header: Subject, matches: "(unclosed"}
            action: reject
          - id: typo
            when: {check: calback_lure}
            action: reject
          - id: no-action
            when: {header: Subject, exists: true}
    """)
    with pytest.raises(PolicyError) as err:
        load_policy(p)
    text = "\n".join(err.value.problems)
    assert f"{p}:14: rules[2]: Value error, a rule needs an action, a score or a cap" in text
    assert len(err.value.problems) == 1  # schema errors stop before semantic checks
    p.write_text(p.read_text().replace("  - id: no-action\n    when: {header: Subject, exists: true}\n", ""))
    with pytest.raises(PolicyError) as err:
        load_policy(p)
    text = "\n".join(err.value.problems)
    assert f"{p}:5: checks.message_structure.colour: unknown key" in text
    assert f"{p}:6: checks.calback_lure: unknown check" in text
    assert "invalid RE2 regex '(unclosed'" in text and f"{p}:9: rules[0] (bad-regex)" in text
    assert f"{p}:12: rules[1] (typo): unknown check 'calback_lure'" in text


def test_unknown_top_level_key_and_bad_threshold_order(tmp_path):
    p = write(tmp_path, "thresholds: {tag: 10, quarantine: 5, reject: 15}\nrulez: []\n")
    with pytest.raises(PolicyError) as err:
        load_policy(p)
    text = "\n".join(err.value.problems)
    assert f"{p}:3: thresholds: Value error, thresholds must satisfy" in text
    assert f"{p}:4: rulez: unknown key" in text


def test_yaml_syntax_error_names_line(tmp_path):
    p = tmp_path / "policy.yaml"
    p.write_text("version: 1\nrules: [\n  - id: x\n")
    with pytest.raises(PolicyError) as err:
        load_policy(p)
    assert err.value.problems[0].startswith(f"{p}:")
    assert "YAML syntax error" in err.value.problems[0]


def test_unsafe_yaml_tags_are_refused(tmp_path):
    p = tmp_path / "policy.yaml"
    p.write_text("version: 1\nmode: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(PolicyError):
        load_policy(p)


def test_includes_are_merged_and_expired_rules_dropped(tmp_path):
    p = write(tmp_path, 'include: ["local.d/*.yaml"]\n')
    (tmp_path / "local.d").mkdir()
    (tmp_path / "local.d" / "allow.yaml").write_text(textwrap.dedent("""\
        version: 1
        allow:
          - {sender_domain: [partner.example], brands: [norton], reason: "authorised reseller"}
        rules:
          - {id: old, when: {header: Subject, exists: true}, action: tag, expires: 2020-01-01}
          - {id: new, when: {header: Subject, exists: true}, action: tag}
    """))
    policy = load_policy(p, today=dt.date(2026, 1, 1))
    assert [r.id for r in policy.spec.rules] == ["new"]
    assert policy.spec.allow[0].reason == "authorised reseller"
    assert any("old expired" in w for w in policy.warnings)


def test_hash_changes_with_content(tmp_path):
    p = write(tmp_path, "thresholds: {tag: 5}\n")
    h1 = load_policy(p).hash
    p.write_text(p.read_text().replace("tag: 5", "tag: 6"))
    assert load_policy(p).hash != h1


def test_shipped_default_policy_loads():
    policy = load_policy(ROOT / "policies" / "default.yaml")
    assert policy.enabled_checks


def test_check_command_exits_2_listing_every_error(tmp_path):
    p = write(tmp_path, "checks: {nope: {}}\nmode: sometimes\n")
    proc = subprocess.run([sys.executable, "-m", "brandguard", "check", str(p)], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT / "milter")})
    assert proc.returncode == 2
    assert f"{p}:4: mode: Input should be 'enforce' or 'monitor'" in proc.stderr


@pytest.mark.parametrize("target, status, says", [
    pytest.param("policies", 0, "default.yaml: OK (policy", id="policy-directory"),
    pytest.param("policies/default.yaml", 0, "default.yaml: OK (policy", id="policy-file"),
    pytest.param("deploy/settings.dev.yaml", 0, "OK (settings", id="settings-file"),
    pytest.param("milter", 2, "a directory without default.yaml", id="directory-without-policy"),
])
def test_check_command_takes_a_directory_a_policy_or_settings(target, status, says, capsys):
    from brandguard.cli import main

    root = Path(__file__).resolve().parents[3]
    assert main(["check", str(root / target)]) == status
    captured = capsys.readouterr()
    assert says in captured.out + captured.err
