"""Every Prometheus metric brandguard exports, with closed label sets pre-declared at startup."""
from __future__ import annotations

import functools
import platform
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar, cast

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, PlatformCollector, ProcessCollector
from prometheus_client.metrics import MetricWrapperBase
from pydantic import BaseModel, ConfigDict, Field

from brandguard import __version__
from brandguard.campaign.facts import KINDS as CAMPAIGN_KINDS
from brandguard.campaign.facts import CampaignEvents
from brandguard.isolation import AUTH_STEPS, EXTRACTORS
from brandguard.model import Action, AuthResults, Mode, Verdict

OTHER = "other"
MODES = tuple(m.value for m in Mode)
ACTIONS = tuple(a.value for a in Action)
DISPOSITIONS = ACTIONS + ("tempfail", "error")
AUTH_METHODS = ("spf", "dkim", "dmarc", "arc")
AUTH_RESULTS = ("pass", "fail", "softfail", "neutral", "none", "permerror", "temperror", "policy", OTHER)
STAGES = ("auth", "content", "attribution", "campaign", "checks", "actions", OTHER)
ERROR_STAGES = ("eom", "adapter", "auth", "content", "checks", "policy", "actions", "dns", OTHER)
DNS_RTYPES = ("A", "AAAA", "MX", "TXT", "PTR", "CNAME", "NS", OTHER)
DNS_ERROR_KINDS = ("timeout", "servfail", "nxdomain", "nodata", "budget", OTHER)
RELOAD_RESULTS = ("success", "failure")
CAMPAIGN_STORES = ("sqlite", "redis")
CAMPAIGN_OPS = ("lookup", "learn", "count")
CAMPAIGN_COUNT_EVERY = 60.0  # seconds a scrape reuses the store's indicator count
_M = TypeVar("_M", bound=MetricWrapperBase)
# milliseconds to tens of seconds: DNS answers, whole-message analysis, slow PDFs
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class MetricsSettings(BaseModel):
    """`metrics:` section of the daemon settings."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Serve /metrics, /healthz and /readyz over HTTP.")
    listen: str = Field("127.0.0.1", description="Address the HTTP server binds to (loopback by default).")
    port: int = Field(9899, ge=0, le=65535, description="TCP port; 0 picks a free port.")


def _closed(value: str, allowed: Iterable[str]) -> str:
    return value if value in allowed else OTHER


class Metrics:
    """All brandguard metrics on one (injectable) registry; methods are thread-safe."""

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        checks: Iterable[str] = (),
        rules: Iterable[str] = (),
        brands: Iterable[str] = (),
    ) -> None:
        if registry is None:
            registry = CollectorRegistry(auto_describe=True)
            ProcessCollector(registry=registry)
            PlatformCollector(registry=registry)
        self.registry = registry
        r = registry
        self.messages = Counter("brandguard_messages_total", "Messages answered, by disposition and mode.",
                                ["disposition", "mode"], registry=r)
        self.would_action = Counter("brandguard_would_action_total",
                                    "Actions enforce mode would have taken where monitor mode held back.",
                                    ["action"], registry=r)
        self.rule_matches = Counter("brandguard_rule_matches_total", "Policy rule hits, by rule id and mode.",
                                    ["rule", "mode"], registry=r)
        self.check_findings = Counter("brandguard_check_findings_total", "Findings reported, by check.",
                                      ["check"], registry=r)
        self.brand_claims = Counter("brandguard_brand_claims_total",
                                    "Messages claiming a brand, by brand and the policy's decision.",
                                    ["brand", "verdict"], registry=r)
        self.auth_results = Counter("brandguard_auth_results_total",
                                    "Authentication results per message, by method and result.",
                                    ["method", "result"], registry=r)
        self.eom_duration = Histogram("brandguard_eom_duration_seconds", "Time from end-of-message to verdict.",
                                      buckets=LATENCY_BUCKETS, registry=r)
        self.stage_duration = Histogram("brandguard_stage_duration_seconds", "Time spent per pipeline stage.",
                                        ["stage"], buckets=LATENCY_BUCKETS, registry=r)
        self.dns_duration = Histogram("brandguard_dns_lookup_duration_seconds", "DNS lookup latency, by rtype.",
                                      ["rtype"], buckets=LATENCY_BUCKETS, registry=r)
        self.dns_errors = Counter("brandguard_dns_errors_total", "Failed DNS lookups, by kind.",
                                  ["kind"], registry=r)
        self.errors = Counter("brandguard_errors_total", "Unexpected errors, by pipeline stage.",
                              ["stage"], registry=r)
        self.check_errors = Counter("brandguard_check_errors_total",
                                    "Guarded steps (checks, content extractors, auth methods) that raised; the "
                                    "message was judged without them.", ["check"], registry=r)
        self.policy_info = Gauge("brandguard_policy_info", "Hash of the active policy (value is always 1).",
                                 ["hash"], registry=r)
        self.policy_reloads = Counter("brandguard_policy_reloads_total", "Policy loads and reloads, by result.",
                                      ["result"], registry=r)
        self.last_reload_success = Gauge("brandguard_policy_last_reload_success",
                                         "1 if the last policy (re)load succeeded, else 0.", registry=r)
        self.last_reload_ts = Gauge("brandguard_last_reload_success_timestamp_seconds",
                                    "Unix time of the last successful policy (re)load.", registry=r)
        self.build_info = Gauge("brandguard_build_info", "brandguard version and Python version (value 1).",
                                ["version", "python"], registry=r)
        self.in_flight_gauge = Gauge("brandguard_messages_in_flight", "Messages being analysed now.", registry=r)
        self.campaign_hits = Counter("brandguard_campaign_hits_total", "Messages whose indicators confirmed scams "
                                     "carried too, by indicator kind.", ["kind"], registry=r)
        self.campaign_learned = Counter("brandguard_campaign_learned_total", "Indicators taught to the campaign "
                                        "memory by confident verdicts.", ["store"], registry=r)
        self.campaign_errors = Counter("brandguard_campaign_store_errors_total", "Campaign store operations that "
                                       "failed or were skipped while the store was down.", ["store", "operation"],
                                       registry=r)
        self.campaign_duration = Histogram("brandguard_campaign_store_duration_seconds", "Campaign store latency.",
                                           ["store", "operation"], buckets=LATENCY_BUCKETS, registry=r)
        self.campaign_indicators = Gauge("brandguard_campaign_indicators", "Indicators in the campaign memory "
                                         "(refreshed at most once a minute; -1: the store did not answer).",
                                         ["kind"], registry=r)
        self._policy_hash: str | None = None
        # labelled children by (metric, label values): .labels() validates and locks on every call, and
        # the per-message path makes about fifteen of them. The cached object is the one .labels() would
        # return (prometheus never drops children we do not remove). policy_info, which removes children,
        # is not cached.
        self._children: dict[tuple[MetricWrapperBase, tuple[str, ...]], MetricWrapperBase] = {}
        self.build_info.labels(version=__version__, python=platform.python_version()).set(1)
        self._predeclare_fixed()
        self.set_label_sets(checks=checks, rules=rules, brands=brands)

    def _predeclare_fixed(self) -> None:
        for disposition in DISPOSITIONS:
            for mode in MODES:
                self.messages.labels(disposition=disposition, mode=mode)
        for action in ACTIONS:
            self.would_action.labels(action=action)
        for method in AUTH_METHODS:
            for result in AUTH_RESULTS:
                self.auth_results.labels(method=method, result=result)
        for stage in STAGES:
            self.stage_duration.labels(stage=stage)
        for stage in ERROR_STAGES:
            self.errors.labels(stage=stage)
        for rtype in DNS_RTYPES:
            self.dns_duration.labels(rtype=rtype)
        for kind in DNS_ERROR_KINDS:
            self.dns_errors.labels(kind=kind)
        for result in RELOAD_RESULTS:
            self.policy_reloads.labels(result=result)
        for kind in CAMPAIGN_KINDS:
            self.campaign_hits.labels(kind=kind)
            self.campaign_indicators.labels(kind=kind)  # 0 until a memory is watched (none when it is off)
        for store in CAMPAIGN_STORES:
            self.campaign_learned.labels(store=store)
            for op in CAMPAIGN_OPS:
                self.campaign_errors.labels(store=store, operation=op)
                self.campaign_duration.labels(store=store, operation=op)

    def set_label_sets(self, *, checks: Iterable[str], rules: Iterable[str], brands: Iterable[str]) -> None:
        """(Re)declare the policy-dependent label values; call again after each policy reload."""
        self._checks = frozenset(checks) | {OTHER}
        self._rules = frozenset(rules) | {OTHER}
        self._brands = frozenset(brands) | {OTHER}
        self._steps = self._checks | frozenset(EXTRACTORS) | frozenset(AUTH_STEPS)
        for check in self._checks:
            self.check_findings.labels(check=check)
        for step in self._steps:
            self.check_errors.labels(check=step)
        for rule in self._rules:
            for mode in MODES:
                self.rule_matches.labels(rule=rule, mode=mode)
        for brand in self._brands:
            for verdict in ACTIONS:
                self.brand_claims.labels(brand=brand, verdict=verdict)

    def _child(self, metric: _M, *values: str) -> _M:
        key = (metric, values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return cast(_M, child)  # a child of `metric`, which .labels() types as the metric's own class

    # --- per message -------------------------------------------------------------------

    def record_verdict(self, verdict: Verdict, eom_seconds: float, stages: dict[str, float]) -> None:
        """Count one answered message.

        A fallback verdict (`.error` set) counts as disposition "error", or "tempfail" when its error
        ends in "tempfail" (the message was answered 4xx).
        """
        mode = verdict.mode.value
        disposition = verdict.action.value
        if verdict.error:
            disposition = "tempfail" if verdict.error.endswith("tempfail") else "error"
        self._child(self.messages, disposition, mode).inc()
        if verdict.would_action is not None:
            self._child(self.would_action, verdict.would_action.value).inc()
        for hit in verdict.hits:
            self._child(self.rule_matches, _closed(hit.id, self._rules), hit.mode.value).inc()
        for finding in verdict.findings:
            self._child(self.check_findings, _closed(finding.check, self._checks)).inc()
        for step in verdict.degraded:
            self._child(self.check_errors, _closed(step, self._steps)).inc()
        decided = (verdict.would_action or verdict.action).value
        for brand in dict.fromkeys(_closed(b, self._brands) for b in verdict.brands):
            self._child(self.brand_claims, brand, decided).inc()
        self.eom_duration.observe(eom_seconds)
        for stage, seconds in stages.items():
            self._child(self.stage_duration, _closed(stage, STAGES)).observe(seconds)

    def record_auth(self, auth: AuthResults) -> None:
        """Count one message's SPF (MAIL FROM), best DKIM, DMARC and ARC results; skipped when not checked."""
        if not auth.checked:
            return
        dkim = "none"
        if auth.dkim:
            dkim = "pass" if any(s.result == "pass" for s in auth.dkim) else auth.dkim[0].result
        for method, result in (("spf", auth.spf.result), ("dkim", dkim),
                               ("dmarc", auth.dmarc.result), ("arc", auth.arc.result)):
            self._child(self.auth_results, method, _closed(result, AUTH_RESULTS)).inc()

    def record_tempfail(self, mode: Mode = Mode.ENFORCE) -> None:
        """Count a message answered with a temporary failure (on_error: tempfail, budget exhausted)."""
        self._child(self.messages, "tempfail", mode.value).inc()

    def record_error(self, stage: str) -> None:
        """Count an unexpected error caught at the failure boundary of `stage`."""
        self._child(self.errors, _closed(stage, ERROR_STAGES)).inc()

    def record_campaign(self, events: CampaignEvents) -> None:
        """Count one message's campaign memory events (carried back from its analysis process)."""
        if not events.store:
            return
        store = _closed(events.store, CAMPAIGN_STORES)
        for kind in events.hits:
            self._child(self.campaign_hits, _closed(kind, CAMPAIGN_KINDS)).inc()
        for op in events.errors:
            self._child(self.campaign_errors, store, _closed(op, CAMPAIGN_OPS)).inc()
        for op, seconds in events.latency:
            self._child(self.campaign_duration, store, _closed(op, CAMPAIGN_OPS)).observe(seconds)
        if events.learned:
            self._child(self.campaign_learned, store).inc(events.learned)

    def watch_campaign(self, count: Callable[[], dict[str, int]], store: str) -> None:
        """Report `count()` (indicators per kind) as brandguard_campaign_indicators, asked at most once a minute
        (timed and counted as the store's "count" operation)."""
        cache: list[tuple[float, dict[str, int]]] = [(-CAMPAIGN_COUNT_EVERY, {})]
        store = _closed(store, CAMPAIGN_STORES)

        def value(kind: str) -> float:
            at, counts = cache[0]
            if time.monotonic() - at >= CAMPAIGN_COUNT_EVERY:
                t = time.monotonic()
                try:
                    counts = count()
                except Exception:  # noqa: BLE001 - a scrape must not fail because the store is down
                    counts = {}
                    self._child(self.campaign_errors, store, "count").inc()
                self._child(self.campaign_duration, store, "count").observe(time.monotonic() - t)
                cache[0] = (time.monotonic(), counts)
            return float(counts.get(kind, -1 if not counts else 0))

        for kind in CAMPAIGN_KINDS:
            self.campaign_indicators.labels(kind=kind).set_function(functools.partial(value, kind))

    @contextmanager
    def in_flight(self) -> Iterator[None]:
        """Track a message being analysed in brandguard_messages_in_flight."""
        with self.in_flight_gauge.track_inprogress():
            yield

    # --- resolver and policy callbacks --------------------------------------------------

    def on_dns_lookup(self, rtype: str, seconds: float, error_kind: str | None) -> None:
        """Resolver hook: time every lookup; count failures by kind (None means answered)."""
        self._child(self.dns_duration, _closed(rtype.upper(), DNS_RTYPES)).observe(seconds)
        if error_kind is not None:
            self._child(self.dns_errors, _closed(error_kind, DNS_ERROR_KINDS)).inc()

    def policy_loaded(self, hash: str, ok: bool) -> None:  # noqa: A002 - contract name
        """Record a policy (re)load; on success `hash` becomes the one brandguard_policy_info series."""
        self.policy_reloads.labels(result="success" if ok else "failure").inc()
        self.last_reload_success.set(1 if ok else 0)
        if not ok:
            return
        if self._policy_hash is not None and self._policy_hash != hash:
            self.policy_info.remove(self._policy_hash)
        self.policy_info.labels(hash=hash).set(1)
        self._policy_hash = hash
        self.last_reload_ts.set(time.time())


WEB_SOURCES, WEB_ACTIONS = ("web", "digest"), ("release", "delete", "allow", "request")


class WebMetrics:
    """The metrics of `brandguard web` (its own process, its own registry) and of `brandguard digest`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = r = registry or CollectorRegistry(auto_describe=True)
        by = ["action", "source"]
        self.actions = Counter("brandguard_web_actions_total", "Quarantine actions from the web pages or digest "
                               "links, by action and source.", by, registry=r)
        self.action_failures = Counter("brandguard_web_action_failures_total", "Quarantine actions that failed.",
                                       by, registry=r)
        self.digests = Counter("brandguard_digest_sends_total", "Digest mails, by result.", ["result"], registry=r)
        self.failed_logins = Counter("brandguard_web_failed_logins_total", "Refused admin logins, by reason.",
                                     ["reason"], registry=r)
        self.refused_links = Counter("brandguard_web_refused_links_total", "Refused digest links, by reason.",
                                     ["reason"], registry=r)
        # the same series as the milter's, so that the dashboard's instance list offers the web process too
        Gauge("brandguard_build_info", "brandguard version and Python version (value 1).", ["version", "python"],
              registry=r).labels(__version__, platform.python_version()).set(1)
        for metric, values in ((self.digests, ("sent", "failed")), (self.failed_logins, ("password", "rate_limited",
                               "csrf")), (self.refused_links, ("invalid", "expired", "not_recipient", "not_held",
                                                               "rate_limited"))):
            for v in values:
                metric.labels(v)
        for action in WEB_ACTIONS:
            for source in WEB_SOURCES:
                self.actions.labels(action, source)
                self.action_failures.labels(action, source)

    def action(self, action: str, source: str, ok: bool) -> None:
        metric = self.actions if ok else self.action_failures
        metric.labels(_closed(action, WEB_ACTIONS), _closed(source, WEB_SOURCES)).inc()
