"""The campaign memory of a fleet: brandguard processes sharing a real redis-server learn from each other."""
from __future__ import annotations

import json
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from fixtures.support import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ENV = {"PYTHONPATH": str(ROOT / "milter")}
LURE = ("Dear customer,\nYour Trend Micro Maximum Security subscription has been renewed and $399.99 was charged "
        "to your account today.\nIf you did not authorise this charge, call our billing desk at +1 (888) 310-5521 "
        "within 24 hours to cancel and receive a full refund.\nThank you, Trend Micro Support Team\n")
WEAK = "Hello,\nYour order 55120 is processed, questions: 888.310.5521\nThanks\n"
# the milter's own pipeline, learning from its verdict, in a process of its own (as an MTA's brandguard)
_MILTER = """
import sys
from pathlib import Path
from brandguard.app import App
from brandguard.mailfile import context_from_bytes
from brandguard.settings import load_settings
app = App(load_settings(sys.argv[1]), with_dns=False, campaign="learn")
outcome = app.process(context_from_bytes(Path(sys.argv[2]).read_bytes()))
print(outcome.verdict.action.value, outcome.campaign.learned, ",".join(outcome.campaign.errors))
"""


def mail(path: Path, body: str, sender: str, subject: str, mid: str) -> Path:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"], m["Message-ID"] = sender, "bob@example.net", subject, mid
    m["Date"] = "Tue, 01 Dec 2026 10:00:00 +0000"
    m.set_content(body)
    path.write_bytes(m.as_bytes())
    return path


@pytest.fixture
def files(tmp_path):
    return {"lure": mail(tmp_path / "lure.eml", LURE, "Trend Micro Billing <billing.trendmicro@gmail.com>",
                         "Trend Micro renewal invoice", "<lure-1@gmail.com>"),
            "weak": mail(tmp_path / "weak.eml", WEAK, "Orders <orders@shop.example>", "Your order 55120",
                         "<weak-1@shop.example>")}


def settings_for(tmp_path: Path, name: str, store: str) -> Path:
    """Each process its own settings and state folder: only the redis store is shared."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(json.dumps({"state_dir": str(tmp_path / name), "campaign": {"store": store}}))
    return path


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=ENV, timeout=120)


def test_what_one_mta_learns_another_recognises_until_an_admin_forgets_it(tmp_path, redis_factory, files):
    server = redis_factory()
    mta1, mta2 = settings_for(tmp_path, "mta1", server.url), settings_for(tmp_path, "mta2", server.url)

    before = run("-m", "brandguard", "scan", "--config", str(mta2), "--explain", str(files["weak"]))
    assert before.returncode == 0 and ": accept, score" in before.stdout, before.stderr

    learnt = run("-c", _MILTER, str(mta1), str(files["lure"]))
    assert learnt.stdout.split() == ["quarantine", "3"], learnt.stderr  # phone, free-mail From, text fingerprint
    ttl = server.client().ttl("brandguard:campaign:i:phone:+18883105521")
    assert 29 * 86400 < ttl <= 30 * 86400

    after = run("-m", "brandguard", "scan", "--config", str(mta2), "--explain", str(files["weak"]))
    assert ": tag, score 8.00" in after.stdout, after.stdout + after.stderr
    assert "finding campaign_match/phone in phone: +18883105521 seen in 1 confirmed scam since" in after.stdout

    forgot = run("-m", "brandguard", "campaign", "forget", "--config", str(mta2), str(files["lure"]))
    assert forgot.returncode == 0 and "forgot 3 indicator record(s)" in forgot.stdout, forgot.stderr
    again = run("-m", "brandguard", "scan", "--config", str(mta1), "--explain", str(files["weak"]))
    assert ": accept, score" in again.stdout
    relearnt = run("-c", _MILTER, str(mta1), str(files["lure"]))
    assert relearnt.stdout.split() == ["quarantine", "0"]  # forgotten by an admin: it never teaches again


def test_an_admin_confirm_on_one_host_is_listed_on_another(tmp_path, redis_factory, files):
    server = redis_factory()
    a, b = settings_for(tmp_path, "a", server.url), settings_for(tmp_path, "b", server.url)
    confirm = run("-m", "brandguard", "campaign", "confirm", "--config", str(a), str(files["lure"]))
    assert confirm.returncode == 0, confirm.stderr
    listed = run("-m", "brandguard", "campaign", "list", "--json", "--config", str(b))
    values = {json.loads(line)["value"] for line in listed.stdout.splitlines()}
    assert {"+18883105521", "billing.trendmicro@gmail.com"} <= values
    stats = json.loads(run("-m", "brandguard", "campaign", "stats", "--json", "--config", str(b)).stdout)
    assert stats["store"] == "redis" and stats["phone"] == 1 and stats["messages"] == 1


def test_a_store_that_is_down_is_counted_and_the_message_judged_without_it(tmp_path, redis_factory, files):
    from brandguard.app import App
    from brandguard.mailfile import context_from_bytes
    from brandguard.metrics import Metrics
    from brandguard.settings import load_settings

    server = redis_factory()
    settings = settings_for(tmp_path, "mta", server.url)
    server.stop()
    metrics = Metrics(CollectorRegistry())
    app = App(load_settings(settings), with_dns=False, campaign="learn", metrics=metrics)
    outcome = app.process(context_from_bytes(files["lure"].read_bytes()))
    assert outcome.verdict.action.value == "quarantine" and not outcome.verdict.degraded
    assert outcome.plan.result == "accept" and outcome.plan.quarantine_reason  # held, never a 4xx
    assert metrics.registry.get_sample_value("brandguard_campaign_store_errors_total",
                                             {"store": "redis", "operation": "lookup"}) == 1

    nowhere = settings_for(tmp_path, "nowhere", f"redis://127.0.0.1:{free_port()}/0")
    scan = run("-m", "brandguard", "scan", "--config", str(nowhere), str(files["weak"]))
    assert scan.returncode == 0 and ": accept score=" in scan.stdout, scan.stderr


def test_the_redis_store_keeps_the_safety_rules(redis_factory):
    from brandguard.campaign.config import CampaignSettings
    from brandguard.campaign.facts import Indicator, Indicators
    from brandguard.campaign.indicators import fingerprint
    from brandguard.campaign.memory import CampaignMemory
    from brandguard.campaign.redisstore import RedisStore

    server = redis_factory()
    memory = CampaignMemory(CampaignSettings(store=server.url, learn_per_sender_per_hour=2, fuzzy_refresh_seconds=0),
                            RedisStore(server.url))
    found = Indicators((Indicator("phone", "+18883105521"), Indicator("text_fuzzy", fingerprint(LURE))))
    assert [memory.teach(found, f"m{i}@x", sender="spam.example").learned for i in range(3)] == [2, 2, 0]
    variant = Indicators((Indicator("text_fuzzy", fingerprint(LURE.replace("399.99", "19.00"))),))
    (m,) = memory.lookup(variant)[0].matches
    assert m.count == 2 and m.distance < 50
    assert memory.forget("m0@x") == 2 and memory.forget("m1@x") == 2
    assert memory.lookup(found)[0].matches == () and server.client().zcard("brandguard:campaign:fuzzy") == 0
    assert memory.teach(found, "m0@x", sender="other.example").learned == 0  # forgotten: banned
    assert memory.teach(found, "m0@x", sender=None).learned == 2  # an admin's confirm lifts the ban
    memory.close()
