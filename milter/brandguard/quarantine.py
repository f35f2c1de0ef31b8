"""`brandguard quarantine`: list, show, release and delete the messages brandguard put on Postfix's hold queue."""
from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import re
import sys
import textwrap
import time
from typing import TYPE_CHECKING

from brandguard.errors import QuarantineError
from brandguard.holdqueue import QUEUE_ID, Held, PostfixQueue, clean

if TYPE_CHECKING:
    from brandguard.cli import Command, Subcommands

EXIT_OK, EXIT_FAIL = 0, 1
_DURATION = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _now() -> float:
    return time.time()  # one place for tests to move the clock


def parse_age(text: str) -> int:
    m = _DURATION.match(text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number and a unit, e.g. 90s, 30m, 2h, 1d, 1w")
    return int(m.group(1)) * _UNITS[m.group(2)]


def select(messages: list[Held], args: argparse.Namespace, now: float | None = None) -> list[Held]:
    """The `list` filters; every given filter must match."""
    now = _now() if now is None else now
    out = []
    for m in messages:
        if not (m.ours or args.all):
            continue
        if args.brand and not set(args.brand) & set(m.brands):
            continue
        if args.rule and not set(args.rule) & set(m.rules):
            continue
        if args.older_than is not None and now - m.arrival_time < args.older_than:
            continue
        if args.sender and args.sender.lower() not in m.sender.lower():
            continue
        if args.recipient and not any(args.recipient.lower() in r.lower() for r in m.recipients):
            continue
        out.append(m)
    return out


def format_row(m: Held) -> str:
    arrived = dt.datetime.fromtimestamp(m.arrival_time, dt.UTC).strftime("%Y-%m-%d %H:%M")
    score = f"{m.score:.2f}" if m.score is not None else "-"
    rcpts = m.recipients[0] + (f" +{len(m.recipients) - 1}" if len(m.recipients) > 1 else "") if m.recipients else "-"
    row = (f"{m.queue_id:<14} {arrived}  {score:>6}  {','.join(m.rules) or '-':<28} {','.join(m.brands) or '-':<14} "
           f"{m.sender or '<>'} -> {rcpts}  {m.subject[:60]!s}")
    return clean(row if m.ours else row + "  [not held by brandguard]")


def cmd_list(args: argparse.Namespace) -> int:
    held = PostfixQueue(args.config_dir).held()
    shown = sorted(select(held, args), key=lambda m: m.arrival_time)
    if args.json:
        for m in shown:
            print(json.dumps(m.record(), ensure_ascii=False))
        return EXIT_OK
    if shown:
        print(f"{'QUEUE ID':<14} {'ARRIVED (UTC)':<16}  {'SCORE':>6}  {'RULES':<28} {'BRANDS':<14} FROM -> TO  SUBJECT")
    for m in shown:
        print(format_row(m))
    others = sum(1 for m in held if not m.ours)
    note = f"; {others} other hold(s) not made by brandguard (--all shows them)" if others and not args.all else ""
    print(f"{len(shown)} held message(s){note}", file=sys.stderr)
    return EXIT_OK


def _find(queue: PostfixQueue, ids: list[str], allow_foreign: bool) -> tuple[list[Held], int]:
    """The held messages named by `ids`; every id that is not one is reported, and counted as a failure."""
    held = {m.queue_id: m for m in queue.held(only=set(ids))}
    found, failed = [], 0
    for qid in ids:
        m = held.get(qid) if QUEUE_ID.match(qid) else None
        if m is None:
            why = "no such message on the hold queue" if QUEUE_ID.match(qid) else "not a Postfix queue id"
        elif not (m.ours or allow_foreign):
            why = "held, but not by brandguard (add --all to act on it anyway)"
        else:
            found.append(m)
            continue
        failed += 1
        print(f"{clean(qid)}: {why}", file=sys.stderr)
    return found, failed


def cmd_show(args: argparse.Namespace) -> int:
    queue = PostfixQueue(args.config_dir)
    found, failed = _find(queue, [args.queue_id], allow_foreign=True)
    if failed:
        return EXIT_FAIL
    m = found[0]
    if args.json:
        print(json.dumps({**m.record(), "headers": m.headers}, ensure_ascii=False))
        return EXIT_OK
    text = queue.message(m.queue_id)
    if args.raw:
        sys.stdout.buffer.write(text.encode("utf-8", errors="surrogateescape"))
        return EXIT_OK
    r = m.record()
    for key in ("queue_id", "arrived", "size", "sender", "recipients", "subject", "verdict", "score", "rules",
                "brands"):
        cell = r[key]
        value = ", ".join(cell) if isinstance(cell, list) else cell
        print(clean(f"{key + ':':<12}{'-' if value in (None, '') else value}"))
    print("-" * 72)
    print(clean(text), end="")
    return EXIT_OK


def _act(args: argparse.Namespace, verb: str) -> int:
    queue = PostfixQueue(args.config_dir)
    found, failed = _find(queue, args.queue_ids, allow_foreign=args.all)
    done = []
    for m in found:
        try:
            queue.release(m.queue_id) if verb == "released" else queue.delete(m.queue_id)
            done.append(m)
        except QuarantineError as exc:
            failed += 1
            print(f"{m.queue_id}: {exc}", file=sys.stderr)
    # postsuper reports per-message results only to a terminal, so look at the queue instead.
    still_held = {q["queue_id"] for q in queue.entries("hold")} if done else set()
    for m in done:
        if m.queue_id in still_held:
            failed += 1
            print(f"{m.queue_id}: still on the hold queue after postsuper; see the Postfix mail log", file=sys.stderr)
        else:
            print(clean(f"{m.queue_id}: {verb} (from {m.sender or '<>'}, subject {m.subject[:60]!r})"))
            if verb == "released":
                _forget(m, args)
            days = (_now() - m.arrival_time) / 86400
            if verb == "released" and days > 3:
                # Mail on hold does not expire, but its age counts again once released.
                print(f"{m.queue_id}: held {days:.0f} days; near or past maximal_queue_lifetime (default 5d) a "
                      "temporary delivery failure bounces it", file=sys.stderr)
    return EXIT_FAIL if failed else EXIT_OK


def _forget(m: Held, args: argparse.Namespace) -> None:
    # a released message was no scam: what it taught the campaign memory goes, and it never teaches again
    from brandguard.campaign.cli import forget_released

    note = forget_released(m, args.config)
    if note:
        print(clean(note), file=sys.stderr)


def _guard(func: Command) -> Command:
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except QuarantineError as exc:
            print(f"brandguard quarantine: {exc}", file=sys.stderr)
            return EXIT_FAIL
    return run


_EPILOG = """\
Messages brandguard quarantines are on Postfix's hold queue, with the X-Brandguard-Verdict,
-Score, -Rules and -Brands headers it wrote (Postfix keeps no hold reason: the headers are the record).
Holds made by anything else (header_checks HOLD, other milters, postsuper -h) are left alone unless
--all is given. Run as root: postqueue, postcat and postsuper read and change the queue.

examples:
  brandguard quarantine list --recipient bob@example.com
  brandguard quarantine list --brand paypal --older-than 1d --json
  brandguard quarantine show 4F2A81C0B3
  brandguard quarantine release 4F2A81C0B3
  brandguard quarantine delete $(brandguard quarantine list --older-than 2w --json | jq -r .queue_id)

exit codes: 0 ok, 1 a Postfix command failed or an id is not a brandguard hold, 2 usage."""


def _wrap(text: str) -> str:
    return textwrap.fill(text, 100)


def add_parser(subparsers: Subcommands) -> argparse.ArgumentParser:
    """Add `quarantine` and its actions to brandguard's command line."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config-dir", "-C", default="/etc/postfix", metavar="DIR",
                        help="Postfix configuration directory, given to postqueue/postcat/postsuper as -c "
                             "(default: %(default)s). A non-default one must be listed in the default "
                             "main.cf's alternate_config_directories unless you are root")
    raw = argparse.RawDescriptionHelpFormatter
    q = subparsers.add_parser("quarantine", help="list, show, release or delete held messages",
                              description=_wrap("Work with the messages brandguard put on Postfix's hold queue."),
                              epilog=_EPILOG, formatter_class=raw)
    acts = q.add_subparsers(dest="quarantine_action", required=True, metavar="ACTION")

    ls = acts.add_parser("list", parents=[common], help="list held messages", epilog=_EPILOG,
                         formatter_class=raw, description=_wrap("List messages brandguard holds, oldest first, one per "
                         "line: queue id, arrival (UTC), score, rules, brands, envelope sender -> first recipient, "
                         "subject. Filters combine: a message is listed when it matches every filter given."))
    ls.add_argument("--json", action="store_true", help="one JSON object per message (queue_id, arrival_time, "
                    "arrived, size, sender, recipients, subject, brandguard, verdict, score, rules, brands)")
    ls.add_argument("--brand", action="append", metavar="B",
                    help="only messages claiming brand B (repeatable: any of them)")
    ls.add_argument("--rule", action="append", metavar="R",
                    help="only messages where rule or check R fired (repeatable: any of them)")
    ls.add_argument("--older-than", type=parse_age, metavar="AGE",
                    help="only messages held longer than AGE: 90s, 30m, 2h, 1d, 1w")
    ls.add_argument("--sender", metavar="TEXT", help="only envelope senders containing TEXT (case-insensitive)")
    ls.add_argument("--recipient", metavar="TEXT", help="only messages with a recipient containing TEXT")
    ls.add_argument("--all", action="store_true", help="also list holds brandguard did not make")
    ls.set_defaults(func=_guard(cmd_list))

    sh = acts.add_parser("show", parents=[common], help="show one held message", formatter_class=raw,
                         epilog=_EPILOG, description=_wrap("Print brandguard's verdict for a held message, then the message "
                                           "itself. Control characters are shown escaped (\\x1b): mail may be hostile."))
    sh.add_argument("queue_id", metavar="ID", help="Postfix queue id (from `list`)")
    out = sh.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="the verdict and all headers as one JSON object")
    out.add_argument("--raw", action="store_true", help="only the message, unescaped (to save it, or to pipe it "
                                                        "into `brandguard scan --explain -`)")
    sh.set_defaults(func=_guard(cmd_show))

    for name, verb, what in (("release", "released", "Release held messages: postsuper -H, then postqueue -i so "
                              "they are delivered now rather than at the next queue run. The message keeps its "
                              "X-Brandguard headers. To stop similar mail being held, see `brandguard allow`."),
                             ("delete", "deleted", "Delete held messages from the hold queue (postsuper -d ID "
                              "hold). This cannot be undone; `show --raw > file` keeps a copy.")):
        a = acts.add_parser(name, parents=[common], help=what.split(":")[0].split(" (")[0].lower(),
                            description=_wrap(what), epilog=_EPILOG, formatter_class=raw)
        a.add_argument("queue_ids", nargs="+", metavar="ID", help="Postfix queue ids (from `list`)")
        a.add_argument("--all", action="store_true", help="also act on holds brandguard did not make")
        a.add_argument("--config", "-c", help="brandguard settings (default: /etc/brandguard/settings.yaml if it "
                       "exists): `release` forgets what the message taught that campaign memory")
        a.set_defaults(func=_guard(functools.partial(_act, verb=verb)))
    return q
