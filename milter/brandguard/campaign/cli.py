"""`brandguard campaign`: confirm a scam, forget a message, list and count what the campaign memory holds."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from brandguard.errors import ConfigError, NotMailError, QuarantineError

if TYPE_CHECKING:
    from brandguard.app import App
    from brandguard.campaign.memory import CampaignMemory
    from brandguard.cli import Subcommands
    from brandguard.holdqueue import Held
    from brandguard.model import MessageContext

EXIT_OK, EXIT_FAIL = 0, 1
DEFAULT_SETTINGS = Path("/etc/brandguard/settings.yaml")


def _app(config: str | None) -> App:
    """The daemon's settings and policy, no DNS; the campaign memory opened for writing."""
    from brandguard.scan import build_scanner

    path = config or (str(DEFAULT_SETTINGS) if DEFAULT_SETTINGS.exists() else None)
    app = build_scanner(path, campaign="learn")
    if app.campaign is None:
        raise ConfigError(f"{path or 'the built-in settings'}: campaign memory is disabled (campaign: enabled: false)")
    return app


def _memory(app: App) -> CampaignMemory:
    assert app.campaign is not None  # _app() refuses a disabled memory
    return app.campaign


def _message(arg: str, config_dir: str, limit: int) -> tuple[MessageContext, str]:
    """(context, queue id or '') of a mail file, or of a message still on Postfix's queue."""
    from brandguard.holdqueue import QUEUE_ID, PostfixQueue
    from brandguard.mailfile import context_from_bytes

    path = Path(arg)
    if path.exists() or arg == "-" or not QUEUE_ID.match(arg):
        data = sys.stdin.buffer.read() if arg == "-" else path.read_bytes()
        return context_from_bytes(data, limit=limit), ""
    text = PostfixQueue(config_dir).message(arg)
    return context_from_bytes(text.encode("utf-8", "surrogateescape"), limit=limit), arg


def cmd_confirm(args: argparse.Namespace) -> int:
    from brandguard.campaign.memory import source_id
    from brandguard.content import extract
    from brandguard.content.mimeparse import mime_of

    app = _app(args.config)
    memory, policy, status = _memory(app), app.store.current, EXIT_OK
    for arg in args.messages:
        try:
            ctx, qid = _message(arg, args.config_dir, app.settings.body_scan_limit)
        except (OSError, NotMailError, QuarantineError) as exc:
            print(f"{arg}: {exc}", file=sys.stderr)
            status = EXIT_FAIL
            continue
        mime = mime_of(ctx)
        found = memory.indicators(extract(ctx, app.settings.content, None, mime), policy.catalogue)
        events = memory.teach(found, source_id(ctx), qid, sender=None)
        for ind, why in found.refused:
            print(f"{arg}: not learnt: {ind.kind} {ind.value} ({why})")
        if events.errors:
            print(f"{arg}: the campaign store ({memory.store.kind}) failed; nothing learnt (see the log)",
                  file=sys.stderr)
            status = EXIT_FAIL
            continue
        learnt = ", ".join(f"{i.kind} {i.value[:40]}" for i in found.items) or "nothing"
        print(f"{arg}: learnt as {source_id(ctx)}: {learnt}")
    return status


def cmd_forget(args: argparse.Namespace) -> int:
    from brandguard.campaign.memory import source_id
    from brandguard.holdqueue import QUEUE_ID

    app = _app(args.config)
    memory, status = _memory(app), EXIT_OK
    for arg in args.messages:
        try:
            ctx, qid = _message(arg, args.config_dir, app.settings.body_scan_limit)
            source = source_id(ctx)
        except (OSError, NotMailError, QuarantineError) as exc:
            if not QUEUE_ID.match(arg):
                print(f"{arg}: {exc}", file=sys.stderr)
                status = EXIT_FAIL
                continue
            source, qid = "", arg  # gone from the queue: what the milter learnt under its queue id
        n = memory.forget(source, qid)
        print(f"{arg}: forgot {n} indicator record(s) of {source or 'queue id ' + qid}")
    return status


def _store_exists(config: str | None) -> bool:
    from brandguard.settings import load_settings

    settings = load_settings(config or (str(DEFAULT_SETTINGS) if DEFAULT_SETTINGS.exists() else None))
    c = settings.campaign
    return c.enabled and (c.store_kind() == "redis" or c.sqlite_path(settings.state_dir).exists())


def forget_released(held: Held, config: str | None) -> str:
    """What `quarantine release` says after forgetting what a released message taught (its queue id and
    Message-ID name it; see source_id). Never raises: the release is done either way."""
    from brandguard.campaign.memory import source_id
    from brandguard.model import Envelope, MessageContext

    try:
        if not _store_exists(config):
            return ""  # nothing was ever learnt on this machine
        app = _app(config)
        ctx = MessageContext(Envelope(queue_id=held.queue_id), tuple(held.headers), b"")
        mid = source_id(ctx) if ctx.first_header("Message-ID") else ""
        n = _memory(app).forget(mid, held.queue_id)
    except Exception as exc:  # noqa: BLE001 - the message is released; the admin is told what was not forgotten
        return f"{held.queue_id}: campaign memory not updated ({type(exc).__name__}: {exc}); run " \
               f"`brandguard campaign forget {held.queue_id}`"
    return f"{held.queue_id}: campaign memory forgot {n} indicator record(s)" if n else ""


def _day(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M")


def cmd_list(args: argparse.Namespace) -> int:
    memory = _memory(_app(args.config))
    rows = memory.store.entries(memory.clock() - memory.ttl, args.kind, args.limit)
    for s in rows:
        if args.json:
            print(json.dumps({"kind": s.kind, "value": s.value, "count": s.count, "first_seen": _day(s.first_seen),
                              "last_seen": _day(s.last_seen), "source": s.source}, ensure_ascii=False))
        else:
            print(f"{s.kind:<11} {s.value[:72]:<72} {s.count:>5}  {_day(s.first_seen)}  {_day(s.last_seen)}  {s.source}")
    print(f"{len(rows)} indicator(s)", file=sys.stderr)
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    memory = _memory(_app(args.config))
    counts = memory.counts()
    info = {"store": memory.store.kind, "ttl_days": memory.settings.ttl_days, **counts}
    if args.json:
        print(json.dumps(info))
    else:
        for key, value in info.items():
            print(f"{key + ':':<12}{value}")
    return EXIT_OK


def add_parser(subparsers: Subcommands) -> argparse.ArgumentParser:
    """Add `campaign` and its actions to brandguard's command line."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", "-c", help=f"brandguard settings (default: {DEFAULT_SETTINGS} if it exists): "
                        "where the campaign memory is (campaign: store, state_dir)")
    queue = argparse.ArgumentParser(add_help=False)
    queue.add_argument("--config-dir", "-C", default="/etc/postfix", metavar="DIR",
                       help="Postfix configuration directory, for queue ids (default: %(default)s)")
    c = subparsers.add_parser("campaign", help="confirm, forget, list the campaign memory's indicators",
                              description="The campaign memory remembers the phone numbers, free-mail and Reply-To "
                              "addresses, link hosts, attachments and text fingerprints of confirmed scams, so that "
                              "the campaign's next variant is recognised (check campaign_match).")
    acts = c.add_subparsers(dest="campaign_action", required=True, metavar="ACTION")
    a = acts.add_parser("confirm", parents=[common, queue], help="teach the indicators of scams (files or queue ids); "
                        "official brand numbers and domains are never learnt")
    a.add_argument("messages", nargs="+", metavar="FILE|QUEUE_ID")
    a.set_defaults(func=cmd_confirm)
    f = acts.add_parser("forget", parents=[common, queue], help="remove what messages taught (files or queue ids); "
                        "they never teach again within the TTL")
    f.add_argument("messages", nargs="+", metavar="FILE|QUEUE_ID")
    f.set_defaults(func=cmd_forget)
    ls = acts.add_parser("list", parents=[common], help="indicators, most recently taught first: kind, value, "
                         "scams, first and last seen (UTC), latest message")
    ls.add_argument("--kind", choices=("phone", "address", "link_host", "attachment", "text_fuzzy"))
    ls.add_argument("--limit", type=int, default=1000)
    ls.add_argument("--json", action="store_true", help="one JSON object per indicator")
    ls.set_defaults(func=cmd_list)
    st = acts.add_parser("stats", parents=[common], help="indicators per kind and messages that taught them")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_stats)
    return c
