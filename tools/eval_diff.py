"""Per-file differences between two `brandguard eval --json` reports: what a policy or code change moved."""
from __future__ import annotations

import argparse
import json
import sys

# Usage: python tools/eval_diff.py BEFORE.json AFTER.json. Lists every file whose action, rules, check
# outcomes, brands or score changed; exit 0 when none did (a pure speed change must show none), 1 otherwise.

KEYS = ("action", "rules", "checks", "brands")


def differences(before: dict, after: dict) -> list[str]:
    """One line per file that changed, or that is missing from `after`."""
    a = {r["path"]: r for r in before["rows"]}
    b = {r["path"]: r for r in after["rows"]}
    out = []
    for path in sorted(a):
        old, new = a[path], b.get(path)
        if new is None:
            out.append(f"{path}: missing from the second report")
            continue
        changed = {k: (old.get(k), new.get(k)) for k in KEYS if old.get(k) != new.get(k)}
        if abs((old.get("score") or 0) - (new.get("score") or 0)) > 1e-6:
            changed["score"] = (old.get("score"), new.get("score"))
        if changed:
            out.append(f"{path} [{old.get('label')}]: " + "; ".join(f"{k} {v[0]} -> {v[1]}" for k, v in changed.items()))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("before")
    ap.add_argument("after")
    args = ap.parse_args(argv)
    with open(args.before) as f1, open(args.after) as f2:
        before, after = json.load(f1), json.load(f2)
    lines = differences(before, after)
    for line in lines:
        print(line)
    ms = [sum(r.get("ms", 0) for r in rep["rows"]) for rep in (before, after)]
    print(f"{len(lines)} files differ of {len(before['rows'])}; summed scan ms {ms[0]:.0f} -> {ms[1]:.0f}")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
