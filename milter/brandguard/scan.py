"""`brandguard scan`: the milter's pipeline over mail files, as text, JSON lines or an explanation."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from brandguard.errors import NotMailError
from brandguard.mailfile import context_from_bytes
from brandguard.pipeline import Outcome

if TYPE_CHECKING:
    from brandguard.app import App

log = logging.getLogger("brandguard")


def build_scanner(config: str | None = None, policy: str | None = None, *, dns: bool = False,
                  trust_authres: str | None = None, campaign: Literal["off", "read_only", "learn"] = "off") -> App:
    """An App configured for offline scanning (shared by scan, eval and the golden tests)."""
    from brandguard.app import App
    from brandguard.settings import load_settings

    settings = load_settings(config)
    if policy:
        settings = settings.model_copy(update={"policy": Path(policy).resolve()})
    return App(settings, with_dns=dns, trust_authres=trust_authres, campaign=campaign)


def scan_bytes(app: App, data: bytes) -> Outcome:
    ctx = context_from_bytes(data, limit=app.settings.body_scan_limit)
    return app.process(ctx)


def outcome_record(name: str, outcome: Outcome) -> dict[str, object]:
    v = outcome.verdict
    return {
        "file": name,
        "action": v.action.value,
        "would_action": v.would_action.value if v.would_action else None,
        "score": v.score,
        "rules": list(v.rule_ids),
        "brands": list(v.brands),
        "findings": [{"check": f.check, "outcome": f.outcome, "brand": f.brand, "where": f.where,
                      "evidence": f.evidence} for f in v.findings],
        "auth": {"spf": outcome.auth.spf.result, "dkim": [s.result for s in outcome.auth.dkim],
                 "dmarc": outcome.auth.dmarc.result, "arc": outcome.auth.arc.result},
        "reply": f"{v.reply.code} {v.reply.xcode} {v.reply.text}" if v.reply else None,
        "degraded": list(v.degraded),
        "attribution": outcome.attribution,
        "ms": round(outcome.seconds * 1000, 2),
    }


def explain(name: str, outcome: Outcome, weights: dict[str, float]) -> str:
    v = outcome.verdict
    lines = [f"{name}: {v.action.value}" + (f" (would {v.would_action.value})" if v.would_action else "")
             + f", score {v.score:.2f}"]
    a = outcome.auth
    lines.append(f"  auth: spf={a.spf.result} dkim={','.join(s.result for s in a.dkim) or 'none'} "
                 f"dmarc={a.dmarc.result} arc={a.arc.result}")
    if outcome.attribution:
        lines.append(f"  attribution: {outcome.attribution}")
    for f in v.findings:
        brand = f" [{f.brand}]" if f.brand else ""
        lines.append(f"  finding {f.check}/{f.outcome}{brand} in {f.where or '-'}: {f.evidence}")
    for h in v.hits:
        act = f" -> {h.action.value}" if h.action else ""
        lines.append(f"  rule {h.id}: +{h.score:g}{act} ({h.mode.value})")
    if v.reply:
        lines.append(f"  reply: {v.reply.code} {v.reply.xcode} {v.reply.text}")
    if v.reason:
        lines.append(f"  reason: {v.reason}")
    if v.degraded:
        lines.append(f"  degraded: judged without {', '.join(v.degraded)} (raised; see the log)")
    return "\n".join(lines)


def error_record(name: str, exc: BaseException) -> dict[str, str]:
    """What a file that could not be scanned yields instead of a verdict."""
    msg = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return {"file": name, "error": type(exc).__name__, "message": msg[:500]}


def scan_main(args: argparse.Namespace) -> int:
    # with the daemon's settings, the daemon's campaign memory is consulted, never taught
    app = build_scanner(args.config, args.policy, dns=args.dns, trust_authres=args.trust_authres,
                        campaign="read_only" if args.config else "off")
    weights = {n: p.weight for n, p in app.store.current.check_params.items()}
    status = 0
    for name in args.files:
        try:
            data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
            outcome = scan_bytes(app, data)
        except (OSError, NotMailError) as exc:
            status = 1
            _print_error(args, error_record(name, exc))
            continue
        except Exception as exc:  # noqa: BLE001 - one file's internal error must not cost the rest of the batch
            status = 1
            log.error("%s: internal error", name, exc_info=True)
            _print_error(args, error_record(name, exc))
            continue
        if args.json:
            print(json.dumps(outcome_record(name, outcome), ensure_ascii=False))
        elif args.explain:
            print(explain(name, outcome, weights))
        else:
            v = outcome.verdict
            degraded = f" degraded={','.join(v.degraded)}" if v.degraded else ""
            print(f"{name}: {v.action.value} score={v.score:.2f} rules={','.join(v.rule_ids) or '-'} "
                  f"brands={','.join(v.brands) or '-'}{degraded}")
    return status


def _print_error(args: argparse.Namespace, record: dict[str, str]) -> None:
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    else:
        print(f"{record['file']}: error: {record['error']}: {record['message']}", file=sys.stderr)
