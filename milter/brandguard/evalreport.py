"""The report of `brandguard eval`: its rows and sections as types, and its text and PNG renderings."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Required, TextIO, TypedDict

if TYPE_CHECKING:
    from brandguard.policy.schema import Thresholds

ACTIONS = ("accept", "tag", "quarantine", "reject", "error")
RANK = {"accept": 0, "error": 0, "tag": 1, "quarantine": 2, "reject": 3}


class Row(TypedDict, total=False):
    """One file's result, as the report's `rows` hold it (error rows have `error`, scanned ones `rules` and `ms`)."""

    path: Required[str]
    label: Required[str]
    brand: Required[str]
    half: Required[str]
    vendor_mail: Required[bool]
    action: str  # one of ACTIONS
    score: float
    brands: list[str]
    rules: list[str]
    checks: list[str]
    top: list[str]
    ms: float
    degraded: list[str]
    error: str
    reason: str
    internal_error: bool


class BrandRate(TypedDict):
    n: int
    tag: int
    quarantine: int
    vendor: bool


class FailedFile(TypedDict):
    path: str
    error: str
    degraded: list[str]


class InternalErrors(TypedDict):
    n: int
    steps: dict[str, int]
    files: list[FailedFile]


class Meta(TypedDict):
    files: int
    split: str
    jobs: int
    seconds: float
    policy: str
    policy_hash: str
    trust_authres: str | None


# one of TARGETS measured: id, group, action, op, threshold, then n, hits, value, pass (and even_n, odd_n, ...)
Target = dict[str, str | float | bool]


class Report(TypedDict, total=False):
    """What summarise() finds; run() adds `meta`, and `rows` in the JSON file."""

    labels: Required[dict[str, dict[str, float]]]  # n, a count and a fraction per action
    brands: Required[dict[str, BrandRate]]
    targets: Required[list[Target]]
    false_positives: Required[list[Row]]
    misses: Required[list[Row]]
    miss_reasons: Required[dict[str, dict[str, int]]]
    internal_errors: Required[InternalErrors]
    meta: Meta


def reached(row: Row, action: str) -> bool:
    return RANK[row["action"]] >= RANK[action] and row["action"] != "error"


def render(report: Report, out: TextIO | None = None) -> None:
    def p(*parts: object) -> None:
        print(*parts, file=out or sys.stdout)

    p(f"{report['meta']['files']} files ({report['meta']['split']}), policy {report['meta']['policy_hash']}, "
      f"{report['meta']['seconds']:.1f}s with {report['meta']['jobs']} jobs\n")
    p(f"{'label':<22}{'n':>6}" + "".join(f"{a:>12}" for a in ACTIONS))
    for name, s in report["labels"].items():
        p(f"{name:<22}{s['n']:>6}" + "".join(f"{s[a]:>5} {s[a + '_frac']:>6.1%}" for a in ACTIONS))
    p("\nrecall per brand (tag+ / quarantine+): top brands, then the vendors of 10-vendors.yaml")
    brands = report["brands"]
    top = sorted(brands, key=lambda b: (-brands[b]["n"], b))[:15]
    for b in top + sorted(x for x in brands if brands[x]["vendor"] and x not in top):
        rate, n = brands[b], max(1, brands[b]["n"])
        rates = f"tag+ {rate['tag'] / n:>6.1%}  quarantine+ {rate['quarantine'] / n:>6.1%}" if rate["n"] else "no files"
        p(f"  {b:<20}{rate['n']:>5}  {rates}" + ("  (vendor)" if rate["vendor"] else ""))
    for title, worst in (("quarantined or rejected", True), ("tagged", False)):
        fps = [r for r in report["false_positives"] if reached(r, "quarantine") is worst]
        p(f"\nfalse positives: ham {title}: {len(fps)}")
        for r in fps:
            p(f"  {r['action']:<10} {r['score']:>6.2f} {r['path']}  " + " | ".join(r["top"][:3]))
    p(f"\nmisses (callback below quarantine, impersonation below tag): {len(report['misses'])}")
    for r in report["misses"]:
        p(f"  {r['label'][6:]:<14} {r['action']:<6} {r['score']:>6.2f} {r['path']} [{r['brand']}] "
          f"{r.get('reason', '')}" + ("  -- " + " | ".join(r["top"][:2]) if r["top"] else ""))
    for label, reasons in report["miss_reasons"].items():
        p(f"\nwhy {label} was not quarantined (by heuristic):")
        for reason, n in reasons.items():
            p(f"  {n:>5}  {reason}")
    errors = report["internal_errors"]
    p(f"\ninternal errors (files where brandguard failed, wholly or in one step): {errors['n']}"
      + (f"  by step: {errors['steps']}" if errors["n"] else ""))
    for f in errors["files"][:20]:
        p(f"  {f['path']}  {f['error'] or 'degraded: ' + ','.join(f['degraded'])}")
    p("\ntargets (all / even half / odd half):")
    for t in report["targets"]:
        p(f"  {'PASS' if t['pass'] else 'FAIL'}  {t['id']:<34}{t['value']:>8.2%} {t['op']} {t['threshold']:.1%}"
          f"   even {t['even_value']:.2%} ({t['even_hits']}/{t['even_n']})  odd {t['odd_value']:.2%} "
          f"({t['odd_hits']}/{t['odd_n']})")


def plot(rows: list[Row], thresholds: Thresholds, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = {"ham (corpus)": [r for r in rows if r["label"] == "ham" and not r["vendor_mail"]],
              "ham (vendor)": [r for r in rows if r["vendor_mail"]]}
    groups |= {lab: [r for r in rows if r["label"] == lab] for lab in ("brand_impersonation", "brand_callback")}
    fig, axes = plt.subplots(len(groups), 1, figsize=(9, 2.2 * len(groups)), sharex=True)
    bins = [x * 0.5 for x in range(0, 81)]
    for ax, (name, members) in zip(axes, groups.items()):
        ax.hist([min(r["score"], 39.9) for r in members], bins=bins, color="tab:blue")
        ax.set_yscale("log")
        ax.set_title(f"{name} (n={len(members)})", fontsize=9)
        for t, colour in ((thresholds.tag, "gold"), (thresholds.quarantine, "orange"), (thresholds.reject, "red")):
            ax.axvline(t, color=colour, linestyle="--", linewidth=1)
    axes[-1].set_xlabel("score (clipped at 40); dashed: tag, quarantine, reject thresholds")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
