"""`brandguard quarantine` on recorded postqueue -j / postcat output: parsing, filters, safety of ids and text."""
from __future__ import annotations

import json
import subprocess
from types import SimpleNamespace

import pytest

from brandguard import cli, quarantine
from brandguard.errors import QuarantineError
from brandguard.holdqueue import Held, PostfixQueue, clean, parse_headers, parse_postqueue_json
from brandguard.quarantine import parse_age, select

NOW = 1795978558 + 600  # ten minutes after the recorded arrivals
# Recorded from Postfix 3.7.11 (`postqueue -c DIR -j`): one object per line, every queue mixed.
POSTQUEUE_J = """\
{"queue_name": "hold", "queue_id": "C766F20C741", "arrival_time": 1795978558, "message_size": 391, "forced_expire": false, "sender": "alice@example.org", "recipients": [{"address": "bob@example.net"}]}
{"queue_name": "hold", "queue_id": "D1A2B3C4E5F", "arrival_time": 1795971358, "message_size": 1022, "forced_expire": false, "sender": "billing@paypa1-support.example", "recipients": [{"address": "carol@example.net"}, {"address": "dave@example.net"}]}
{"queue_name": "hold", "queue_id": "E00000000AA", "arrival_time": 1795978000, "message_size": 500, "forced_expire": false, "sender": "", "recipients": [{"address": "postmaster@example.net"}]}
{"queue_name": "deferred", "queue_id": "F0F0F0F0F0F", "arrival_time": 1795978100, "message_size": 800, "forced_expire": false, "sender": "x@example.org", "recipients": [{"address": "y@example.net", "delay_reason": "connect to 192.0.2.1[192.0.2.1]:25: Connection timed out"}]}
"""
# `postcat -c DIR -h -q ID`: without -e, the headers alone, exactly as queued (brandguard's are last).
POSTCAT_H = {
    "C766F20C741": """\
Received: from [127.0.0.1] (unknown [127.0.0.1])
\tby mx.brandguard.test (Postfix) with ESMTP id C766F20C741
\tfor <bob@example.net>; Sun, 29 Nov 2026 18:55:58 +0000 (UTC)
From: Alice <alice@example.org>
To: bob@example.net
Subject: BG-QUARANTINE x1
MIME-Version: 1.0
X-Brandguard-Verdict: quarantine
X-Brandguard-Score: 0.00
X-Brandguard-Rules: test-quarantine
""",
    "D1A2B3C4E5F": """\
From: "PayPal Billing" <billing@paypa1-support.example>
Subject: =?utf-8?q?Your_PayPal_renewal_=E2=80=93_call_us?= \x1b[2J
X-Brandguard-Verdict: quarantine
X-Brandguard-Score: 13.00
X-Brandguard-Rules: brand_claim,freemail_brand_claim,
 phone_not_official
X-Brandguard-Brands: paypal
""",
    "E00000000AA": """\
From: MAILER-DAEMON
Subject: held by header_checks
""",
}


def fake_postfix(calls: list, fail: dict | None = None, hold_after: set | None = None):
    """A subprocess.run stand-in answering postqueue/postcat/postsuper from the recordings."""
    state: dict[str, set] = {"released": set()}

    def run(argv, **kw):
        calls.append(argv)
        tool, args = argv[0], argv[3:]
        assert argv[1:3] == ["-c", "/srv/pf/etc"]
        rc, out, err = 0, b"", b""
        if tool in (fail or {}):
            rc, err = (fail or {})[tool]
        elif tool == "postqueue" and args == ["-j"]:
            # postsuper takes a message off the hold queue, unless the test says it stays (hold_after)
            gone = state["released"] - (hold_after or set())
            lines = [ln for ln in POSTQUEUE_J.splitlines() if json.loads(ln)["queue_id"] not in gone]
            out = ("\n".join(lines) + "\n").encode()
        elif tool == "postcat":
            out = POSTCAT_H[args[-1]].encode()
        elif tool == "postsuper":
            state["released"].add(args[1])
        return subprocess.CompletedProcess(argv, rc, out, err)
    return run


@pytest.fixture
def queue(monkeypatch):
    calls: list = []
    monkeypatch.setattr(subprocess, "run", fake_postfix(calls))
    return SimpleNamespace(calls=calls, q=PostfixQueue("/srv/pf/etc"))


def args(**kw):
    base = dict(all=False, brand=None, rule=None, older_than=None, sender=None, recipient=None)
    return SimpleNamespace(**{**base, **kw})


def test_only_the_hold_queue_is_read_with_headers(queue):
    held = {m.queue_id: m for m in queue.q.held()}
    assert set(held) == {"C766F20C741", "D1A2B3C4E5F", "E00000000AA"}
    pp = held["D1A2B3C4E5F"]
    assert pp.ours and pp.score == 13.0 and pp.brands == ["paypal"]
    assert pp.rules == ["brand_claim", "freemail_brand_claim", "phone_not_official"]  # folded header unfolded
    assert pp.subject.startswith("Your PayPal renewal – call us")  # RFC 2047 decoded
    assert pp.recipients == ["carol@example.net", "dave@example.net"]
    assert not held["E00000000AA"].ours and held["E00000000AA"].verdict is None
    assert ["postcat", "-c", "/srv/pf/etc", "-h", "-q", "C766F20C741"] in queue.calls


@pytest.mark.parametrize("verdict, ours", [
    pytest.param("quarantine", True, id="held"),
    pytest.param("accept (would-quarantine)", False, id="monitor-mode"),
    pytest.param("tag", False, id="tagged-then-held-by-something-else"),
    pytest.param(None, False, id="no-header"),
])
def test_only_a_quarantine_verdict_is_brandguards_hold(verdict, ours):
    headers = [("X-Brandguard-Verdict", verdict)] if verdict else []
    assert Held.from_queue({"queue_id": "ABCDEF1234"}, headers).ours is ours


@pytest.mark.parametrize("filters, expected", [
    pytest.param({}, {"C766F20C741", "D1A2B3C4E5F"}, id="default-hides-foreign"),
    pytest.param({"all": True}, {"C766F20C741", "D1A2B3C4E5F", "E00000000AA"}, id="all"),
    pytest.param({"brand": ["paypal", "norton"]}, {"D1A2B3C4E5F"}, id="brand-any-of"),
    pytest.param({"rule": ["test-quarantine"]}, {"C766F20C741"}, id="rule"),
    pytest.param({"older_than": 3600}, {"D1A2B3C4E5F"}, id="older-than"),
    pytest.param({"recipient": "DAVE@"}, {"D1A2B3C4E5F"}, id="recipient-case-insensitive"),
    pytest.param({"sender": "alice", "rule": ["brand_claim"]}, set(), id="filters-combine"),
])
def test_list_filters(queue, filters, expected):
    assert {m.queue_id for m in select(queue.q.held(), args(**filters), now=NOW)} == expected


@pytest.mark.parametrize("text, seconds", [
    pytest.param("90s", 90, id="s"), pytest.param("30m", 1800, id="m"), pytest.param("2h", 7200, id="h"),
    pytest.param("1d", 86400, id="d"), pytest.param("2w", 1209600, id="w"),
])
def test_ages(text, seconds):
    assert parse_age(text) == seconds


@pytest.mark.parametrize("text", [pytest.param(t, id=t or "empty") for t in ("", "2", "h", "1.5h", "-1h", "2 hours")])
def test_bad_ages_are_usage_errors(text, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["quarantine", "list", "--older-than", text])
    assert exc.value.code == 2


def test_headers_parse_and_unfold():
    assert parse_headers("A: 1\nB: two\n  lines\n\nBody: not a header\n") == [("A", "1"), ("B", "two lines")]


def test_bad_postqueue_output_is_a_quarantine_error():
    with pytest.raises(QuarantineError):
        parse_postqueue_json("postqueue: fatal: not json\n")


def test_hostile_text_cannot_reach_the_terminal():
    assert clean("Hi \x1b[2J\x07 there\udce9") == "Hi \\x1b[2J\\x07 there\\xe9"
    assert clean("invoice\u202egpj.exe") == "invoice\\u202egpj.exe"  # a bidi override would show "exe.jpg"
    assert clean("Ünïcödé – ok\ttab") == "Ünïcödé – ok\ttab"


def test_list_text_and_json(queue, capsys):
    assert cli.main(["quarantine", "list", "--config-dir", "/srv/pf/etc"]) == 0
    out, err = capsys.readouterr()
    rows = out.splitlines()
    assert rows[0].startswith("QUEUE ID") and len(rows) == 3
    assert rows[1].startswith("D1A2B3C4E5F")  # oldest first
    assert "\x1b" not in out and "\\x1b[2J" in out
    assert "2 held message(s); 1 other hold(s) not made by brandguard" in err
    assert cli.main(["quarantine", "list", "--json", "--all", "--config-dir", "/srv/pf/etc"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["queue_id"]: r["brandguard"] for r in records} == {"C766F20C741": True, "D1A2B3C4E5F": True,
                                                                   "E00000000AA": False}
    assert set(records[0]) == {"queue_id", "arrival_time", "arrived", "size", "sender", "recipients", "subject",
                               "brandguard", "verdict", "score", "rules", "brands"}


def test_release_runs_postsuper_then_postqueue_i(queue, capsys):
    assert cli.main(["quarantine", "release", "C766F20C741", "--config-dir", "/srv/pf/etc"]) == 0
    acts = [c for c in queue.calls if c[0] == "postsuper" or c[3:4] == ["-i"]]
    assert acts == [["postsuper", "-c", "/srv/pf/etc", "-H", "C766F20C741"],
                    ["postqueue", "-c", "/srv/pf/etc", "-i", "C766F20C741"]]
    assert capsys.readouterr().out.startswith("C766F20C741: released (from alice@example.org")


def test_delete_only_touches_the_hold_queue(queue):
    assert cli.main(["quarantine", "delete", "D1A2B3C4E5F", "--config-dir", "/srv/pf/etc"]) == 0
    assert ["postsuper", "-c", "/srv/pf/etc", "-d", "D1A2B3C4E5F", "hold"] in queue.calls


@pytest.mark.parametrize("ids, flags, message", [
    pytest.param(["ALL"], [], "not a Postfix queue id", id="postsuper-wildcard"),
    pytest.param(["-"], [], "not a Postfix queue id", id="dash-reads-stdin"),
    pytest.param(["C766F20C741; rm"], [], "not a Postfix queue id", id="shell-junk"),
    pytest.param(["F0F0F0F0F0F"], [], "no such message on the hold queue", id="deferred-not-held"),
    pytest.param(["E00000000AA"], [], "not by brandguard", id="foreign-hold"),
])
def test_refused_ids_never_reach_postsuper(queue, capsys, ids, flags, message):
    for action in ("release", "delete"):
        assert cli.main(["quarantine", action, *ids, *flags, "--config-dir", "/srv/pf/etc"]) == 1
        assert message in capsys.readouterr().err
    assert not [c for c in queue.calls if c[0] == "postsuper"]


def test_foreign_hold_with_all_is_released(queue):
    assert cli.main(["quarantine", "release", "--all", "E00000000AA", "--config-dir", "/srv/pf/etc"]) == 0


def test_only_the_named_messages_are_read(queue):
    assert cli.main(["quarantine", "release", "C766F20C741", "--config-dir", "/srv/pf/etc"]) == 0
    assert [c[-1] for c in queue.calls if c[0] == "postcat"] == ["C766F20C741"]


@pytest.mark.parametrize("days_later, warned", [pytest.param(1, False, id="fresh"), pytest.param(4, True, id="old")])
def test_releasing_an_old_hold_warns_about_expiry(queue, capsys, monkeypatch, days_later, warned):
    monkeypatch.setattr(quarantine, "_now", lambda: 1795978558 + days_later * 86400)
    assert cli.main(["quarantine", "release", "C766F20C741", "--config-dir", "/srv/pf/etc"]) == 0
    assert ("maximal_queue_lifetime" in capsys.readouterr().err) is warned


def test_a_message_still_held_after_postsuper_is_a_failure(monkeypatch, capsys):
    calls: list = []
    monkeypatch.setattr(subprocess, "run", fake_postfix(calls, hold_after={"C766F20C741"}))
    assert cli.main(["quarantine", "release", "C766F20C741", "--config-dir", "/srv/pf/etc"]) == 1
    assert "still on the hold queue" in capsys.readouterr().err


@pytest.mark.parametrize("fail, message", [
    pytest.param((69, b""), "no message; see the Postfix mail log", id="silent-when-not-a-tty"),
    pytest.param((1, b"postqueue: fatal: open /etc/postfix/main.cf: No such file"), "open /etc/postfix/main.cf",
                 id="stderr-passed-on"),
])
def test_postfix_failures_are_reported_not_raised(monkeypatch, capsys, fail, message):
    monkeypatch.setattr(subprocess, "run", fake_postfix([], fail={"postqueue": fail}))
    assert cli.main(["quarantine", "list", "--config-dir", "/srv/pf/etc"]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_postfix_is_reported(monkeypatch, capsys):
    def run(argv, **kw):
        raise FileNotFoundError(argv[0])
    monkeypatch.setattr(subprocess, "run", run)
    assert cli.main(["quarantine", "list"]) == 1
    assert "postqueue not found" in capsys.readouterr().err


def test_show_escapes_and_raw_does_not(queue, monkeypatch, capsys):
    monkeypatch.setitem(POSTCAT_H, "D1A2B3C4E5F", POSTCAT_H["D1A2B3C4E5F"] + "\nCall \x1b]0;pwned\x07 now\n")
    assert cli.main(["quarantine", "show", "D1A2B3C4E5F", "--config-dir", "/srv/pf/etc"]) == 0
    out = capsys.readouterr().out
    assert "brands:     paypal" in out and "score:      13.0" in out
    assert "\x1b" not in out and "\\x1b]0;pwned\\x07" in out
    assert cli.main(["quarantine", "show", "--raw", "D1A2B3C4E5F", "--config-dir", "/srv/pf/etc"]) == 0
    assert "\x1b]0;pwned\x07" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    pytest.param(["quarantine", "--help"], id="quarantine"),
    pytest.param(["quarantine", "list", "--help"], id="list"),
    pytest.param(["quarantine", "release", "--help"], id="release"),
])
def test_help_is_the_manual(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "exit codes:" in out and "root" in out
