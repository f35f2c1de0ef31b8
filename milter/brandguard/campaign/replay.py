"""`brandguard eval --replay`: the corpus in Date order through an empty campaign memory that learns as the milter
would, compared with the same corpus judged without it (recall gained, ham hurt)."""
from __future__ import annotations

import argparse
import email.utils
import sys
import tempfile
import time
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import TextIO

from brandguard.evalreport import RANK, Row, reached

Item = tuple[str, str, str, str]  # root, path, label, brand (as evaluate's workers take them)
HEAD_BYTES = 65536


def date_of(path: Path) -> float:
    """The Date header as Unix time; 0 (first) when missing or unreadable."""
    try:
        with open(path, "rb") as fh:
            value = BytesHeaderParser().parsebytes(fh.read(HEAD_BYTES)).get("Date")
        return email.utils.parsedate_to_datetime(str(value)).timestamp() if value else 0.0
    except (OSError, ValueError, TypeError, IndexError):
        return 0.0


def in_date_order(work: list[Item]) -> list[tuple[float, Item]]:
    return sorted(((date_of(Path(item[0]) / item[1]), item) for item in work), key=lambda x: (x[0], x[1][1]))


def with_memory(args: argparse.Namespace, work: list[Item]) -> tuple[list[Row], dict[str, int]]:
    """Every item in Date order through one scanner whose campaign memory starts empty and learns from its
    own verdicts; the memory's clock is the message's Date, so the TTL is counted in the corpus's time."""
    from brandguard import evaluate
    from brandguard.campaign.memory import CampaignMemory
    from brandguard.campaign.store import SQLiteStore
    from brandguard.scan import build_scanner

    app = build_scanner(args.config, args.policy, trust_authres=args.trust_authres)
    settings = app.settings.campaign.model_copy(update={"fuzzy_refresh_seconds": 0.0, "enabled": True,
                                                         "learn": True})
    now = [0.0]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="brandguard-replay-") as tmp:
        memory = CampaignMemory(settings, SQLiteStore(Path(tmp) / "campaign.sqlite", timeout=5.0),
                                clock=lambda: now[0])
        app.pipeline.campaign = memory
        evaluate.use_scanner(app)
        ordered = in_date_order(work)
        start = time.monotonic()
        for i, (date, item) in enumerate(ordered, 1):
            now[0] = date or now[0]
            rows.append(evaluate.scan_row(item))
            if i % 50 == 0 or i == len(ordered):
                print(f"\rreplaying {i}/{len(ordered)} with campaign memory ({time.monotonic() - start:.0f}s)",
                      end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        stats = memory.store.stats(0.0)  # everything taught, whatever the last message's Date
        memory.close()
    return sorted(rows, key=lambda r: r["path"]), stats


def compare(without: list[Row], with_: list[Row], stats: dict[str, int], out: TextIO | None = None) -> int:
    """Print the gain per label and every ham message the memory made worse; returns the number of those."""
    def p(*parts: object) -> None:
        print(*parts, file=out or sys.stdout)

    before = {r["path"]: r for r in without}
    p("\ncampaign memory replay (Date order, empty store, learning from its own verdicts):")
    p(f"  {'label':<22}{'n':>6}   {'tag+ without':>13} {'with':>7}   {'quarantine+ without':>20} {'with':>7}")
    for label in sorted({r["label"] for r in with_}):
        rows = [r for r in with_ if r["label"] == label]
        n = len(rows)
        cells = []
        for action in ("tag", "quarantine"):
            a = sum(reached(before[r["path"]], action) for r in rows)
            b = sum(reached(r, action) for r in rows)
            cells.append(f"{a:>6} {a / max(1, n):>6.1%} {b:>7} ({b - a:+d})")
        p(f"  {label:<22}{n:>6}   {cells[0]:<22}   {cells[1]}")
    hurt = [r for r in with_ if r["label"] == "ham" and RANK[r["action"]] > RANK[before[r["path"]]["action"]]]
    gained = [r for r in with_ if r["label"] != "ham" and RANK[r["action"]] > RANK[before[r["path"]]["action"]]]
    outcomes = Counter(c for r in with_ for c in r.get("checks", []) if c.startswith("campaign_match/"))
    p(f"  campaign_match findings: {sum(outcomes.values())} " + (str(dict(outcomes.most_common())) if outcomes else ""))
    touched = [r for r in with_ if r["label"] == "ham" and any(c.startswith("campaign_match/") for c in r.get("checks", []))]
    p(f"  store at the end (indicators within the TTL of the last Date): {stats}")
    p(f"  ham with a campaign_match finding: {len(touched)} " + " ".join(r["path"] for r in touched[:10]))
    # a lure that crossed into tag or quarantine first: those are the recall gained
    gained.sort(key=lambda r: (RANK[before[r["path"]]["action"]] >= RANK["quarantine"], r["path"]))
    p(f"  lures judged more severely: {len(gained)}")
    for r in gained[:40]:
        p(f"    {before[r['path']]['action']:>10} -> {r['action']:<10} {r['path']} [{r['brand']}]")
    p(f"  ham hurt (judged more severely with the memory): {len(hurt)}")
    for r in hurt:
        evidence = [t for t in r.get("top", []) if t.startswith("campaign_match")]
        p(f"    {before[r['path']]['action']:>10} -> {r['action']:<10} {r['path']}  {' | '.join(evidence)}")
    return len(hurt)


def replay(args: argparse.Namespace, work: list[Item], without: list[Row]) -> int:
    """The replay pass after eval's ordinary one (`without`); status 1 when any ham was hurt."""
    rows, stats = with_memory(args, work)
    return 1 if compare(without, rows, stats) else 0
