"""A real Prometheus scrapes a running brandguard while mail flows through Postfix; every panel has data."""
from __future__ import annotations

import math
import re
import smtplib
from pathlib import Path

import pytest

import dashboard_png
from fixtures.mail import SLOW_DOMAIN, STRICT_DOMAIN, make_message, marker, send
from fixtures.support import poll

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "brandguard.json"


def mail_batch(postfix) -> int:
    """Clean, tagged, monitored, quarantined, rejected, DMARC-rejected and DNS-timeout mail: 7 messages."""
    port = postfix.ports["main"]
    # a link the campaign memory looks up (its store latency panel)
    send(port, make_message(f"Lunch {marker()}", body="Today's menu: https://lunch.example.org/today\n"))
    for subject in ("BG-TAG", "BG-MONITOR", "BG-QUARANTINE"):
        send(port, make_message(f"{subject} {marker()}"))
    for msg, sender in ((make_message(f"BG-REJECT {marker()}"), None),
                        (make_message(f"Spoof {marker()}", sender=f"ceo@{STRICT_DOMAIN}"), f"ceo@{STRICT_DOMAIN}")):
        with pytest.raises(smtplib.SMTPDataError):
            send(port, msg, **({"sender": sender} if sender else {}))
    send(port, make_message(f"Slow {marker()}", sender=f"x@{SLOW_DOMAIN}"), sender=f"x@{SLOW_DOMAIN}")
    return 7


WEB_METRIC = re.compile(r"\bbrandguard_(?:web|digest)_")


def test_every_dashboard_panel_has_data_from_real_mail(postfix, brandguard_unix, prometheus_factory, tmp_path):
    prom = prometheus_factory([f"127.0.0.1:{brandguard_unix.metrics_port}"])
    prom.wait_for("brandguard_build_info")
    base = float(prom.query("sum(brandguard_messages_total)")[0]["value"][1])
    # two batches seen by different scrapes, so rates and quantiles are finite
    n = mail_batch(postfix)
    prom.wait_for(f"sum(brandguard_messages_total) >= {base + n}")
    mail_batch(postfix)
    prom.wait_for(f"sum(brandguard_messages_total) >= {base + 2 * n}")

    assert prom.query('brandguard_messages_total{disposition="reject",mode="enforce"} >= 4')
    assert prom.query('brandguard_would_action_total{action="reject"} >= 2')
    assert prom.query('brandguard_auth_results_total{method="dmarc",result="temperror"} >= 2')
    assert prom.query('brandguard_dns_errors_total{kind="timeout"} > 0')

    def finite(expr):
        return any(math.isfinite(float(s["value"][1])) for s in prom.query(expr))

    # the web quarantine's panels count what `brandguard web` and `brandguard digest` do, another process:
    # tests/deploy/test_prometheus_real.py scrapes its registry beside the milter's
    queries = [(t, q) for t, q in dashboard_png.panel_queries(DASHBOARD) if not WEB_METRIC.search(q)]
    assert len(queries) >= 12
    for title, expr in queries:
        poll(lambda expr=expr: finite(expr), 30, f"data for panel {title!r}: {expr}")
    png = dashboard_png.render(prom.url, tmp_path / "dashboard.png", minutes=2)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
