"""The commands the web process runs: the CLI's own, in the shape deploy/sudoers.d/brandguard-web allows."""
from __future__ import annotations

import fnmatch
import re
import subprocess
from pathlib import Path

import pytest

from brandguard.web.helper import CliQueue

ROOT = Path(__file__).resolve().parents[3]
CLI = "/usr/local/bin/brandguard"


def sudo_rules() -> dict[str, list[str]]:
    """Cmnd_Alias name -> command patterns, from the shipped sudoers file."""
    text = (ROOT / "deploy/sudoers.d/brandguard-web").read_text().replace("\\\n", " ")
    rules = {}
    for name, body in re.findall(r"^Cmnd_Alias (\w+) = (.*)$", text, re.M):
        rules[name] = [" ".join(p.split()) for p in body.split(",")]
    return rules


def permitted(argv: list[str]) -> bool:
    line = " ".join(argv)
    rules = sudo_rules()
    allowed = any(fnmatch.fnmatchcase(line, p) for p in rules["BG_QUEUE"] + rules["BG_ALLOW"])
    return allowed and not any(fnmatch.fnmatchcase(line, p) for p in rules["BG_WIDE"])


class Recorder:
    def __init__(self, stdout: bytes = b"", stderr: bytes = b"", rc: int = 0):
        self.argv: list[list[str]] = []
        self.result = (stdout, stderr, rc)

    def __call__(self, argv, **kwargs):
        self.argv.append(argv)
        out, err, rc = self.result
        return subprocess.CompletedProcess(argv, rc, out, err)


def queue(rec: Recorder) -> CliQueue:
    return CliQueue(["sudo", "-n"], [CLI], "/etc/postfix", "/etc/brandguard/settings.yaml", run=rec)


@pytest.mark.parametrize("call", [
    pytest.param(lambda q: q.held({}), id="list"),
    pytest.param(lambda q: q.held({"brand": "norton", "older_than": "1d", "recipient": "bob"}), id="list-filtered"),
    pytest.param(lambda q: q.record("ABCDEF0001"), id="show-json"),
    pytest.param(lambda q: q.raw("ABCDEF0001"), id="show-raw"),
    pytest.param(lambda q: q.act("release", ["ABCDEF0001", "ABCDEF0002"]), id="release"),
    pytest.param(lambda q: q.act("delete", ["ABCDEF0001"]), id="delete"),
    pytest.param(lambda q: q.allow("reseller.example", ["norton", "mcafee"], "reseller (by admin)"), id="allow"),
])
def test_every_command_is_one_sudo_allows(call):
    rec = Recorder()
    call(queue(rec))
    assert rec.argv and all(argv[:2] == ["sudo", "-n"] and permitted(argv[2:]) for argv in rec.argv), rec.argv


@pytest.mark.parametrize("argv", [
    pytest.param(f"{CLI} quarantine release --config-dir /etc/postfix --all ABCDEF0001", id="release-foreign"),
    pytest.param(f"{CLI} quarantine release --config-dir /etc/postfix ABCDEF0001 --al", id="abbreviated-all"),
    pytest.param(f"{CLI} quarantine release --config-dir /tmp/evil ABCDEF0001", id="other-postfix"),
    pytest.param(f"{CLI} allow --config /etc/brandguard/settings.yaml --sender-domain=x.example --reason=r "
                 "--pidfile /run/sshd.pid", id="allow-signals-a-pid"),
    pytest.param(f"{CLI} allow --config /etc/brandguard/settings.yaml --sender-domain=x.example --reason=r "
                 "--policy /tmp/p.yaml", id="allow-elsewhere"),
    pytest.param(f"{CLI} allow --config /etc/brandguard/settings.yaml --sender-domain=x.example --reason=r "
                 "--config /tmp/s.yaml", id="allow-second-config"),
    pytest.param(f"{CLI} allow --config /tmp/s.yaml --sender-domain=x.example --reason=r", id="allow-other-config"),
    pytest.param(f"{CLI} run --allow-root", id="run"),
])
def test_sudo_refuses_wider_commands(argv):
    assert not permitted(argv.split())


def test_option_like_values_stay_values():
    rec = Recorder()
    queue(rec).held({"sender": "--all", "recipient": "-x"})
    queue(rec).allow("x.example", [], "--pidfile=/run/sshd.pid")
    assert "--sender=--all" in rec.argv[0] and "--recipient=-x" in rec.argv[0]
    assert "--reason=--pidfile=/run/sshd.pid" in rec.argv[1]


def test_bad_ids_never_reach_the_command():
    rec = Recorder()
    assert queue(rec).act("release", ["ALL", "-", "../x"]) == [] and rec.argv == []
    assert queue(rec).record("ALL") is None and rec.argv == []


def test_release_results_per_id_from_the_clis_output():
    rec = Recorder(stdout=b"ABCDEF0001: released (from a@b, subject 'x')\n",
                   stderr=b"ABCDEF0002: no such message on the hold queue\n", rc=1)
    out = queue(rec).act("release", ["ABCDEF0001", "ABCDEF0002"])
    assert [(o.queue_id, o.ok, o.detail) for o in out] == [
        ("ABCDEF0001", True, "released"), ("ABCDEF0002", False, "no such message on the hold queue")]
