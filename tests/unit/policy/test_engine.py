"""Engine: weights, thresholds, forced actions, modes, allowlists, sampling, overrides."""
from __future__ import annotations

import textwrap

import pytest

from brandguard.mailfile import context_from_bytes
from brandguard.model import Action, AuthResults, DmarcResult, Envelope, Finding, Mode
from brandguard.policy.engine import evaluate, in_domains
from brandguard.policy.loader import load_policy

MSG = b"From: Norton <billing@gmail.com>\r\nTo: you@example.net\r\nSubject: Renewal\r\nMessage-ID: <1@x>\r\n\r\nhi\r\n"


@pytest.fixture
def make_policy(tmp_path):
    def make(body: str):
        p = tmp_path / "policy.yaml"
        p.write_text("version: 1\ncatalogue: {brands: [], freemail: null}\n" + textwrap.dedent(body))
        return load_policy(p)
    return make


def ctx(raw: bytes = MSG, **env):
    c = context_from_bytes(raw)
    if env:
        c = type(c)(envelope=Envelope(**{"mail_from": "billing@gmail.com", "rcpts": ("you@example.net",), **env}),
                    headers=c.headers, body=c.body)
    return c


F_STRUCT = Finding(check="message_structure", outcome="multiple_from", evidence="2 From headers")


@pytest.mark.parametrize("weight, expected", [
    pytest.param(1, Action.ACCEPT, id="below-tag"),
    pytest.param(5, Action.TAG, id="tag-threshold"),
    pytest.param(12, Action.QUARANTINE, id="quarantine-threshold"),
    pytest.param(20, Action.REJECT, id="reject-threshold"),
])
def test_score_thresholds(make_policy, weight, expected):
    policy = make_policy(f"checks: {{message_structure: {{weight: {weight}}}}}\n")
    v = evaluate(policy, ctx(), AuthResults(), [F_STRUCT])
    assert v.action is expected
    assert v.score == weight


def test_outcome_weight_overrides_weight(make_policy):
    policy = make_policy("checks: {message_structure: {weight: 1, outcome_weights: {multiple_from: 11}}}\n")
    assert evaluate(policy, ctx(), AuthResults(), [F_STRUCT]).action is Action.QUARANTINE


def test_same_check_and_brand_scores_once(make_policy):
    policy = make_policy("checks: {message_structure: {weight: 3}}\n")
    v = evaluate(policy, ctx(), AuthResults(), [F_STRUCT, F_STRUCT])
    assert v.score == 3


def test_forced_reject_rule_with_reply(make_policy):
    policy = make_policy("""
        rules:
          - id: subj
            when: {header: Subject, matches: "^renew"}
            action: reject
            reply: {text: "No {brand} renewals here"}
    """)
    v = evaluate(policy, ctx(), AuthResults(), [])
    assert v.action is Action.REJECT
    assert v.reply.text == "No a brand renewals here"
    assert v.rule_ids == ("subj",)


def test_monitor_rule_gives_would_action_only(make_policy):
    policy = make_policy("""
        rules:
          - {id: subj, when: {header: Subject, contains: renewal}, action: quarantine, mode: monitor}
    """)
    v = evaluate(policy, ctx(), AuthResults(), [])
    assert (v.action, v.would_action) == (Action.ACCEPT, Action.QUARANTINE)


def test_policy_monitor_mode_turns_everything_into_would(make_policy):
    policy = make_policy("""
        mode: monitor
        rules:
          - {id: subj, when: {header: Subject, contains: renewal}, action: reject}
    """)
    v = evaluate(policy, ctx(), AuthResults(), [])
    assert (v.action, v.would_action, v.mode) == (Action.ACCEPT, Action.REJECT, Mode.MONITOR)
    assert v.reply is None


def test_accept_rule_wins_over_score(make_policy):
    policy = make_policy("""
        checks: {message_structure: {weight: 20}}
        rules:
          - {id: trusted-relay, when: {client_ip: ["192.0.2.0/24"]}, action: accept}
    """)
    v = evaluate(policy, ctx(client_addr="192.0.2.7"), AuthResults(), [F_STRUCT])
    assert v.action is Action.ACCEPT
    assert "trusted-relay" in v.reason


def test_allow_entry_drops_brand_findings(make_policy):
    policy = make_policy("""
        checks: {message_structure: {weight: 20}}
        allow:
          - {sender_domain: [gmail.com], brands: [norton], reason: "our reseller uses gmail"}
    """)
    f_norton = Finding(check="message_structure", outcome="multiple_from", brand="norton")
    f_other = Finding(check="message_structure", outcome="multiple_from", brand="mcafee")
    v = evaluate(policy, ctx(), AuthResults(), [f_norton, f_other])
    assert v.brands == ("mcafee",)
    assert "our reseller" in v.reason


def test_dmarc_condition(make_policy):
    policy = make_policy("""
        rules:
          - id: dmarc-reject
            when: {all: [{method: dmarc, result: fail}, {dmarc_policy: reject}]}
            action: reject
    """)
    auth = AuthResults(dmarc=DmarcResult(result="fail", from_domain="gmail.com", disposition="reject"), checked=True)
    assert evaluate(policy, ctx(), auth, []).action is Action.REJECT
    assert evaluate(policy, ctx(), AuthResults(), []).action is Action.ACCEPT


def test_recipient_override_switches_mode(make_policy):
    policy = make_policy("""
        rules:
          - {id: subj, when: {header: Subject, contains: renewal}, action: reject}
        recipient_overrides:
          - {recipient_domain: [example.net], mode: monitor}
    """)
    v = evaluate(policy, ctx(), AuthResults(), [])
    assert (v.action, v.would_action) == (Action.ACCEPT, Action.REJECT)


def test_sampling_is_deterministic(make_policy):
    policy = make_policy("""
        rules:
          - {id: half, when: {header: Subject, exists: true}, action: tag, sample_percent: 50}
    """)
    first = evaluate(policy, ctx(), AuthResults(), []).action
    assert all(evaluate(policy, ctx(), AuthResults(), []).action is first for _ in range(5))


def test_not_and_any_conditions(make_policy):
    policy = make_policy("""
        rules:
          - id: combo
            when: {all: [{not: {header: X-Trusted, exists: true}}, {any: [{rcpt_domain: [example.net]}, {from_domain: [nowhere.test]}]}]}
            action: tag
    """)
    assert evaluate(policy, ctx(), AuthResults(), []).action is Action.TAG


@pytest.mark.parametrize("domain, domains, expected", [
    pytest.param("mail.norton.com", ["norton.com"], True, id="subdomain"),
    pytest.param("norton.com", ["norton.com"], True, id="exact"),
    pytest.param("evilnorton.com", ["norton.com"], False, id="suffix-is-not-subdomain"),
    pytest.param("", ["norton.com"], False, id="empty"),
])
def test_in_domains(domain, domains, expected):
    assert in_domains(domain, domains) is expected


@pytest.mark.parametrize("weight, rules, expected", [
    pytest.param(20, "- {id: bulletin, when: {header: Subject, contains: Renewal}, cap: tag}", Action.TAG,
                 id="score-capped-at-tag"),
    pytest.param(2, "- {id: bulletin, when: {header: Subject, contains: Renewal}, cap: tag}", Action.ACCEPT,
                 id="below-tag-stays-accepted"),
    pytest.param(0, "- {id: bulletin, when: {header: Subject, contains: Renewal}, cap: tag}\n"
                    "- {id: lure, when: {header: Subject, exists: true}, action: reject}", Action.TAG,
                 id="rules-below-the-cap-are-capped"),
    pytest.param(0, "- {id: dmarc, when: {header: Subject, exists: true}, action: reject}\n"
                    "- {id: bulletin, when: {header: Subject, contains: Renewal}, cap: tag}", Action.REJECT,
                 id="rules-above-the-cap-keep-their-action"),
    pytest.param(20, "- {id: bulletin, when: {header: Subject, contains: Renewal}, cap: tag, mode: monitor}",
                 Action.REJECT, id="a-monitored-cap-does-not-lower"),
])
def test_cap_rule_limits_score_and_later_rules(make_policy, weight, rules, expected):
    policy = make_policy(f"checks: {{message_structure: {{weight: {weight}}}}}\nrules:\n"
                         + textwrap.indent(rules, "  ") + "\n")
    v = evaluate(policy, ctx(), AuthResults(), [F_STRUCT])
    assert v.action is expected
    assert "bulletin" in v.rule_ids


F_CAMPAIGN = Finding(check="campaign_match", outcome="phone", evidence="+18883105521 seen in 3 confirmed scams")


@pytest.mark.parametrize("struct, campaign, max_action, expected", [
    pytest.param(12, 10, None, Action.REJECT, id="unbounded-weight-reaches-reject"),
    pytest.param(12, 10, "quarantine", Action.QUARANTINE, id="bounded-weight-stops-at-quarantine"),
    pytest.param(0, 25, "tag", Action.TAG, id="bounded-alone-stops-at-tag"),
    pytest.param(2, 4, "quarantine", Action.TAG, id="bounded-weight-still-lifts-to-tag"),
    pytest.param(21, 10, "quarantine", Action.REJECT, id="the-rest-alone-reaches-reject"),
])
def test_max_action_bounds_what_a_checks_weight_leads_to(make_policy, struct, campaign, max_action, expected):
    bound = f", max_action: {max_action}" if max_action else ""
    policy = make_policy(f"checks: {{message_structure: {{weight: {struct}}}, "
                         f"campaign_match: {{weight: {campaign}{bound}}}}}\n")
    v = evaluate(policy, ctx(), AuthResults(), [F_STRUCT, F_CAMPAIGN])
    assert v.action is expected
    assert v.score == struct + campaign
