"""`brandguard eval`: the offline pipeline over a labelled corpus; per-label rates, targets, misses, JSON and PNG."""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import signal
import sys
import time
from collections import Counter
from multiprocessing import Pool
from pathlib import Path
from typing import TYPE_CHECKING

from brandguard.evalreport import ACTIONS, RANK, BrandRate, InternalErrors, Report, Row, Target, plot, reached, render

if TYPE_CHECKING:
    from brandguard.app import App
    from brandguard.cli import Subcommands
    from brandguard.policy.catalogue import Catalogue

LURES = {"callback_lure", "payment_lure", "credential_lure", "remote_access_lure", "reward_lure", "action_lure"}
# (id, group, at least this action, op, threshold); groups are defined in _groups()
TARGETS = (
    ("callback_quarantine", "brand_callback", "quarantine", ">=", 0.97),
    ("vendor_impersonation_tag", "impersonation_vendor", "tag", ">=", 0.95),
    ("vendor_impersonation_quarantine", "impersonation_vendor", "quarantine", ">=", 0.85),
    ("impersonation_tag", "brand_impersonation", "tag", ">=", 0.80),
    ("impersonation_quarantine", "brand_impersonation", "quarantine", ">=", 0.60),
    ("ham_quarantine", "ham", "quarantine", "<=", 0.001),
    ("ham_tag", "ham", "tag", "<=", 0.005),
    ("vendor_mail_quarantine", "ham_vendor", "quarantine", "<=", 0.0),
)
_EN = re.compile(r"\b(?:the|and|your|you|to|of|is|for|this|we|please|account)\b", re.I)

_APP: App | None = None  # one scanner per worker process


def _app() -> App:
    if _APP is None:
        raise RuntimeError("eval worker used before _init() built its scanner")
    return _APP


def _init(config: str | None, policy: str | None, trust: str | None) -> None:
    global _APP
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from brandguard.scan import build_scanner

    _APP = build_scanner(config, policy, trust_authres=trust)


def use_scanner(app: App) -> None:
    """Scan with `app` in this process (eval --replay, whose campaign memory needs one process, in order)."""
    global _APP
    _APP = app


def scan_row(item: tuple[str, str, str, str]) -> Row:
    """One labelled (root, path, label, brand) → a row, with the scanner of this process."""
    return _scan(item)


def _scan(item: tuple[str, str, str, str]) -> Row:
    """One labelled file → a row; anything that goes wrong is an error row, never an exception."""
    from brandguard.scan import scan_bytes

    root, path, label, brand = item
    row: Row = {"path": path, "label": label, "brand": brand, "half": half(path), "vendor_mail": path.startswith("vendor/")}
    try:
        data = (Path(root) / path).read_bytes()
        outcome = scan_bytes(_app(), data)
    except Exception as exc:  # noqa: BLE001 - unreadable or unparseable mail is a result, not a crash
        from brandguard.errors import NotMailError

        return row | {"action": "error", "score": 0.0, "brands": [], "checks": [], "top": [], "degraded": [],
                      "error": f"{type(exc).__name__}: {str(exc)[:160]}", "reason": "error: file not scanned",
                      "internal_error": not isinstance(exc, (OSError, NotMailError))}
    v = outcome.verdict
    weight = {h.id: h.score for h in v.hits}
    ranked = sorted(v.findings, key=lambda f: -weight.get(f.check, 0.0))
    row |= {"action": v.action.value, "score": v.score, "brands": list(v.brands), "rules": list(v.rule_ids),
            "checks": sorted({f"{f.check}/{f.outcome}" for f in v.findings}),
            "top": [f"{f.check}/{f.outcome}" + (f"[{f.brand}]" if f.brand else "") + f": {f.evidence[:100]}"
                    for f in ranked[:4]], "ms": round(outcome.seconds * 1000, 1), "degraded": list(v.degraded)}
    if label != "ham" and RANK[row["action"]] < 2:
        try:
            row["reason"] = _reason(row, data)
        except Exception as exc:  # noqa: BLE001 - the diagnosis is a convenience; the verdict is what counts
            row["reason"] = f"not diagnosed ({type(exc).__name__})"
    return row


def _reason(row: Row, data: bytes) -> str:
    """Why a lure was not quarantined, by heuristic, so that misses can be read by category."""
    from brandguard import content
    from brandguard.checks._lexicon import FORWARD_SUBJECT
    from brandguard.mailfile import context_from_bytes

    app = _app()
    cat = app.store.current.catalogue
    settings = app.settings.content
    ctx = context_from_bytes(data, limit=app.settings.body_scan_limit)
    # without OCR: the question is what the message shows as text
    c = content.extract(ctx, settings.model_copy(update={"ocr": settings.ocr.model_copy(update={"enabled": False})}))
    text = " ".join(t.text for t in c.texts)
    checks = {x.split("/")[0] for x in row["checks"]}
    lang = " (non-English text)" if len(_EN.findall(text)) < max(3, len(text.split()) // 40) else ""
    own = [d for d in (c.from_domain, c.return_path_domain) if d and not cat.is_freemail(d) and cat.sender_brands(d)]
    if own:
        return "From or Return-Path is a catalogued brand's own domain: a spoof only SPF/DKIM/DMARC can tell offline"
    if c.forwarded_from and FORWARD_SUBJECT.match(c.subject):
        return "forwarded by a person (Fw:/ENC:): the original sender's headers and authentication are gone"
    if any(cat.sender_brands(a.rsplit("@", 1)[-1]) for a in c.forwarded_from):
        return "inside a forward of mail from a brand's own domain: only the original's DMARC could tell"
    if len(text.split()) < 12:
        images = any(a.content_type.startswith("image/") or a.content_type == "application/pdf" for a in c.attachments)
        return ("text only in an attached image or scanned PDF (OCR read no brand)" if images
                else "no readable text: remote images or an empty body")
    if row["brand"] and row["brand"] not in cat.brands:
        return "brand not in the catalogue"
    if not row["brands"]:
        return "brand not named where checks look" + lang
    if not any(x.startswith(("brand_claim/display_name", "brand_claim/subject")) for x in row["checks"]):
        return "brand named only in the text, without a lure and a kit's tell-tale together" + lang
    if not checks & LURES:
        return "brand in display name or subject, no lure recognised" + lang
    return "brand and lure found, score below threshold"


def half(path: str) -> str:
    """A stable split of the corpus for tuning on one half and checking on the other."""
    return "even" if hashlib.sha256(path.encode()).digest()[0] % 2 == 0 else "odd"


def _groups(row: Row, vendors: frozenset[str]) -> set[str]:
    out = {row["label"]}
    if row["label"] == "brand_impersonation" and row["brand"] in vendors:
        out.add("impersonation_vendor")
    if row["label"] == "ham" and row["vendor_mail"]:
        out.add("ham_vendor")
    return out


def targets(rows: list[Row], vendors: frozenset[str]) -> list[Target]:
    out = []
    for tid, group, action, op, threshold in TARGETS:
        entry: Target = {"id": tid, "group": group, "action": f"{action} or more", "op": op, "threshold": threshold}
        for part in ("all", "even", "odd"):
            members = [r for r in rows if group in _groups(r, vendors) and part in ("all", r["half"])]
            hits = sum(reached(r, action) for r in members)
            value = hits / len(members) if members else 0.0
            ok = bool(members) and (value >= threshold if op == ">=" else value <= threshold)
            key = "" if part == "all" else f"{part}_"
            entry |= {f"{key}n": len(members), f"{key}hits": hits, f"{key}value": round(value, 5), f"{key}pass": ok}
        out.append(entry)
    return out


def vendor_brands(catalogue: Catalogue) -> frozenset[str]:
    """Ids of the brands defined in the catalogue's 10-vendors.yaml (the tech-support vendors)."""
    return frozenset(b.id for b in catalogue.brands.values() if "10-vendors" in b.source)


def summarise(rows: list[Row], vendors: frozenset[str]) -> Report:
    labels: dict[str, dict[str, float]] = {}
    for name, members in [(lab, [r for r in rows if r["label"] == lab]) for lab in sorted({r["label"] for r in rows})] + [
            ("ham:vendor", [r for r in rows if r["vendor_mail"]])]:
        count = Counter(r["action"] for r in members)
        labels[name] = {"n": len(members), **{a: count[a] for a in ACTIONS},
                        **{f"{a}_frac": round(count[a] / max(1, len(members)), 4) for a in ACTIONS}}
    brands: dict[str, BrandRate] = {}
    for r in rows:
        if r["label"] != "ham" and r["brand"]:
            b = brands.setdefault(r["brand"], {"n": 0, "tag": 0, "quarantine": 0, "vendor": r["brand"] in vendors})
            b["n"] += 1
            b["tag"] += reached(r, "tag")
            b["quarantine"] += reached(r, "quarantine")
    for v in vendors - set(brands):
        brands[v] = {"n": 0, "tag": 0, "quarantine": 0, "vendor": True}  # listed, so a gap in the corpus shows
    fps = [r for r in rows if r["label"] == "ham" and reached(r, "tag")]
    misses = [r for r in rows if (r["label"] == "brand_callback" and not reached(r, "quarantine"))
              or (r["label"] == "brand_impersonation" and not reached(r, "tag"))]
    reasons = {lab: Counter(r["reason"] for r in rows if r["label"] == lab and "reason" in r)
               for lab in ("brand_callback", "brand_impersonation")}
    return {"labels": labels, "brands": brands, "targets": targets(rows, vendors), "false_positives": fps,
            "misses": misses, "miss_reasons": {k: dict(v.most_common()) for k, v in reasons.items()},
            "internal_errors": internal_errors(rows)}


def internal_errors(rows: list[Row]) -> InternalErrors:
    """Files on which brandguard itself failed: an exception outside every guarded step, or a guarded step
    (check, extractor, auth method) that raised. Not-mail and unreadable files are not counted here."""
    bad = [r for r in rows if r.get("internal_error") or r.get("degraded")]
    steps = Counter(step for r in bad for step in r.get("degraded") or ["pipeline"])
    return {"n": len(bad), "steps": dict(steps.most_common()),
            "files": [{"path": r["path"], "error": r.get("error", ""), "degraded": r.get("degraded", [])}
                      for r in bad[:50]]}


def read_labels(path: Path, split: str) -> list[tuple[str, str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [(r["path"], r["label"], r.get("brand", "")) for r in rows if split == "all" or r.get("split") == split]


def run(args: argparse.Namespace) -> int:
    from brandguard.scan import build_scanner

    try:
        items = read_labels(Path(args.labels), args.split)
    except (OSError, KeyError, csv.Error) as exc:
        print(f"brandguard eval: cannot read labels {args.labels}: {exc}", file=sys.stderr)
        return 1
    if not items:
        print(f"brandguard eval: no files of split {args.split!r} in {args.labels}", file=sys.stderr)
        return 1
    app = build_scanner(args.config, args.policy, trust_authres=args.trust_authres)  # validates the policy first
    policy = app.store.current
    jobs = max(1, args.jobs or os.cpu_count() or 1)
    start, rows = time.monotonic(), list[Row]()
    work = [(str(args.root), p, lab, b) for p, lab, b in items]
    with Pool(jobs, initializer=_init, initargs=(args.config, args.policy, args.trust_authres)) as pool:
        last = 0.0
        for row in pool.imap_unordered(_scan, work, chunksize=4):
            rows.append(row)
            now = time.monotonic()
            if now - last > 0.2 or len(rows) == len(work):
                last = now
                print(f"\rscanning {len(rows)}/{len(work)} ({now - start:.0f}s)", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    rows.sort(key=lambda r: r["path"])
    report = summarise(rows, vendor_brands(policy.catalogue))
    report["meta"] = {"files": len(rows), "split": args.split, "jobs": jobs, "seconds": round(time.monotonic() - start, 1),
                      "policy": str(app.settings.policy), "policy_hash": policy.hash, "trust_authres": args.trust_authres}
    render(report)
    replay_status = 0
    if args.replay:
        from brandguard.campaign.replay import replay

        replay_status = replay(args, work, rows)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report | {"rows": rows}, indent=1, ensure_ascii=False))
    if args.png:
        plot(rows, policy.spec.thresholds, Path(args.png))
    # every file gets a row; the status says whether any of them is an error row
    return 1 if report["internal_errors"]["n"] or any(r["action"] == "error" for r in rows) or replay_status else 0


def add_parser(subparsers: Subcommands) -> None:
    e = subparsers.add_parser("eval", help="measure detection on a labelled corpus (offline)",
                              description="Scan every file of a labelled corpus with the offline pipeline on all cores; "
                                          "print rates per label and brand, targets, false positives and misses.")
    e.add_argument("--labels", required=True, help="CSV with columns source, path, split, label, brand, note")
    e.add_argument("--root", required=True, help="folder the CSV's paths are relative to")
    e.add_argument("--json", metavar="OUT", help="write the full report (targets, rows) as JSON")
    e.add_argument("--png", metavar="OUT", help="draw score distributions per label")
    e.add_argument("--jobs", type=int, default=0, help="worker processes (default: every core)")
    e.add_argument("--split", default="dev", help="rows of this split only ('all' for every row)")
    e.add_argument("--policy", help="policy file (default: settings' policy, else the shipped default)")
    e.add_argument("--config", "-c", help="settings YAML")
    e.add_argument("--trust-authres", metavar="ID", help="take SPF/DKIM/DMARC from Authentication-Results of this "
                                                         "authserv-id (default: none, as offline)")
    e.add_argument("--replay", action="store_true", help="then replay the corpus in Date order through an empty "
                   "campaign memory that learns from its own verdicts, and print recall gained and ham hurt "
                   "(status 1 when any ham is judged more severely)")
    e.set_defaults(func=run)
