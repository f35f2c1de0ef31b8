"""Render every Grafana dashboard panel's PromQL from a live Prometheus into one PNG (`make dashboard-png`)."""
from __future__ import annotations

import argparse
import json
import math
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

DEFAULT_DASHBOARD = Path(__file__).resolve().parents[1] / "deploy" / "grafana" / "brandguard.json"
_VAR = re.compile(r"\$\{(\w+)\}|\$(\w+)")
_LEGEND = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def _iter_panels(panels: list[dict[str, Any]]):
    for panel in panels:
        yield panel
        yield from _iter_panels(panel.get("panels", []))  # collapsed rows keep children here


def substitute(expr: str, instance: str = ".*", rate_interval: str = "1m") -> str:
    """Replace the Grafana variables the dashboard uses; an unknown variable is an error."""
    values = {"instance": instance, "__rate_interval": rate_interval, "__interval": rate_interval,
              "__range": rate_interval}

    def repl(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        if name not in values:
            raise ValueError(f"unknown dashboard variable ${name} in {expr!r}")
        return values[name]

    return _VAR.sub(repl, expr)


def panel_targets(dashboard_path: Path | str = DEFAULT_DASHBOARD, instance: str = ".*",
                  rate_interval: str = "1m") -> list[tuple[str, list[tuple[str, str]]]]:
    """[(panel title, [(expr, legendFormat), ...])] in dashboard order, variables substituted."""
    dashboard = json.loads(Path(dashboard_path).read_text())
    out = []
    for panel in _iter_panels(dashboard.get("panels", [])):
        targets = [(substitute(t["expr"], instance, rate_interval), t.get("legendFormat", ""))
                   for t in panel.get("targets", []) if t.get("expr")]
        if targets:
            out.append((panel["title"], targets))
    return out


def panel_queries(dashboard_path: Path | str = DEFAULT_DASHBOARD, instance: str = ".*",
                  rate_interval: str = "1m") -> list[tuple[str, str]]:
    """[(panel title, expr)] for every target of every panel, with $instance/$__rate_interval substituted."""
    return [(title, expr) for title, targets in panel_targets(dashboard_path, instance, rate_interval)
            for expr, _ in targets]


def _api(base_url: str, endpoint: str, params: dict[str, Any], timeout: float = 15.0) -> Any:
    url = f"{base_url.rstrip('/')}/api/v1/{endpoint}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            body = json.load(resp)
    except urllib.error.HTTPError as exc:  # Prometheus explains bad queries in the JSON body
        body = json.load(exc)
    if body.get("status") != "success":
        raise RuntimeError(f"{endpoint} {params.get('query')!r}: {body.get('errorType')}: {body.get('error')}")
    return body["data"]


def query(base_url: str, expr: str) -> list[dict[str, Any]]:
    """Instant query; returns the vector's [{'metric': {...}, 'value': [ts, 'v']}]."""
    return _api(base_url, "query", {"query": expr})["result"]


def query_range(base_url: str, expr: str, start: float, end: float, step: float) -> list[dict[str, Any]]:
    """Range query; returns [{'metric': {...}, 'values': [[ts, 'v'], ...]}]."""
    return _api(base_url, "query_range", {"query": expr, "start": start, "end": end, "step": step})["result"]


def _legend(fmt: str, labels: dict[str, str]) -> str:
    if fmt:
        return _LEGEND.sub(lambda m: labels.get(m.group(1), ""), fmt)
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "value"


def render(base_url: str, out: Path | str, minutes: float = 30, dashboard_path: Path | str = DEFAULT_DASHBOARD,
           instance: str = ".*", columns: int = 3, end: float | None = None) -> Path:
    """Query every panel over the last `minutes` and draw a grid of line charts into `out` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    end = time.time() if end is None else end
    start = end - minutes * 60
    step = max(1.0, round(minutes * 60 / 240))
    rate_interval = f"{max(60, int(4 * step))}s"
    panels = panel_targets(dashboard_path, instance, rate_interval)
    rows = math.ceil(len(panels) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5.5 * columns, 3.0 * rows), squeeze=False)
    for ax, (title, targets) in zip(axes.flat, panels):
        ax.set_title(title, fontsize=9)
        drawn = 0
        for expr, fmt in targets:
            for series in query_range(base_url, expr, start, end, step):
                xs = [datetime.fromtimestamp(float(t)) for t, _ in series["values"]]
                ys = [float(v) for _, v in series["values"]]
                ax.plot(xs, ys, linewidth=1, label=_legend(fmt, series["metric"])[:40])
                drawn += 1
        if drawn == 0:
            ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="grey")
        elif drawn <= 8:
            ax.legend(fontsize=6, loc="upper left")
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M" if minutes > 10 else "%H:%M:%S"))
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.suptitle(f"brandguard — last {minutes:g} min from {base_url}", fontsize=11)
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out


def _demo_traffic(metrics: Any, rng: random.Random) -> None:
    from brandguard.model import Action, AuthResults, DkimSignature, DmarcResult, Finding, Mode, RuleHit, Verdict

    brand = rng.choice(["microsoft", "norton", "paypal", "geeksquad"])
    kind = rng.choices(["accept", "tag", "reject", "monitor"], [70, 15, 10, 5])[0]
    if kind == "accept":
        verdict = Verdict(action=Action.ACCEPT, score=0)
    elif kind == "monitor":
        verdict = Verdict(action=Action.TAG, score=11, mode=Mode.MONITOR, would_action=Action.QUARANTINE,
                          hits=(RuleHit("callback-lure", Action.QUARANTINE, mode=Mode.MONITOR),),
                          findings=(Finding("callback_lure", "hit", brand),), brands=(brand,))
    else:
        rule = "brand-domain-dmarc-fail" if kind == "reject" else "freemail_brand_claim"
        verdict = Verdict(action=Action(kind), score=16 if kind == "reject" else 6, hits=(RuleHit(rule),),
                          findings=(Finding("freemail_brand_claim", "claim", brand),), brands=(brand,))
    stages = {s: rng.lognormvariate(-5, 0.8) for s in ("auth", "content", "checks", "actions")}
    metrics.record_verdict(verdict, sum(stages.values()), stages)
    dmarc = rng.choices(["pass", "fail", "none"], [60, 25, 15])[0]
    metrics.record_auth(AuthResults(dkim=(DkimSignature(rng.choice(["pass", "fail"])),), dmarc=DmarcResult(dmarc),
                                    checked=True))
    for rtype in ("TXT", "TXT", "A", "MX"):
        error = rng.choices([None, "nxdomain", "timeout"], [90, 8, 2])[0]
        metrics.on_dns_lookup(rtype, rng.lognormvariate(-4, 1), error)
    if rng.random() < 0.01:
        metrics.record_error(rng.choice(["content", "checks"]))


def _wait_ready(url: str, prom: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=1):
                return
        except OSError:
            if prom.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"prometheus at {url} did not become ready:\n{log.read_text()}") from None
            time.sleep(0.1)


def demo(out: Path | str, seconds: float = 30.0) -> Path:
    """Serve synthetic traffic, scrape it with a throw-away Prometheus, and render the dashboard."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "milter"))
    from brandguard.http import MetricsServer
    from brandguard.metrics import Metrics, MetricsSettings

    metrics = Metrics(checks=["freemail_brand_claim", "callback_lure"], brands=["microsoft", "norton", "paypal"],
                      rules=["brand-domain-dmarc-fail", "callback-lure", "freemail_brand_claim"])
    metrics.policy_loaded("demo0001", ok=True)
    rng = random.Random(6)
    with MetricsServer(metrics, MetricsSettings(port=0), lambda: True) as server, \
            tempfile.TemporaryDirectory(prefix="dashboard-demo-") as tmp:
        config = Path(tmp) / "prometheus.yml"
        config.write_text("global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: brandguard\n"
                          f"    static_configs: [{{targets: ['127.0.0.1:{server.port}']}}]\n")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        log = (Path(tmp) / "prometheus.log").open("wb")
        prom = subprocess.Popen(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp}/data",
                                 f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                                cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(url, prom, Path(tmp) / "prometheus.log")
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                for _ in range(rng.randint(5, 20)):
                    _demo_traffic(metrics, rng)
                time.sleep(0.25)  # pacing synthetic traffic
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            return render(url, out, minutes=max(1.0, seconds / 60))
        finally:
            prom.terminate()
            prom.wait(timeout=30)
            log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo", action="store_true",
                        help="ignore --prometheus: start brandguard metrics with synthetic traffic and a private Prometheus")
    parser.add_argument("--demo-seconds", type=float, default=30, help="how long the demo generates traffic")
    parser.add_argument("--prometheus", default="http://127.0.0.1:9090", help="Prometheus base URL")
    parser.add_argument("--minutes", type=float, default=30, help="time range to draw, ending now")
    parser.add_argument("--out", default="dashboard.png", help="PNG file to write")
    parser.add_argument("--dashboard", default=str(DEFAULT_DASHBOARD), help="Grafana dashboard JSON")
    parser.add_argument("--instance", default=".*", help="regex substituted for $instance")
    args = parser.parse_args(argv)
    try:
        if args.demo:
            path = demo(args.out, args.demo_seconds)
        else:
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            path = render(args.prometheus, args.out, args.minutes, args.dashboard, args.instance)
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"dashboard_png: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
