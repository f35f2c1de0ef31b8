"""DMARC: discovery and fallback, alignment modes, p/sp/pct, DMARCbis tree walk with psd/np/t."""
from __future__ import annotations

import pytest

from brandguard.auth.dmarc import evaluate, walk_targets
from brandguard.auth.orgdomain import AuthorDomain
from brandguard.model import DkimSignature, SpfResult
from fixtures.dns import FakeResolver, Zones

NO_SPF = SpfResult(result="fail", domain="evil.example")


def dkim_pass(domain: str) -> tuple[DkimSignature, ...]:
    return (DkimSignature(result="pass", domain=domain, selector="s", algorithm="rsa-sha256"),)


def run(zones, from_domain, spf=NO_SPF, dkim=(), *, problem="", timeout=(), **kw):
    resolver = FakeResolver(zones, timeout=timeout)
    return evaluate(resolver, AuthorDomain(from_domain, problem), spf, dkim, **kw), resolver


BANK = Zones().dmarc("bank.example", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@bank.example")


@pytest.mark.parametrize(("from_domain", "spf", "dkim", "result", "policy", "disposition"), [
    pytest.param("bank.example", NO_SPF, (), "fail", "reject", "reject", id="spoof-rejected"),
    pytest.param("bank.example", NO_SPF, dkim_pass("bank.example"), "pass", "reject", "none", id="dkim-aligned"),
    pytest.param("bank.example", NO_SPF, dkim_pass("mail.bank.example"), "pass", "reject", "none", id="dkim-relaxed"),
    pytest.param("bank.example", SpfResult("pass", "bounces.bank.example"), (), "pass", "reject", "none", id="spf-relaxed"),
    pytest.param("bank.example", SpfResult("pass", "evil.example"), dkim_pass("evil.example"), "fail", "reject", "reject",
                 id="unaligned-passes"),
    pytest.param("news.bank.example", NO_SPF, (), "fail", "quarantine", "quarantine", id="subdomain-uses-sp"),
    pytest.param("other.example", NO_SPF, (), "none", "", "none", id="no-record"),
])
def test_rfc7489_outcomes(from_domain, spf, dkim, result, policy, disposition):
    got, _ = run(BANK, from_domain, spf, dkim)
    assert (got.result, got.policy, got.disposition) == (result, policy, disposition)
    assert got.from_domain == from_domain


def test_fallback_to_org_domain_queries_both():
    got, resolver = run(BANK, "a.news.bank.example")
    assert got.org_domain == "bank.example" and got.result == "fail"
    assert resolver.queries == [("_dmarc.a.news.bank.example", "TXT"), ("_dmarc.bank.example", "TXT")]


def test_subdomain_record_wins_over_org():
    zones = Zones().merge(BANK).dmarc("news.bank.example", "v=DMARC1; p=none")
    got, _ = run(zones, "news.bank.example")
    assert (got.policy, got.disposition) == ("none", "none")


def test_sp_absent_falls_back_to_p():
    got, _ = run(Zones().dmarc("shop.example", "v=DMARC1; p=reject"), "www.shop.example")
    assert got.policy == "reject"


@pytest.mark.parametrize(("record", "spf", "dkim", "result"), [
    pytest.param("v=DMARC1; p=reject; adkim=s", NO_SPF, dkim_pass("mail.shop.example"), "fail", id="adkim-strict"),
    pytest.param("v=DMARC1; p=reject; adkim=s", NO_SPF, dkim_pass("shop.example"), "pass", id="adkim-strict-exact"),
    pytest.param("v=DMARC1; p=reject; aspf=s", SpfResult("pass", "mail.shop.example"), (), "fail", id="aspf-strict"),
    pytest.param("v=DMARC1; p=reject; aspf=x", SpfResult("pass", "mail.shop.example"), (), "pass",
                 id="bad-aspf-means-relaxed"),
])
def test_alignment_modes(record, spf, dkim, result):
    got, _ = run(Zones().dmarc("shop.example", record), "shop.example", spf, dkim)
    assert got.result == result


@pytest.mark.parametrize(("records", "result", "disposition"), [
    pytest.param(["v=DMARC1; p=reject", "v=DMARC1; p=none"], "permerror", "none", id="two-records"),
    pytest.param(["v=DMARC1; p=bounce"], "permerror", "none", id="bad-p-no-rua"),
    pytest.param(["v=DMARC1; sp=reject"], "permerror", "none", id="missing-p-no-rua"),
    pytest.param(["v=DMARC1; p=bounce; rua=mailto:r@shop.example"], "fail", "none", id="bad-p-with-rua-is-none"),
    pytest.param(["v=spf1 -all", "google-site-verification=abc"], "none", "none", id="not-dmarc-records"),
    pytest.param(["v=DMARC1;p=reject"], "fail", "reject", id="no-spaces"),
])
def test_record_problems(records, result, disposition):
    zones = Zones()
    for record in records:
        zones.dmarc("shop.example", record)
    got, _ = run(zones, "shop.example")
    assert (got.result, got.disposition) == (result, disposition)


def test_dns_timeout_is_temperror():
    got, _ = run(BANK, "bank.example", timeout=["_dmarc.bank.example"])
    assert got.result == "temperror" and got.disposition == "none" and "DNS" in got.reason


@pytest.mark.parametrize(("pct", "sample", "disposition"), [
    pytest.param("0", "<a@x>", "quarantine", id="pct-0-sampled-out"),
    pytest.param("100", "<a@x>", "reject", id="pct-100"),
    pytest.param("1000", "<a@x>", "reject", id="pct-invalid-means-100"),
])
def test_pct(pct, sample, disposition):
    got, _ = run(Zones().dmarc("shop.example", f"v=DMARC1; p=reject; pct={pct}"), "shop.example", sample_key=sample)
    assert got.disposition == disposition


def test_pct_sampling_is_deterministic_per_message():
    zones = Zones().dmarc("shop.example", "v=DMARC1; p=quarantine; pct=50")
    outcomes = {k: run(zones, "shop.example", sample_key=k)[0].disposition for k in (f"<{i}@x>" for i in range(40))}
    assert set(outcomes.values()) == {"none", "quarantine"}
    assert all(run(zones, "shop.example", sample_key=k)[0].disposition == d for k, d in outcomes.items())


@pytest.mark.parametrize(("problem", "domain", "result"), [
    pytest.param("no_from", "", "permerror", id="no-from"),
    pytest.param("multiple_from", "", "permerror", id="several-domains"),
    pytest.param("multiple_addresses", "bank.example", "fail", id="several-addresses-one-domain"),
])
def test_from_problems_are_reported(problem, domain, result):
    got, _ = run(BANK, domain, problem=problem)
    assert (got.result, got.from_problem) == (result, problem)


# --- DMARCbis ---------------------------------------------------------------------------


@pytest.mark.parametrize(("domain", "targets"), [
    pytest.param("a.b.c.d.e.example.com", ["a.b.c.d.e.example.com", "d.e.example.com", "e.example.com",
                                           "example.com", "com"], id="long-name-jumps-to-four-labels"),
    pytest.param("mail.example.com", ["mail.example.com", "example.com", "com"], id="short-name"),
    pytest.param("com", ["com"], id="tld"),
])
def test_walk_targets(domain, targets):
    assert walk_targets(domain) == targets


def test_dmarcbis_walks_up_to_the_policy():
    got, resolver = run(BANK, "x.y.z.w.news.bank.example", mode="dmarcbis")
    assert got.result == "fail" and got.policy == "quarantine" and got.org_domain == "bank.example"
    assert ("_dmarc.bank.example", "TXT") in resolver.queries
    assert len({q for q in resolver.queries if q[1] == "TXT"}) <= 5


def test_dmarcbis_psd_record_sets_org_one_label_below():
    zones = Zones().dmarc("gov.example", "v=DMARC1; p=reject; psd=y").add("agency.gov.example", "A", "192.0.2.1")
    got, _ = run(zones, "mail.agency.gov.example", mode="dmarcbis")
    assert got.org_domain == "agency.gov.example" and got.policy == "reject"


def test_dmarcbis_org_domain_differs_from_psl():
    """A hoster's customers are separate organisations when the hoster says psd=y."""
    zones = Zones().dmarc("hoster.example", "v=DMARC1; p=reject; psd=y").dmarc("c1.hoster.example", "v=DMARC1; p=reject")
    dkim = dkim_pass("hoster.example")
    assert run(zones, "c1.hoster.example", dkim=dkim)[0].result == "pass"  # PSL: one org
    assert run(zones, "c1.hoster.example", dkim=dkim, mode="dmarcbis")[0].result == "fail"


def test_dmarcbis_psd_n_stops_the_walk():
    zones = Zones().dmarc("corp.example", "v=DMARC1; p=none; psd=n").dmarc("example", "v=DMARC1; p=reject; psd=y")
    got, _ = run(zones, "dept.corp.example", mode="dmarcbis")
    assert got.org_domain == "corp.example"


@pytest.mark.parametrize(("exists", "policy"), [
    pytest.param(False, "reject", id="non-existent-uses-np"),
    pytest.param(True, "quarantine", id="existing-uses-sp"),
])
def test_dmarcbis_np(exists, policy):
    zones = Zones().dmarc("shop.example", "v=DMARC1; p=none; sp=quarantine; np=reject")
    if exists:
        zones.add("ghost.shop.example", "MX", (10, "mx.shop.example"))
    got, _ = run(zones, "ghost.shop.example", mode="dmarcbis")
    assert got.policy == policy


def test_np_is_ignored_in_rfc7489_mode():
    zones = Zones().dmarc("shop.example", "v=DMARC1; p=none; sp=quarantine; np=reject")
    assert run(zones, "ghost.shop.example")[0].policy == "quarantine"


@pytest.mark.parametrize(("record", "disposition"), [
    pytest.param("v=DMARC1; p=reject; t=y", "quarantine", id="testing-one-level-lower"),
    pytest.param("v=DMARC1; p=reject; t=n", "reject", id="not-testing"),
    pytest.param("v=DMARC1; p=reject; pct=0", "reject", id="pct-ignored"),
    pytest.param("v=DMARC1; sp=reject", "none", id="missing-p-is-none"),
])
def test_dmarcbis_testing_and_defaults(record, disposition):
    got, _ = run(Zones().dmarc("shop.example", record), "shop.example", mode="dmarcbis")
    assert got.result == "fail" and got.disposition == disposition
