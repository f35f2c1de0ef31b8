"""One decision record per message: text by default, JSON for log pipelines."""
from __future__ import annotations

import json
import logging

import pytest

from brandguard.app import App
from brandguard.mailfile import context_from_bytes
from brandguard.model import Envelope
from brandguard.settings import Settings

RAW = b"From: a@example.org\r\nTo: b@example.net\r\nSubject: BG-QUARANTINE hi\r\n\r\nhello\r\n"


@pytest.mark.parametrize("fmt", [pytest.param("json", id="json"), pytest.param("text", id="text")])
def test_decision_record(e2e_policy, caplog, fmt):
    app = App(Settings(policy=e2e_policy, log={"format": fmt}), with_dns=False)
    ctx = context_from_bytes(RAW, Envelope(mail_from="a@example.org", rcpts=("b@example.net", "c@example.net"),
                                           queue_id="4XyZ1"))
    outcome = app.process(ctx)
    with caplog.at_level(logging.INFO, logger="brandguard"):
        app.log_decision(ctx, outcome)
    line = caplog.records[-1].getMessage()
    if fmt == "json":
        rec = json.loads(line)
        assert rec["queue_id"] == "4XyZ1" and rec["sender_domain"] == "example.org" and rec["rcpt_count"] == 2
        assert rec["verdict"] == "quarantine" and "test-quarantine" in rec["rules"]
        assert set(rec["auth"]) == {"spf", "dkim", "dmarc", "arc"} and "duration_ms" in rec
        assert isinstance(rec["findings"], list)
    else:
        assert line.startswith("4XyZ1 verdict=quarantine score=") and "rules=" in line
