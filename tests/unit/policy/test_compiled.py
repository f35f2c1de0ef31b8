"""Compiled conditions: each Policy object gets its own, they keep no Policy alive, and they mean what the schema says."""
from __future__ import annotations

import dataclasses
import gc
import textwrap
import weakref

import pytest

from brandguard.mailfile import context_from_bytes
from brandguard.model import AuthResults, DkimSignature, DmarcResult, Envelope, Finding
from brandguard.policy import schema
from brandguard.policy.compiled import compiled
from brandguard.policy.engine import allowlisted, evaluate
from brandguard.policy.loader import load_policy

MSG = (b"From: Norton <billing@Mail.Norton.COM.>\r\nTo: you@example.net\r\nSubject: Renewal \xe9t\xe9\r\n"
       b"Message-ID: <1@x>\r\n\r\nhi\r\n")
HEAD = "version: 1\ncatalogue: {brands: [], freemail: null}\n"


@pytest.fixture
def write_policy(tmp_path):
    def write(body: str):
        p = tmp_path / "policy.yaml"
        p.write_text(HEAD + textwrap.dedent(body))
        return load_policy(p)
    return write


def ctx(**env):
    c = context_from_bytes(MSG)
    envelope = Envelope(**{"mail_from": "bounce@Mailer.Example.", "rcpts": ("you@example.net",), **env})
    return type(c)(envelope=envelope, headers=c.headers, body=c.body)


def test_a_reloaded_policy_uses_its_own_conditions(write_policy):
    first = write_policy("rules: [{id: r, when: {header: Subject, contains: renewal}, action: tag}]\n")
    assert evaluate(first, ctx(), AuthResults(), []).action.value == "tag"
    second = write_policy("rules: [{id: r, when: {header: Subject, contains: invoice}, action: tag}]\n")
    assert evaluate(second, ctx(), AuthResults(), []).action.value == "accept"
    assert evaluate(first, ctx(), AuthResults(), []).action.value == "tag"
    assert compiled(first) is compiled(first) and compiled(first) is not compiled(second)


def test_a_policy_copied_with_another_spec_uses_its_own_allow_entries(write_policy):
    policy = write_policy("rules: []\n")
    entry = schema.AllowEntry(sender_domain=["norton.com"], reason="reseller")
    allowing = dataclasses.replace(policy, spec=policy.spec.model_copy(update={"allow": [entry]}))
    assert not allowlisted(policy, ctx(), AuthResults())
    assert allowlisted(allowing, ctx(), AuthResults())
    assert not allowlisted(policy, ctx(), AuthResults())


def test_compiled_conditions_keep_no_policy_alive(write_policy):
    policy = write_policy("rules: [{id: r, when: {header: Subject, matches: renew}, action: tag}]\n")
    evaluate(policy, ctx(), AuthResults(), [])
    gone = weakref.ref(policy)
    del policy
    gc.collect()
    assert gone() is None


NORTON = Finding(check="brand_claim", outcome="display_name", brand="norton")
AUTH = AuthResults(dmarc=DmarcResult(result="fail", from_domain="other.example", disposition="quarantine"),
                   dkim=(DkimSignature(result="fail"),))


@pytest.mark.parametrize("when, env, holds", [
    pytest.param("{check: brand_claim, outcome: []}", {}, True, id="empty-outcome-list-is-any-outcome"),
    pytest.param("{check: brand_claim, outcome: display_name}", {}, True, id="outcome-as-a-string"),
    pytest.param("{check: brand_claim, outcome: [body, subject]}", {}, False, id="outcome-not-listed"),
    pytest.param("{check: brand_claim, brand: mcafee}", {}, False, id="other-brand"),
    pytest.param("{check: sender_not_brand}", {}, False, id="check-without-finding"),
    pytest.param("{all: []}", {}, True, id="empty-all-holds"),
    pytest.param("{any: []}", {}, False, id="empty-any-fails"),
    pytest.param("{not: {any: [{score_at_least: 9}, {check: brand_claim, brand: mcafee}]}}", {}, True, id="not-any"),
    pytest.param("{from_domain: [NORTON.com.]}", {}, True, id="header-from-subdomain-any-case"),
    pytest.param("{mail_from_domain: [example]}", {}, True, id="envelope-domain-trailing-dot"),
    pytest.param("{rcpt_domain: []}", {}, False, id="empty-domain-list-matches-nothing"),
    pytest.param("{client_ip: ['2001:db8::/32']}", {"client_addr": "192.0.2.1"}, False, id="v4-address-v6-net"),
    pytest.param("{client_ip: [192.0.2.0/24]}", {"client_addr": "not-an-ip"}, False, id="unparseable-address"),
    pytest.param("{client_ip: [192.0.2.0/24], authenticated: false}", {"client_addr": "192.0.2.9"}, True,
                 id="network-and-unauthenticated"),
    pytest.param("{mail_from_matches: '^bounce@'}", {}, True, id="envelope-regex"),
    pytest.param("{header: Subject, matches: 'renewal .t.$'}", {}, True, id="regex-on-8-bit-header"),
    pytest.param("{header: subject, contains: RENEWAL}", {}, True, id="contains-any-case"),
    pytest.param("{header: X-Missing, exists: false}", {}, True, id="header-absent"),
    pytest.param("{method: dkim, result: [none, fail]}", {}, True, id="dkim-result"),
    pytest.param("{method: spf, result: []}", {}, False, id="empty-result-list"),
    pytest.param("{dmarc_policy: [quarantine, reject], from_problem: false}", {}, True, id="dmarc-policy-list"),
    pytest.param("{all: [{header: Subject, exists: true}, {method: dmarc, result: pass}, {check: brand_claim}]}", {},
                 False, id="all-with-one-false-whatever-its-place"),
    pytest.param("{any: [{header: X-Missing, exists: true}, {arc_trusted_override: false}]}", {}, True,
                 id="any-with-one-true-whatever-its-place"),
])
def test_condition_holds(write_policy, when, env, holds):
    policy = write_policy(f"rules: [{{id: r, when: {when}, score: 1}}]\n")
    v = evaluate(policy, ctx(**env), AUTH, [NORTON])
    assert (v.rule_ids == ("r",)) is holds
