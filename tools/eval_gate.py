"""CI gate over `brandguard eval --json`: exit 1 naming every missed detection target (2: no usable report)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# Usage: python tools/eval_gate.py [build/eval.json]. Each target's pass is recomputed from its value, operator
# and threshold, so a report edited by hand or written by an older brandguard cannot pass on its own say-so.

_OPS = {">=": lambda value, threshold: value >= threshold, "<=": lambda value, threshold: value <= threshold}


def failures(report: dict, floors: dict[str, float] | None = None) -> list[str]:
    """One line per missed target; ValueError when the report holds no targets to judge.

    `floors` replaces a target's threshold by a lower regression floor, for a target that is known
    not to be met yet: the gate then still fails if the figure drops below where it stands.
    """
    floors = floors or {}
    targets = report.get("targets") if isinstance(report, dict) else None
    if not targets:
        raise ValueError("the report holds no targets")
    out = []
    errors = report.get("internal_errors")
    if not isinstance(errors, dict) or not isinstance(errors.get("n"), int):
        out.append("internal_errors: the report does not count internal errors (written by an older brandguard?)")
    elif errors["n"]:
        out.append(f"internal_errors: {errors['n']} file(s) where brandguard failed, by step {errors.get('steps')}")
    for t in targets:
        op = _OPS.get(t.get("op"))
        if op is None or not isinstance(t.get("value"), (int, float)):
            out.append(f"{t.get('id', '?')}: malformed target entry")
        elif not t.get("n"):
            out.append(f"{t['id']}: no files of group {t.get('group')} in the corpus")
        elif not op(t["value"], floors.get(t["id"], t["threshold"])):
            threshold = floors.get(t["id"], t["threshold"])
            kind = "regression floor" if t["id"] in floors else "target"
            out.append(f"{t['id']}: {t['value']:.2%} ({t.get('hits')}/{t['n']} {t.get('group')} {t.get('action')}), "
                       f"{kind} {t['op']} {threshold:.1%}")
        elif t["id"] in floors and not op(t["value"], t["threshold"]):
            print(f"eval gate: KNOWN SHORTFALL {t['id']}: {t['value']:.2%}, target {t['op']} {t['threshold']:.1%} "
                  f"(regression floor {floors[t['id']]:.1%})", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fail when brandguard eval's report misses a detection target.")
    parser.add_argument("report", nargs="?", default="build/eval.json", help="JSON written by brandguard eval --json")
    parser.add_argument("--floor", action="append", default=[], metavar="TARGET=FRACTION",
                        help="accept a known shortfall down to FRACTION for TARGET (repeatable); say why in the caller")
    args = parser.parse_args(argv)
    try:
        floors = {k: float(v) for k, v in (f.split("=", 1) for f in args.floor)}
        report = json.loads(Path(args.report).read_text(encoding="utf-8"))
        missed = failures(report, floors)
    except (OSError, ValueError) as exc:
        print(f"eval gate: no usable report {args.report}: {exc}", file=sys.stderr)
        return 2
    for line in missed:
        print(f"eval gate: FAIL {line}", file=sys.stderr)
    if missed:
        print(f"eval gate: {len(missed)} of {len(report['targets'])} targets missed", file=sys.stderr)
        return 1
    short = [t["id"] for t in report["targets"] if t["id"] in floors and not _OPS[t["op"]](t["value"], t["threshold"])]
    met = len(report["targets"]) - len(short)
    print(f"eval gate: {met} of {len(report['targets'])} targets met"
          + (f", known shortfall held above its floor: {', '.join(short)}" if short else "")
          + f" ({report.get('meta', {}).get('files', '?')} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
