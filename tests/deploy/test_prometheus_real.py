"""A real Prometheus scrapes a live Metrics HTTP server; the rules and every dashboard query work on it."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from brandguard import __version__
from brandguard.campaign.facts import CampaignEvents
from brandguard.http import MetricsServer
from brandguard.metrics import MetricsSettings, WebMetrics
from brandguard.model import Action, AuthResults, DkimSignature, Finding, Mode, RuleHit, SpfResult, Verdict
from fixtures.support import poll

pytestmark = pytest.mark.e2e

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "brandguard.json"


def traffic(metrics) -> int:
    """One batch touching every metric the dashboard draws; returns the number of messages."""
    reject = Verdict(action=Action.REJECT, score=20, hits=(RuleHit("brand-domain-dmarc-fail", Action.REJECT),),
                     findings=(Finding("lookalike_domain", "match", "paypal"),), brands=("paypal",))
    monitor = Verdict(action=Action.TAG, score=12, mode=Mode.MONITOR, would_action=Action.QUARANTINE,
                      hits=(RuleHit("callback-lure", Action.QUARANTINE, mode=Mode.MONITOR),),
                      findings=(Finding("phone_not_official", "hit", "microsoft"),), brands=("microsoft",))
    accept = Verdict(action=Action.ACCEPT, score=0)
    stages = {"auth": 0.02, "content": 0.004, "checks": 0.003, "actions": 0.0005}
    for verdict, seconds in ((reject, 0.03), (monitor, 0.2), (accept, 0.008)):
        metrics.record_verdict(verdict, seconds, stages)
    metrics.record_auth(AuthResults(spf=SpfResult("pass", "example.com"), dkim=(DkimSignature("pass"),), checked=True))
    metrics.on_dns_lookup("TXT", 0.012, None)
    metrics.on_dns_lookup("A", 1.5, "timeout")
    metrics.record_error("checks")
    metrics.record_tempfail()
    metrics.policy_loaded("0123abcd", ok=True)
    metrics.record_campaign(CampaignEvents("sqlite", hits=("phone",), latency=(("lookup", 0.002),), learned=3))
    metrics.watch_campaign(lambda: {"phone": 3, "messages": 1}, "sqlite")
    return 4


def test_prometheus_scrapes_build_info_and_loads_the_alerts(metrics_server, prometheus_factory):
    prom = prometheus_factory([f"127.0.0.1:{metrics_server.port}"], rule_files=[DEPLOY / "prometheus" / "alerts.yml"])
    [sample] = prom.wait_for("brandguard_build_info")
    assert sample["metric"]["version"] == __version__
    assert sample["metric"]["job"] == "brandguard" and sample["value"][1] == "1"
    assert prom.query('up{job="brandguard"}')[0]["value"][1] == "1"

    def evaluated_rules():
        rules = [r for g in prom.api("rules")["groups"] for r in g["rules"]]
        never = "0001-01-01"  # Go's zero time: not evaluated yet
        return rules if rules and not any(r["lastEvaluation"].startswith(never) for r in rules) else None

    rules = poll(evaluated_rules, 30, "every alerting rule evaluated")
    assert sorted(r["name"] for r in rules) == sorted([
        "BrandguardDown", "BrandguardHighErrorRate", "BrandguardCheckFailing", "BrandguardEomLatencyHigh",
        "BrandguardDnsFailures", "BrandguardPolicyReloadFailing", "BrandguardRejectSpike",
        "BrandguardCampaignStoreFailing"])
    assert {r["health"] for r in rules} == {"ok"}, [(r["name"], r.get("lastError")) for r in rules]
    assert all(r["state"] == "inactive" for r in rules)


def web_traffic(web: WebMetrics) -> None:
    """What `brandguard web` and `brandguard digest` count: actions, digests, refused logins and links."""
    web.action("release", "web", True)
    web.action("release", "digest", False)
    web.digests.labels("sent").inc()
    web.failed_logins.labels("password").inc()
    web.refused_links.labels("expired").inc()


@pytest.fixture
def web_server():
    """`brandguard web`'s own registry, served like its /metrics (a second scrape target)."""
    web = WebMetrics()
    with MetricsServer(web.registry, MetricsSettings(port=0), ready=lambda: True) as server:
        yield web, server


def test_every_dashboard_query_returns_data_and_renders(metrics, metrics_server, web_server, prometheus_factory,
                                                        dashboard_png, tmp_path):
    web, web_port = web_server[0], web_server[1].port
    prom = prometheus_factory([f"127.0.0.1:{metrics_server.port}", f"127.0.0.1:{web_port}"])
    prom.wait_for("brandguard_build_info")
    # two batches in two different scrapes, so rates and quantiles are non-zero and finite
    per_batch = traffic(metrics)
    web_traffic(web)
    prom.wait_for(f"sum(brandguard_messages_total) >= {per_batch}")
    traffic(metrics)
    web_traffic(web)
    prom.wait_for(f"sum(brandguard_messages_total) >= {2 * per_batch}")

    def finite(expr):
        return any(math.isfinite(float(s["value"][1])) for s in prom.query(expr))

    for title, expr in dashboard_png.panel_queries(DASHBOARD):
        poll(lambda expr=expr: finite(expr), 30, f"a finite value for panel {title!r}: {expr}")

    out = dashboard_png.render(prom.url, tmp_path / "dashboard.png", minutes=2)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_make_dashboard_png_demo_renders(dashboard_png, tmp_path):
    out = dashboard_png.demo(tmp_path / "build" / "dashboard.png", seconds=3)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
