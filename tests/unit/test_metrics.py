"""Metrics: values read back from the registry after each recording method."""
from __future__ import annotations

import threading

import prometheus_client
import pytest
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from brandguard import __version__
from brandguard.metrics import (
    ACTIONS,
    AUTH_METHODS,
    AUTH_RESULTS,
    DISPOSITIONS,
    DNS_ERROR_KINDS,
    ERROR_STAGES,
    MODES,
    STAGES,
    Metrics,
    MetricsSettings,
)
from brandguard.model import (
    Action,
    ArcResult,
    AuthResults,
    DkimSignature,
    DmarcResult,
    Finding,
    Mode,
    RuleHit,
    SpfResult,
    Verdict,
)

CHECKS = ["freemail_brand_claim", "phone_not_official"]
RULES = ["brand-domain-dmarc-fail", "callback-lure"]
BRANDS = ["microsoft", "paypal"]


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def metrics(registry: CollectorRegistry) -> Metrics:
    return Metrics(registry, checks=CHECKS, rules=RULES, brands=BRANDS)


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


REJECT = Verdict(
    action=Action.REJECT, score=21.0,
    hits=(RuleHit("brand-domain-dmarc-fail", Action.REJECT), RuleHit("freemail_brand_claim", None, 6.0)),
    findings=(Finding("freemail_brand_claim", "claim", "paypal"), Finding("phone_not_official", "hit", "paypal"),
              Finding("phone_not_official", "hit", "paypal")),
    brands=("paypal", "paypal"),
)
MONITOR = Verdict(
    action=Action.TAG, score=12.0, mode=Mode.MONITOR, would_action=Action.QUARANTINE,
    hits=(RuleHit("callback-lure", Action.QUARANTINE, mode=Mode.MONITOR),),
    findings=(Finding("callback_lure_v2", "hit", "acme"),), brands=("acme",),
)


def test_every_predeclared_series_is_zero_from_the_first_scrape(registry, metrics):
    for disposition in DISPOSITIONS:
        for mode in MODES:
            assert value(registry, "brandguard_messages_total", disposition=disposition, mode=mode) == 0
    for action in ACTIONS:
        assert value(registry, "brandguard_would_action_total", action=action) == 0
    for rule in RULES + ["other"]:
        for mode in MODES:
            assert value(registry, "brandguard_rule_matches_total", rule=rule, mode=mode) == 0
    for check in CHECKS + ["other"]:
        assert value(registry, "brandguard_check_findings_total", check=check) == 0
    for brand in BRANDS + ["other"]:
        for verdict in ACTIONS:
            assert value(registry, "brandguard_brand_claims_total", brand=brand, verdict=verdict) == 0
    for method in AUTH_METHODS:
        for result in AUTH_RESULTS:
            assert value(registry, "brandguard_auth_results_total", method=method, result=result) == 0
    for stage in STAGES:
        assert value(registry, "brandguard_stage_duration_seconds_count", stage=stage) == 0
    for stage in ERROR_STAGES:
        assert value(registry, "brandguard_errors_total", stage=stage) == 0
    for kind in DNS_ERROR_KINDS:
        assert value(registry, "brandguard_dns_errors_total", kind=kind) == 0
    assert value(registry, "brandguard_dns_lookup_duration_seconds_count", rtype="TXT") == 0
    for result in ("success", "failure"):
        assert value(registry, "brandguard_policy_reloads_total", result=result) == 0
    assert value(registry, "brandguard_eom_duration_seconds_count") == 0
    assert value(registry, "brandguard_messages_in_flight") == 0
    assert value(registry, "brandguard_policy_last_reload_success") == 0


def test_build_info_names_version_and_python(registry, metrics):
    samples = [s for fam in registry.collect() for s in fam.samples if s.name == "brandguard_build_info"]
    assert len(samples) == 1
    assert samples[0].value == 1 and samples[0].labels["version"] == __version__
    assert samples[0].labels["python"].startswith("3.")


def test_record_verdict_enforce_reject(registry, metrics):
    metrics.record_verdict(REJECT, 0.042, {"auth": 0.03, "checks": 0.01, "mystery": 0.5})
    assert value(registry, "brandguard_messages_total", disposition="reject", mode="enforce") == 1
    assert value(registry, "brandguard_messages_total", disposition="accept", mode="enforce") == 0
    assert value(registry, "brandguard_rule_matches_total", rule="brand-domain-dmarc-fail", mode="enforce") == 1
    assert value(registry, "brandguard_rule_matches_total", rule="other", mode="enforce") == 1  # not a rule id
    assert value(registry, "brandguard_check_findings_total", check="phone_not_official") == 2
    assert value(registry, "brandguard_check_findings_total", check="freemail_brand_claim") == 1
    assert value(registry, "brandguard_brand_claims_total", brand="paypal", verdict="reject") == 1  # once per message
    assert value(registry, "brandguard_eom_duration_seconds_count") == 1
    assert value(registry, "brandguard_eom_duration_seconds_sum") == pytest.approx(0.042)
    assert value(registry, "brandguard_eom_duration_seconds_bucket", le="0.05") == 1
    assert value(registry, "brandguard_eom_duration_seconds_bucket", le="0.025") == 0
    assert value(registry, "brandguard_stage_duration_seconds_sum", stage="auth") == pytest.approx(0.03)
    assert value(registry, "brandguard_stage_duration_seconds_count", stage="other") == 1
    assert value(registry, "brandguard_stage_duration_seconds_count", stage="mystery") is None


def test_record_verdict_monitor_counts_would_action_and_maps_unknowns_to_other(registry, metrics):
    metrics.record_verdict(MONITOR, 0.01, {})
    assert value(registry, "brandguard_messages_total", disposition="tag", mode="monitor") == 1
    assert value(registry, "brandguard_would_action_total", action="quarantine") == 1
    assert value(registry, "brandguard_rule_matches_total", rule="callback-lure", mode="monitor") == 1
    assert value(registry, "brandguard_check_findings_total", check="other") == 1
    assert value(registry, "brandguard_check_findings_total", check="callback_lure_v2") is None
    assert value(registry, "brandguard_brand_claims_total", brand="other", verdict="quarantine") == 1
    assert value(registry, "brandguard_brand_claims_total", brand="acme", verdict="quarantine") is None


def test_fallback_verdict_counts_as_error_or_tempfail(registry, metrics):
    metrics.record_verdict(Verdict(action=Action.TAG, score=0, error="budget"), 0.2, {})
    metrics.record_verdict(Verdict(action=Action.ACCEPT, score=0, error="budget-tempfail"), 0.2, {})
    assert value(registry, "brandguard_messages_total", disposition="error", mode="enforce") == 1
    assert value(registry, "brandguard_messages_total", disposition="tempfail", mode="enforce") == 1
    assert value(registry, "brandguard_messages_total", disposition="tag", mode="enforce") == 0


def test_tempfail_and_errors(registry, metrics):
    metrics.record_tempfail()
    metrics.record_tempfail(Mode.MONITOR)
    metrics.record_error("checks")
    metrics.record_error("eom")
    metrics.record_error("flux-capacitor")
    assert value(registry, "brandguard_messages_total", disposition="tempfail", mode="enforce") == 1
    assert value(registry, "brandguard_messages_total", disposition="tempfail", mode="monitor") == 1
    assert value(registry, "brandguard_errors_total", stage="checks") == 1
    assert value(registry, "brandguard_errors_total", stage="eom") == 1
    assert value(registry, "brandguard_errors_total", stage="other") == 1


def test_set_label_sets_predeclares_new_values_and_keeps_old(registry, metrics):
    metrics.set_label_sets(checks=CHECKS + ["payment_lure"], rules=["new-rule"], brands=["norton"])
    assert value(registry, "brandguard_check_findings_total", check="payment_lure") == 0
    assert value(registry, "brandguard_rule_matches_total", rule="new-rule", mode="monitor") == 0
    assert value(registry, "brandguard_brand_claims_total", brand="norton", verdict="tag") == 0
    assert value(registry, "brandguard_rule_matches_total", rule="callback-lure", mode="enforce") == 0
    metrics.record_verdict(REJECT, 0.01, {})  # its rule is no longer in the policy
    assert value(registry, "brandguard_rule_matches_total", rule="brand-domain-dmarc-fail", mode="enforce") == 0
    assert value(registry, "brandguard_rule_matches_total", rule="other", mode="enforce") == 2


def test_record_auth_counts_one_result_per_method(registry, metrics):
    auth = AuthResults(
        spf=SpfResult("softfail"), checked=True, source="dns",
        dkim=(DkimSignature("fail", "a.example"), DkimSignature("pass", "b.example")),
        dmarc=DmarcResult("fail"), arc=ArcResult("weird"),
    )
    metrics.record_auth(auth)
    metrics.record_auth(AuthResults(checked=True, dkim=(DkimSignature("temperror"),)))
    assert value(registry, "brandguard_auth_results_total", method="spf", result="softfail") == 1
    assert value(registry, "brandguard_auth_results_total", method="spf", result="none") == 1
    assert value(registry, "brandguard_auth_results_total", method="dkim", result="pass") == 1
    assert value(registry, "brandguard_auth_results_total", method="dkim", result="temperror") == 1
    assert value(registry, "brandguard_auth_results_total", method="dmarc", result="fail") == 1
    assert value(registry, "brandguard_auth_results_total", method="arc", result="other") == 1


def test_record_auth_skips_unchecked(registry, metrics):
    metrics.record_auth(AuthResults())
    assert value(registry, "brandguard_auth_results_total", method="spf", result="none") == 0


@pytest.mark.parametrize(
    ("rtype", "kind", "label_rtype", "label_kind"),
    [("txt", None, "TXT", None), ("A", "timeout", "A", "timeout"), ("MX", "servfail", "MX", "servfail"),
     ("TXT", "nxdomain", "TXT", "nxdomain"), ("SRV", "refused", "other", "other"), ("TXT", "budget", "TXT", "budget")],
    ids=["txt-ok", "a-timeout", "mx-servfail", "txt-nxdomain", "unknown-rtype-and-kind", "budget"],
)
def test_on_dns_lookup(registry, metrics, rtype, kind, label_rtype, label_kind):
    metrics.on_dns_lookup(rtype, 0.004, kind)
    assert value(registry, "brandguard_dns_lookup_duration_seconds_count", rtype=label_rtype) == 1
    assert value(registry, "brandguard_dns_lookup_duration_seconds_bucket", rtype=label_rtype, le="0.005") == 1
    errors = sum(value(registry, "brandguard_dns_errors_total", kind=k) for k in DNS_ERROR_KINDS)
    assert errors == (0 if label_kind is None else 1)
    if label_kind:
        assert value(registry, "brandguard_dns_errors_total", kind=label_kind) == 1


def test_policy_loaded_tracks_hash_and_reload_results(registry, metrics):
    metrics.policy_loaded("aaa111", ok=True)
    assert value(registry, "brandguard_policy_info", hash="aaa111") == 1
    assert value(registry, "brandguard_policy_last_reload_success") == 1
    first_ts = value(registry, "brandguard_last_reload_success_timestamp_seconds")
    assert first_ts > 1_600_000_000
    metrics.policy_loaded("bbb222", ok=False)
    assert value(registry, "brandguard_policy_info", hash="aaa111") == 1
    assert value(registry, "brandguard_policy_last_reload_success") == 0
    assert value(registry, "brandguard_last_reload_success_timestamp_seconds") == first_ts
    metrics.policy_loaded("ccc333", ok=True)
    assert value(registry, "brandguard_policy_info", hash="aaa111") is None
    assert value(registry, "brandguard_policy_info", hash="ccc333") == 1
    assert value(registry, "brandguard_policy_reloads_total", result="success") == 2
    assert value(registry, "brandguard_policy_reloads_total", result="failure") == 1


def test_in_flight_goes_back_to_zero_even_on_error(registry, metrics):
    with metrics.in_flight():
        with metrics.in_flight():
            assert value(registry, "brandguard_messages_in_flight") == 2
    with pytest.raises(RuntimeError), metrics.in_flight():
        raise RuntimeError("boom")
    assert value(registry, "brandguard_messages_in_flight") == 0


def test_concurrent_recording_loses_nothing(registry, metrics):
    def work() -> None:
        for _ in range(500):
            metrics.record_verdict(REJECT, 0.001, {"auth": 0.001})

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert value(registry, "brandguard_messages_total", disposition="reject", mode="enforce") == 4000
    assert value(registry, "brandguard_stage_duration_seconds_count", stage="auth") == 4000


def test_default_registry_is_private_with_process_metrics():
    a = Metrics()  # label sets come later, from the policy
    b = Metrics(checks=[], rules=[], brands=[])  # no duplicate-registration error
    assert a.registry is not prometheus_client.REGISTRY and a.registry is not b.registry
    names = {s.name for fam in a.registry.collect() for s in fam.samples}
    assert "python_info" in names and "brandguard_build_info" in names
    assert a.registry.get_sample_value("brandguard_check_findings_total", {"check": "other"}) == 0


def test_settings_defaults_and_closed_schema():
    s = MetricsSettings()
    assert (s.enabled, s.listen, s.port) == (True, "127.0.0.1", 9899)
    assert MetricsSettings(port=0).port == 0
    with pytest.raises(ValidationError):
        MetricsSettings(host="0.0.0.0")
    with pytest.raises(ValidationError):
        MetricsSettings(port=70000)
