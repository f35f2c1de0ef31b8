"""`brandguard allow`: the entry lands in local.d/allow.yaml, comments survive, bad policies are rolled back."""
from __future__ import annotations

import datetime as dt
import os
import signal
import threading
from pathlib import Path

import pytest

from brandguard import cli
from brandguard.policy.loader import load_policy
from fixtures.policies import make_policy_dir

# a month ahead: a run that crosses midnight between import and the command still sets a future date
LATER = (dt.date.today() + dt.timedelta(days=30)).isoformat()


@pytest.fixture
def policy(tmp_path) -> Path:
    """A copy of the shipped policies (default.yaml includes local.d/*.yaml)."""
    return make_policy_dir(tmp_path / "policies", markers=False)


def allow(policy: Path, *args: str) -> int:
    return cli.main(["allow", "--policy", str(policy), "--no-reload", *args])


def allow_file(policy: Path) -> Path:
    return policy.parent / "local.d" / "allow.yaml"


def test_first_entry_creates_the_file_and_takes_effect(policy, capsys):
    assert allow(policy, "--sender-domain", "Reseller.Example.", "--brand", "norton",
                 "--reason", "authorised Norton reseller") == 0
    out = capsys.readouterr().out
    assert "allowed reseller.example for norton: authorised Norton reseller" in out
    text = allow_file(policy).read_text()
    assert text.startswith("# Allow entries")
    assert "  - sender_domain: [reseller.example]\n    brands: [norton]\n" in text
    assert f"# added {dt.date.today()} by " in text
    entries = load_policy(policy).spec.allow
    assert [(e.sender_domain, e.brands, e.reason) for e in entries] == \
        [(["reseller.example"], ["norton"], "authorised Norton reseller")]


def test_comments_quotes_and_hand_edits_are_kept(policy):
    hand = ('# partners, reviewed quarterly by the mail team\nversion: 1\nallow:\n'
            '  # our MSP\n  - {sender_domain: [msp.example], brands: [microsoft], reason: "managed service provider"}\n')
    allow_file(policy).write_text(hand)
    assert allow(policy, "--sender-domain", "b.example", "--sender-domain", "a.example", "--reason", "partner",
                 "--expires", LATER) == 0
    text = allow_file(policy).read_text()
    assert text.startswith(hand)  # everything that was there, byte for byte
    assert "  - sender_domain: [a.example, b.example]\n    brands: all\n    reason: partner  # added" in text
    assert f"    expires: {LATER}\n" in text
    assert len(load_policy(policy).spec.allow) == 2


def test_an_equal_entry_is_not_added_twice(policy, capsys):
    for _ in range(2):
        assert allow(policy, "--sender-domain", "a.example", "--brand", "paypal", "--reason", "partner") == 0
    assert "already there; nothing changed" in capsys.readouterr().out
    assert len(load_policy(policy).spec.allow) == 1


def test_invalid_result_restores_the_file_and_exits_2(policy, capsys):
    before = "version: 1\n# keep me\nallow: []\n"
    allow_file(policy).write_text(before)
    assert allow(policy, "--sender-domain", "a.example", "--reason", "no") == 2  # reason: at least 3 characters
    err = capsys.readouterr().err
    assert f"{allow_file(policy)}:" in err and "allow[0].reason" in err
    assert allow_file(policy).read_text() == before


def test_invalid_first_entry_leaves_no_file_behind(tmp_path, capsys):
    policy = make_policy_dir(tmp_path / "p", markers=False)
    (policy.parent / "local.d" / "README").unlink()
    (policy.parent / "local.d").rmdir()
    assert allow(policy, "--sender-domain", "a.example", "--reason", "no") == 2
    assert not (policy.parent / "local.d").exists()


def test_policy_that_does_not_include_local_d_is_refused(policy, capsys):
    text = policy.read_text()
    policy.write_text("\n".join(line for line in text.splitlines() if not line.startswith("include:")) + "\n")
    assert allow(policy, "--sender-domain", "a.example", "--reason", "partner") == 2
    assert "does not include" in capsys.readouterr().err
    assert not allow_file(policy).exists()


def test_already_broken_policy_is_reported_and_untouched(policy, capsys):
    (policy.parent / "local.d" / "rules.yaml").write_text("version: 1\nrules:\n  - id: x\n    when: {bogus: 1}\n")
    assert allow(policy, "--sender-domain", "a.example", "--reason", "partner") == 2
    assert "rules.yaml:" in capsys.readouterr().err
    assert not allow_file(policy).exists()


def test_unknown_brand_suggests_the_right_id(policy, capsys):
    assert allow(policy, "--sender-domain", "a.example", "--brand", "nortn", "--reason", "partner") == 2
    assert "unknown brand 'nortn'; did you mean 'norton'?" in capsys.readouterr().err
    assert not allow_file(policy).exists()


@pytest.mark.parametrize("extra", [
    pytest.param(["--sender-domain", "alice@example.org"], id="address-not-domain"),
    pytest.param(["--sender-domain", "*.example.org"], id="wildcard"),
    pytest.param(["--sender-domain", "https://example.org/"], id="url"),
    pytest.param(["--sender-domain", "a.example", "--expires", "2020-01-01"], id="expiry-in-the-past"),
    pytest.param(["--sender-domain", "a.example", "--expires", "next week"], id="expiry-not-a-date"),
])
def test_bad_arguments_are_usage_errors(policy, capsys, extra):
    with pytest.raises(SystemExit) as exc:
        allow(policy, *extra, "--reason", "partner")
    assert exc.value.code == 2
    assert not allow_file(policy).exists()


def test_policy_found_through_the_settings_file(policy, tmp_path):
    settings = tmp_path / "settings.yaml"
    settings.write_text(f"policy: {policy}\n")
    assert cli.main(["allow", "--config", str(settings), "--no-reload", "--sender-domain", "a.example",
                     "--reason", "partner"]) == 0
    assert allow_file(policy).exists()


def test_pidfile_gets_sighup(policy, tmp_path, capsys):
    got = threading.Event()
    old = signal.signal(signal.SIGUSR1, lambda *_: got.set())
    try:
        pidfile = tmp_path / "brandguard.pid"
        pidfile.write_text(f"{os.getpid()}\n")
        assert cli.main(["allow", "--policy", str(policy), "--pidfile", str(pidfile), "--sender-domain", "a.example",
                         "--reason", "partner"]) == 0
        assert got.wait(10)
    finally:
        signal.signal(signal.SIGUSR1, old)
    assert f"SIGUSR1 to pid {os.getpid()}" in capsys.readouterr().out


def test_failed_reload_exits_1_but_keeps_the_valid_entry(policy, tmp_path, capsys):
    assert cli.main(["allow", "--policy", str(policy), "--pidfile", str(tmp_path / "missing.pid"),
                     "--sender-domain", "a.example", "--reason", "partner"]) == 1
    assert "could not signal the daemon" in capsys.readouterr().err
    assert len(load_policy(policy).spec.allow) == 1


def test_new_file_tells_the_operator_to_reload(policy, capsys):
    """The daemon's file watch does not cover an empty local.d: the output must not promise it."""
    assert allow(policy, "--sender-domain", "a.example", "--reason", "partner") == 0
    assert "send the daemon SIGUSR1" in capsys.readouterr().out
    assert allow(policy, "--sender-domain", "b.example", "--reason", "partner") == 0
    assert "notices changed policy files" in capsys.readouterr().out


def test_help_is_the_manual(capsys):
    with pytest.raises(SystemExit):
        cli.main(["allow", "--help"])
    out = capsys.readouterr().out
    for text in ("local.d/allow.yaml", "--sender-domain", "--expires", "SIGUSR1", "every few seconds", "exit codes:"):
        assert text in out
