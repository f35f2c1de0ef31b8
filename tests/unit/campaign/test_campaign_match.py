"""campaign_match: one finding per message, its outcome the strongest kind matched, its evidence each kind's best."""
from __future__ import annotations

import dataclasses

import pytest

from brandguard.campaign.facts import CampaignFacts, Match
from brandguard.checks import registry
from brandguard.checks.base import CheckInput
from brandguard.checks.campaign_match import CampaignMatchParams
from brandguard.content import extract
from brandguard.mailfile import context_from_bytes
from brandguard.model import AuthResults

DAY = 1_796_083_200.0  # 2026-12-01


def m(kind: str, value: str = "v", count: int = 1, distance: int = 0) -> Match:
    return Match(kind, value, count, DAY, DAY + 3600, "src@x", distance)


@pytest.fixture
def evaluate(policy, make_mail):
    ctx = context_from_bytes(make_mail("Hello, your order is processed."))
    base = CheckInput.build(ctx, AuthResults(), extract(ctx), policy.catalogue)

    def run(*matches: Match, **params):
        inp = dataclasses.replace(base, campaign=CampaignFacts(matches))
        return registry.get("campaign_match").evaluate(inp, CampaignMatchParams(**params))

    return run


def test_nothing_known_finds_nothing(evaluate):
    assert evaluate() == []


@pytest.mark.parametrize(("matches", "outcome"), [
    pytest.param((m("phone", "+18883105521", 14),), "phone", id="a-number"),
    pytest.param((m("link_host"),), "link_host", id="a-host"),
    pytest.param((m("link_host"), m("attachment", "ab" * 32)), "several", id="two-kinds"),
    pytest.param((m("link_host"), m("text_fuzzy", distance=10)), "link_host", id="two-weak-kinds-stay-weak"),
    pytest.param((m("text_fuzzy", distance=20),), "text_fuzzy", id="near-text"),
])
def test_the_outcome_is_the_kind_matched_or_several(evaluate, matches, outcome):
    (f,) = evaluate(*matches)
    assert f.outcome == outcome and f.check == "campaign_match"


def test_the_evidence_names_the_value_the_count_and_the_first_day(evaluate):
    (f,) = evaluate(m("phone", "+18883105521", 2), m("phone", "+18883105521", 14))
    assert f.evidence == "+18883105521 seen in 14 confirmed scams since 2026-12-01"


@pytest.mark.parametrize(("match", "params", "found"), [
    pytest.param(m("phone", count=1), {"min_count": 2}, False, id="below-min-count"),
    pytest.param(m("phone", count=2), {"min_count": 2}, True, id="at-min-count"),
    pytest.param(m("text_fuzzy", distance=60), {}, False, id="text-too-far"),
    pytest.param(m("text_fuzzy", distance=60), {"max_text_distance": 70}, True, id="text-within-a-wider-distance"),
])
def test_parameters_bound_what_counts(evaluate, match, params, found):
    assert bool(evaluate(match, **params)) is found


def test_the_shipped_policy_weighs_a_host_or_text_match_alone_below_quarantine(policy):
    params = policy.check_params["campaign_match"]
    quarantine = policy.spec.thresholds.quarantine
    assert params.outcome_weights["link_host"] < policy.spec.thresholds.tag
    assert params.outcome_weights["text_fuzzy"] < policy.spec.thresholds.tag
    assert params.outcome_weights["phone"] < quarantine  # a number alone tags; with any lure it quarantines
