"""CampaignMemory: learning, lookup, TTL, forget, and the safety rules that keep it from being poisoned."""
from __future__ import annotations

import sqlite3

import pytest

from brandguard.campaign.config import CampaignSettings
from brandguard.campaign.facts import Indicator, Indicators, Match, describe
from brandguard.campaign.memory import CampaignMemory, allowlisted, source_id
from brandguard.mailfile import context_from_bytes
from brandguard.model import Action, AuthResults, RuleHit, Verdict

PHONE = Indicators((Indicator("phone", "+18883105521", "body"),))
HOST = Indicators((Indicator("link_host", "renewal-desk.example", "body"),))


def kinds(facts):
    return sorted((m.kind, m.value, m.count) for m in facts.matches)


def test_what_one_process_learns_is_found_with_count_and_dates(memory_factory, clock):
    memory = memory_factory()
    memory.teach(PHONE, "lure-1@x", sender=None)
    clock.now += 3600
    memory.teach(PHONE, "lure-2@x", sender=None)
    facts, events = memory.lookup(Indicators(PHONE.items + HOST.items))
    assert kinds(facts) == [("phone", "+18883105521", 2)]
    (m,) = facts.matches
    assert m.last_seen - m.first_seen == 3600 and m.source == "lure-2@x"
    assert events.hits == ("phone",) and not events.errors


def test_indicators_expire_after_the_ttl(memory_factory, clock):
    memory = memory_factory(ttl_days=30)
    memory.teach(PHONE, "lure-1@x", sender=None)
    clock.now += 29 * 86400
    assert kinds(memory.lookup(PHONE)[0])
    clock.now += 2 * 86400
    assert not memory.lookup(PHONE)[0].matches


@pytest.mark.parametrize("by", [pytest.param("source", id="by-message-id"), pytest.param("queue", id="by-queue-id")])
def test_forget_removes_what_a_message_taught_and_keeps_it_from_teaching_again(memory_factory, by):
    memory = memory_factory()
    memory.teach(PHONE, "lure-1@x", "4F2A81C0B3", sender=None)
    memory.teach(HOST, "lure-2@x", "5A1B2C3D4E", sender=None)
    n = memory.forget("lure-1@x") if by == "source" else memory.forget(queue_id="4F2A81C0B3")
    assert n == 1
    assert not memory.lookup(PHONE)[0].matches and memory.lookup(HOST)[0].matches
    assert memory.teach(PHONE, "lure-1@x", sender="example.org").learned == 0  # released: never teaches again
    assert memory.teach(PHONE, "lure-1@x", sender=None).learned == 1  # an admin's confirm overrides


def test_one_sender_teaches_at_most_its_hourly_quota(memory_factory, clock):
    memory = memory_factory(learn_per_sender_per_hour=2)
    learned = [memory.teach(PHONE, f"m{i}@x", sender="spam.example").learned for i in range(4)]
    assert learned == [1, 1, 0, 0]
    assert memory.teach(PHONE, "other@x", sender="other.example").learned == 1
    clock.now += 3601
    assert memory.teach(PHONE, "m9@x", sender="spam.example").learned == 1


def verdict(score: float, action: Action = Action.QUARANTINE, campaign: float = 0.0, **kw) -> Verdict:
    hits = (RuleHit(id="callback_lure", score=score - campaign),) + ((RuleHit(id="campaign_match", score=campaign),)
                                                                     if campaign else ())
    return Verdict(action=action, score=score, hits=hits, **kw)


@pytest.mark.parametrize(("v", "confident"), [
    pytest.param(verdict(16), True, id="quarantined-above-the-learning-score"),
    pytest.param(verdict(12), False, id="quarantined-but-below-it"),
    pytest.param(verdict(20, campaign=8), False, id="confident-only-thanks-to-the-memory-itself"),
    pytest.param(verdict(16, Action.TAG), False, id="only-tagged"),
    pytest.param(verdict(16, Action.ACCEPT, would_action=Action.QUARANTINE), True, id="monitor-mode-would-quarantine"),
    pytest.param(verdict(30, Action.ACCEPT, error="budget"), False, id="a-fallback-verdict"),
])
def test_only_confident_verdicts_teach(memory_factory, v, confident):
    assert memory_factory().confident(v) is confident


def test_an_allowlisted_sender_never_teaches(memory_factory, make_mail, policy):
    from dataclasses import replace

    from brandguard.policy import schema

    entry = schema.AllowEntry(sender_domain=["gmail.com"], reason="test", brands="all")
    allowing = replace(policy, spec=policy.spec.model_copy(update={"allow": [entry]}))
    ctx = context_from_bytes(make_mail("hello"))
    assert allowlisted(allowing, ctx, AuthResults()) and not allowlisted(policy, ctx, AuthResults())
    memory = memory_factory()
    assert memory.learn_from_verdict(ctx, AuthResults(), PHONE, verdict(30), allowing).learned == 0
    assert memory.learn_from_verdict(ctx, AuthResults(), PHONE, verdict(30), policy).learned == 1


def test_a_read_only_memory_never_teaches(tmp_path, memory_factory):
    memory_factory().teach(HOST, "seed@x", sender=None)  # creates the file
    from brandguard.campaign.store import SQLiteStore

    ro = CampaignMemory(CampaignSettings(), SQLiteStore(tmp_path / "campaign.sqlite", read_only=True), read_only=True)
    assert ro.teach(PHONE, "lure@x", sender=None).learned == 0
    assert ro.lookup(HOST)[0].matches and not ro.lookup(PHONE)[0].matches
    ro.close()


class _DownStore:
    kind = "redis"
    calls = 0

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            type(self).calls += 1
            raise ConnectionError("store down")
        return fail


def test_a_store_that_fails_is_counted_and_left_alone_a_while(clock):
    memory = CampaignMemory(CampaignSettings(retry_seconds=60), _DownStore(), clock=clock)
    facts, events = memory.lookup(PHONE)
    assert not facts.available and facts.matches == () and events.errors == ("lookup",)
    facts, events = memory.lookup(PHONE)  # skipped without asking, still counted
    assert events.errors == ("lookup",) and _DownStore.calls == 1
    assert memory.teach(PHONE, "x", sender=None).errors == ("learn",)


def test_text_fingerprints_match_by_distance(memory_factory):
    from brandguard.campaign.indicators import fingerprint
    from unit.campaign.conftest import LURE_BODY

    memory = memory_factory()
    memory.teach(Indicators((Indicator("text_fuzzy", fingerprint(LURE_BODY)),)), "lure@x", sender=None)
    variant = fingerprint(LURE_BODY.replace("399.99", "249.00").replace("Dear customer", "Dear Bob"))
    (m,) = memory.lookup(Indicators((Indicator("text_fuzzy", variant),)))[0].matches
    assert m.kind == "text_fuzzy" and 0 < m.distance < 50


def test_the_source_is_the_message_id_else_a_body_hash(make_mail):
    assert source_id(context_from_bytes(make_mail("hi", mid="<abc@example.org>"))) == "abc@example.org"
    raw = make_mail("hi").replace(b"Message-ID: <lure-1@gmail.com>\n", b"")
    assert source_id(context_from_bytes(raw)).startswith("sha256:")


def test_evidence_reads_as_the_issue_asks():
    m = Match("phone", "+18883105521", 14, 1_796_083_200.0, 1_796_183_200.0, "x")
    assert describe(m) == "+18883105521 seen in 14 confirmed scams since 2026-12-01"


def test_a_locked_database_is_a_store_error_not_an_exception(tmp_path, clock):
    from brandguard.campaign.store import SQLiteStore

    path = tmp_path / "c.sqlite"
    memory = CampaignMemory(CampaignSettings(timeout_seconds=0.05), SQLiteStore(path, timeout=0.05), clock=clock)
    memory.teach(PHONE, "seed@x", sender=None)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        assert memory.teach(HOST, "lure@x", sender=None).errors == ("learn",)
    finally:
        other.execute("ROLLBACK")
        other.close()
    memory.close()
