"""The campaign memory in the pipeline: a weak variant of a quarantined lure is accepted alone, flagged after it."""
from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from brandguard.app import App
from brandguard.mailfile import context_from_bytes
from brandguard.metrics import Metrics
from brandguard.settings import Settings
from unit.campaign.conftest import LURE_BODY, WEAK_BODY


@pytest.fixture
def app_factory(tmp_path):
    apps: list[App] = []

    def make(memory: str = "learn", metrics: Metrics | None = None, pooled: bool = False, **settings) -> App:
        app = App(Settings(**{"state_dir": tmp_path / "state", "analysis_processes": 1, **settings}),
                  with_dns=False, campaign=memory, metrics=metrics)
        if pooled:
            app.start_analysis()
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.stop_analysis()


@pytest.fixture
def mails(make_mail):
    return {"lure": make_mail(LURE_BODY),
            "weak": make_mail(WEAK_BODY, sender="Orders <orders@shop.example>", subject="Your order 55120",
                              mid="<weak-1@shop.example>")}


def verdict(app: App, raw: bytes):
    return app.process(context_from_bytes(raw)).verdict


def test_a_weak_variant_is_accepted_without_memory_and_flagged_with_it(app_factory, mails):
    plain = app_factory(memory="off")
    assert verdict(plain, mails["lure"]).action.value == "quarantine"
    assert verdict(plain, mails["weak"]).action.value == "accept"

    app = app_factory()
    assert verdict(app, mails["weak"]).action.value == "accept"  # nothing learnt yet
    lure = verdict(app, mails["lure"])
    assert lure.action.value == "quarantine" and lure.score >= app.settings.campaign.learn_min_score
    weak = verdict(app, mails["weak"])
    assert weak.action.value == "tag"
    (finding,) = [f for f in weak.findings if f.check == "campaign_match"]
    assert finding.outcome == "phone" and finding.evidence.startswith("+18883105521 seen in 1 confirmed scam since")


def test_a_lure_below_the_learning_score_teaches_nothing(app_factory, mails):
    app = app_factory(campaign={"learn_min_score": 40})
    verdict(app, mails["lure"])
    assert verdict(app, mails["weak"]).action.value == "accept"


def test_a_memory_flagged_message_does_not_teach_by_itself(app_factory, make_mail, mails):
    app = app_factory()
    verdict(app, mails["lure"])
    verdict(app, mails["weak"])
    assert app.campaign is not None
    assert app.campaign.counts().get("messages") == 1  # the weak variant's score came from the memory: not confident


def test_a_store_that_cannot_be_opened_changes_nothing_but_a_counter(app_factory, mails, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    metrics = Metrics(CollectorRegistry())
    app = app_factory(metrics=metrics, state_dir=blocker)  # <file>/campaign.sqlite cannot be created
    v = verdict(app, mails["lure"])
    assert v.action.value == "quarantine" and not v.degraded and not v.error
    errors = metrics.registry.get_sample_value("brandguard_campaign_store_errors_total",
                                               {"store": "sqlite", "operation": "lookup"})
    assert errors == 1


def test_metrics_come_back_from_the_analysis_processes(app_factory, mails):
    metrics = Metrics(CollectorRegistry())
    app = app_factory(metrics=metrics, pooled=True)
    app.process(context_from_bytes(mails["lure"]))
    outcome = app.process(context_from_bytes(mails["weak"]))
    assert outcome.campaign.hits == ("phone",)

    def sample(name, **labels):
        return metrics.registry.get_sample_value(name, labels)

    assert sample("brandguard_campaign_hits_total", kind="phone") == 1
    assert sample("brandguard_campaign_learned_total", store="sqlite") == 3
    assert sample("brandguard_campaign_store_duration_seconds_count", store="sqlite", operation="lookup") == 2
    assert sample("brandguard_campaign_indicators", kind="phone") == 1
