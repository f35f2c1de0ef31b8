"""Dashboard and alerts only name metrics, labels and label values the Metrics registry exports."""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from brandguard.metrics import Metrics, WebMetrics

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "brandguard.json"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
ALERT_TESTS = DEPLOY / "prometheus" / "alerts_test.yml"
TARGET_LABELS = {"instance", "job"}  # added by Prometheus at scrape time
SELECTOR = re.compile(r"\b(brandguard_[a-z_]+)\b(?:\{([^}]*)\})?")
MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"')
REQUIRED_PANELS = [
    "Throughput by disposition", "Top rules", "Top impersonated brands", "Auth results",
    "End-of-message latency p50/p95/p99", "Stage latency p50/p95/p99", "DNS latency p50/p95/p99 by rtype",
    "DNS errors by kind", "Errors by stage", "Policy reloads", "Monitor mode: would-have actions",
    "Messages in flight", "Failing checks and extractors (judged without them)",
]
REQUIRED_ALERTS = ["BrandguardDown", "BrandguardHighErrorRate", "BrandguardCheckFailing", "BrandguardEomLatencyHigh",
                   "BrandguardDnsFailures", "BrandguardPolicyReloadFailing", "BrandguardRejectSpike",
                   "BrandguardCampaignStoreFailing"]


def _yaml(path: Path):
    return YAML(typ="safe").load(path.read_text())


def _panels(panels):
    for p in panels:
        yield p
        yield from _panels(p.get("panels", []))


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def dashboard_exprs() -> list[tuple[str, str]]:
    return [(p["title"], t["expr"]) for p in _panels(dashboard()["panels"]) for t in p.get("targets", [])]


def alert_rules() -> list[dict]:
    return [r for g in _yaml(ALERTS)["groups"] for r in g["rules"]]


def all_sources() -> list[tuple[str, str]]:
    out = [(f"dashboard: {title}", expr) for title, expr in dashboard_exprs()]
    out += [(f"alert {r['alert']}", r["expr"]) for r in alert_rules()]
    out += [(f"alerts_test: {t['name']}", s["series"]) for t in _yaml(ALERT_TESTS)["tests"] for s in t["input_series"]]
    return out


@pytest.fixture(scope="module")
def exported() -> dict[str, dict[str, set[str]]]:
    """sample name -> label name -> values seen, from a registry with every label set declared."""
    m = Metrics(checks=["lookalike_domain", "freemail_brand_claim"], rules=["callback-lure"], brands=["paypal"])
    m.policy_loaded("abc123", ok=True)
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for family in [*m.registry.collect(), *WebMetrics().registry.collect()]:  # brandguard web: its own registry
        for sample in family.samples:
            out[sample.name]  # noqa: B018 - registers label-less samples too
            for k, v in sample.labels.items():
                out[sample.name][k].add(v)
    return out


@pytest.mark.parametrize(("where", "expr"), all_sources(), ids=[w for w, _ in all_sources()])
def test_selectors_name_exported_metrics_labels_and_values(exported, where, expr):
    found = SELECTOR.findall(expr)
    assert found or re.match(r"\s*up\{", expr), f"{where}: no brandguard metric in {expr!r}"
    for name, matchers in found:
        assert name in exported, f"{where}: {name} is not exported (sample names: *_total, *_bucket, ...)"
        labels = exported[name]
        for label, op, val in MATCHER.findall(matchers):
            if label in TARGET_LABELS:
                continue
            assert label in labels, f"{where}: {name} has no label {label!r} (has {sorted(labels)})"
            if "$" in val or label == "le":
                continue
            wanted = val.split("|") if op in ("=~", "!~") else [val]
            unknown = [v for v in wanted if v not in labels[label]]
            assert not unknown, f"{where}: {name}{{{label}}} never takes {unknown} (closed set {sorted(labels[label])})"


def test_every_brandguard_metric_is_on_the_dashboard():
    used = {name for _, expr in dashboard_exprs() for name, _ in SELECTOR.findall(expr)}
    m = Metrics(checks=["lookalike_domain", "freemail_brand_claim"], rules=["callback-lure"], brands=["paypal"])
    m.policy_loaded("abc123", ok=True)
    missing = [fam.name for fam in m.registry.collect()
               if fam.name.startswith("brandguard_") and not used & {s.name for s in fam.samples}]
    assert missing == [], f"not on the dashboard: {missing}"


def test_dashboard_has_the_required_panels_and_variables():
    dash = dashboard()
    titles = [p["title"] for p in _panels(dash["panels"])]
    assert [t for t in REQUIRED_PANELS if t not in titles] == []
    ids = [p["id"] for p in _panels(dash["panels"])]
    assert len(ids) == len(set(ids))
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    assert variables["instance"]["type"] == "query"
    assert 38 <= dash["schemaVersion"] <= 40


@pytest.mark.parametrize(("title", "expr"), dashboard_exprs(), ids=[t for t, _ in dashboard_exprs()])
def test_every_query_filters_on_instance_and_uses_the_datasource_variable(title, expr):
    assert 'instance=~"$instance"' in expr
    panel = next(p for p in _panels(dashboard()["panels"]) if p["title"] == title)
    assert all(t["datasource"]["uid"] == "${datasource}" for t in panel["targets"])


def test_alerts_are_the_agreed_set_and_each_has_a_firing_and_a_silent_test():
    rules = alert_rules()
    assert [r["alert"] for r in rules] == REQUIRED_ALERTS
    fired, silent = set(), set()
    for test in _yaml(ALERT_TESTS)["tests"]:
        for case in test.get("alert_rule_test", []):
            (fired if case.get("exp_alerts") else silent).add(case["alertname"])
    assert set(REQUIRED_ALERTS) == fired == silent
    for r in rules:
        assert r["labels"]["severity"] in {"critical", "warning"} and r["annotations"]["summary"]


def test_panel_queries_substitutes_every_variable(dashboard_png):
    queries = dashboard_png.panel_queries(DASHBOARD)
    assert len(queries) == len(dashboard_exprs())
    assert all("$" not in expr for _, expr in queries)
    assert 'instance=~".*"' in queries[0][1] and "[1m]" in queries[0][1]
    custom = dashboard_png.panel_queries(DASHBOARD, instance="mx1:9899", rate_interval="5m")
    assert 'instance=~"mx1:9899"' in custom[0][1] and "[5m]" in custom[0][1]
    with pytest.raises(ValueError, match="unknown dashboard variable"):
        dashboard_png.substitute("rate(x[$__nope])")
