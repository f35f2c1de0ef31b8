"""Isolation: a check, extractor or auth method that raises is logged, counted and left out; the rest judge."""
from __future__ import annotations

import logging
from email.message import EmailMessage
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from brandguard.app import App
from brandguard.auth import Authenticator
from brandguard.auth.config import AuthSettings
from brandguard.checks import registry
from brandguard.content import pdf
from brandguard.isolation import Guard, _RateLimit
from brandguard.mailfile import context_from_bytes
from brandguard.metrics import Metrics
from brandguard.model import Action
from brandguard.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "default.yaml"


def seed_message(body: str = "Hi Sam, thanks for the McAfee renewal order help. Call me at +1 415 555 0100.") -> bytes:
    """The seed's own scenario: gmail sender, McAfee named, an order word and a phone number, no amount."""
    msg = EmailMessage()
    msg["From"] = "Pat Doe <pat.doe@gmail.com>"
    msg["To"] = "sam@example.net"
    msg["Subject"] = "your order"
    msg["Message-ID"] = "<seed@example.net>"
    msg.set_content(body)
    return bytes(msg)


def lure_with_pdf(pdf_bytes: bytes = b"%PDF-1.4 not really a pdf") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Norton Billing <billing.norton360@gmail.com>"
    msg["To"] = "sam@example.net"
    msg["Subject"] = "Norton 360 renewal invoice"
    msg.set_content("Your Norton 360 subscription renewed for $499.99. To cancel call +1 (844) 555-0199 now.")
    msg.add_attachment(pdf_bytes, maintype="application", subtype="pdf", filename="invoice.pdf")
    return bytes(msg)


@pytest.fixture
def make_app():
    def make(**settings) -> tuple[App, CollectorRegistry]:
        reg = CollectorRegistry()
        metrics = Metrics(reg)
        app = App(Settings(policy=POLICY, **settings), with_dns=False, metrics=metrics)
        return app, reg
    return make


def _raise(*_args, **_kwargs):
    raise RuntimeError("injected failure")


def test_the_seed_scenario_is_judged_without_error(make_app):
    app, _ = make_app()
    verdict = app.pipeline.process(context_from_bytes(seed_message())).verdict
    assert verdict.degraded == ()
    assert any(f.check == "freemail_brand_claim" and f.outcome == "brand_voice" for f in verdict.findings)


def test_a_raising_check_is_left_out_named_counted_and_logged(make_app, monkeypatch, caplog):
    app, reg = make_app()
    monkeypatch.setattr(type(registry.get("freemail_brand_claim")), "evaluate", _raise)
    with caplog.at_level(logging.ERROR, logger="brandguard"):
        outcome = app.pipeline.process(context_from_bytes(lure_with_pdf()))
    v = outcome.verdict
    assert v.degraded == ("freemail_brand_claim",) and not v.error
    assert v.findings and all(f.check != "freemail_brand_claim" for f in v.findings)  # the others judged it
    assert ("X-Brandguard-Degraded", "freemail_brand_claim") in outcome.plan.add_headers
    assert outcome.plan.result == "accept"
    assert reg.get_sample_value("brandguard_check_errors_total", {"check": "freemail_brand_claim"}) == 1.0
    assert "freemail_brand_claim raised" in caplog.text and "RuntimeError: injected failure" in caplog.text


def test_on_check_error_tempfail_answers_4xx(make_app, monkeypatch):
    app, reg = make_app(on_check_error="tempfail")
    monkeypatch.setattr(type(registry.get("phone_not_official")), "evaluate", _raise)
    outcome = app.pipeline.process(context_from_bytes(lure_with_pdf()))
    assert outcome.plan.result == "tempfail" and outcome.plan.reply.code == "451"
    assert outcome.verdict.degraded == ("phone_not_official",)
    assert reg.get_sample_value("brandguard_messages_total", {"disposition": "tempfail", "mode": "enforce"}) == 1.0


def test_a_raising_extractor_leaves_the_body_to_judge(make_app, monkeypatch):
    app, reg = make_app()
    monkeypatch.setattr(pdf, "read_pdf", _raise)
    # bytes no other test uses: attachment results are cached by content
    v = app.pipeline.process(context_from_bytes(lure_with_pdf(b"%PDF-1.4 isolation test"))).verdict
    assert v.degraded == ("pdf",)
    assert v.action in (Action.QUARANTINE, Action.REJECT)  # the body alone is a callback lure
    assert reg.get_sample_value("brandguard_check_errors_total", {"check": "pdf"}) == 1.0


class _NoDns:
    def query(self, *_args, **_kwargs):
        raise AssertionError("no DNS expected in this test")


def test_a_raising_auth_method_is_temperror_and_dmarc_does_not_conclude_fail(monkeypatch):
    from brandguard.auth import spf

    monkeypatch.setattr(spf, "check_host", _raise)
    monkeypatch.setattr("brandguard.auth.dmarc.evaluate", _raise)  # must not even be asked
    guard = Guard("Q1")
    msg = EmailMessage()
    msg["From"] = "a@example.org"
    msg.set_content("hi")
    auth = Authenticator(_NoDns(), AuthSettings()).authenticate(context_from_bytes(bytes(msg)), guard)
    assert auth.spf.result == "temperror" and auth.dmarc.result == "temperror"
    assert guard.degraded == ("spf",)


def test_tracebacks_are_logged_once_per_step_and_minute(caplog):
    now = [0.0]
    limit = _RateLimit(60.0, clock=lambda: now[0])
    with caplog.at_level(logging.ERROR, logger="brandguard"):
        for t in (0.0, 10.0, 59.0, 61.0):
            now[0] = t
            Guard("Q", rate_limit=limit).run("pdf", _raise, default=None)
        Guard("Q", rate_limit=limit).run("ocr", _raise, default=None)
    assert [r.getMessage().split(":")[1].split()[0] for r in caplog.records] == ["pdf", "pdf", "ocr"]


def test_every_check_name_is_a_declared_error_label(make_app):
    _, reg = make_app()
    for name in registry.names() + ["pdf", "docx", "ics", "ocr", "html", "spf", "dkim", "dmarc", "arc"]:
        assert reg.get_sample_value("brandguard_check_errors_total", {"check": name}) == 0.0, name
