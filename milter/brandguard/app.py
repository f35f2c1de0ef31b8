"""Composition root: settings → policy store → resolver/authenticator → metrics → pipeline → analysis processes."""
from __future__ import annotations

import json
import logging
import threading
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Literal

from brandguard.model import MessageContext
from brandguard.pipeline import Outcome, Pipeline
from brandguard.policy.store import PolicyStore
from brandguard.settings import Settings

if TYPE_CHECKING:
    from brandguard.analysis import AnalysisPool
    from brandguard.auth.dns import LookupObserver
    from brandguard.campaign.memory import CampaignMemory
    from brandguard.metrics import Metrics
    from brandguard.policy.loader import Policy

log = logging.getLogger("brandguard")
HARD_DEADLINE_SLACK = 1.0  # seconds past message_time_budget before the milter gives up on an analysis


class App:
    """Everything the milter needs per message, built once; shared across libmilter's threads.

    The daemon analyses in `analysis_processes` forked processes (start_analysis(), docs/CONTRACTS.md).
    Before that, process() runs the pipeline in the calling thread: `scan`, `eval`, the tools and the
    pipeline's tests, which are not the daemon.
    """

    def __init__(self, settings: Settings, *, with_dns: bool = True, metrics: Metrics | None = None,
                 trust_authres: str | None = None, campaign: Literal["off", "read_only", "learn"] = "off"):
        """`campaign`: the daemon learns; `scan --config` looks up only; tests, tools and `eval` leave the
        campaign memory alone (their verdicts must not depend on what some store holds)."""
        self.settings = settings
        self.metrics = metrics
        self.campaign = self._campaign(campaign)
        self.ready = threading.Event()  # set by the runner once the milter socket listens
        self.store = PolicyStore(settings.policy, on_reload=self._on_reload)
        self._with_dns, self._trust_authres = with_dns, trust_authres
        self.pipeline = self._pipeline(metrics.on_dns_lookup if metrics is not None else None, metrics)
        self._analysis: AnalysisPool | None = None  # once start_analysis() ran
        self._inflight = 0
        self._transactions = 0  # SMTP transactions between MAIL FROM and end-of-message/abort
        self.stopping = False  # set at shutdown: new transactions are answered 4xx
        self._inflight_lock = threading.Condition()
        if metrics is not None:
            self._declare_labels(metrics)
            metrics.policy_loaded(self.store.current.hash, True)

    def _pipeline(self, on_lookup: LookupObserver | None, metrics: Metrics | None) -> Pipeline:
        authenticator = None
        if self._with_dns:
            from brandguard.auth import Authenticator, make_resolver

            authenticator = Authenticator(make_resolver(self.settings.auth, on_lookup=on_lookup), self.settings.auth)
        return Pipeline(self.settings, self.store, authenticator=authenticator,
                        trust_authres=self._trust_authres, metrics=metrics, campaign=self.campaign)

    def _campaign(self, mode: str) -> CampaignMemory | None:
        if mode == "off" or not self.settings.campaign.enabled:
            return None
        from brandguard.campaign.memory import CampaignMemory

        memory = CampaignMemory.open(self.settings.campaign, self.settings.state_dir, read_only=mode == "read_only")
        if self.metrics is not None:
            self.metrics.watch_campaign(memory.counts, memory.store.kind)
        return memory

    def start_analysis(self) -> None:
        """Fork the `analysis_processes`. Call while this process still has one thread."""
        if self._analysis is None:
            from brandguard.analysis import AnalysisPool, LookupLog

            lookups = LookupLog()
            pool = AnalysisPool(self.settings.analysis_processes, self._pipeline(lookups, None), self.store, lookups)
            pool.start()
            self._analysis = pool

    def stop_analysis(self) -> None:
        """Let the analysis processes exit (after the last message)."""
        if self._analysis is not None:
            self._analysis.close()
            self._analysis = None

    def analysis_broken(self) -> bool:
        """True once a lost analysis process could not be replaced: only a restart brings the pool back."""
        return self._analysis is not None and self._analysis.broken

    def _declare_labels(self, metrics: Metrics) -> None:
        policy = self.store.current
        from brandguard.checks import registry

        metrics.set_label_sets(checks=registry.names(), rules=policy.rule_ids + registry.names() + ["budget-exceeded"],
                               brands=policy.brand_ids)

    def _on_reload(self, policy: Policy, ok: bool) -> None:
        if self.metrics is not None:
            self.metrics.policy_loaded(policy.hash, ok)
            if ok:
                self._declare_labels(self.metrics)

    def reload(self) -> tuple[bool, str]:
        """Reload the policy; the analysis processes follow at their next message (the policy hash travels with it)."""
        return self.store.reload()

    def process(self, ctx: MessageContext) -> Outcome:
        """The outcome for `ctx`: in an analysis process within a hard deadline (the daemon), else in this thread.

        The pipeline checks its budget between stages; the deadline catches a single stage that runs away
        (a pathological document, a library bug): the milter answers the fallback verdict before Postfix's
        milter timeout, and the analysis process is killed and replaced. Waiting for a free analysis process
        counts against the same deadline.
        """
        pool = self._analysis  # read once: stop_analysis() may clear it meanwhile
        if pool is None:
            return self.pipeline.process(ctx)
        with self._inflight_lock:
            self._inflight += 1
        try:
            cm: AbstractContextManager[None] = self.metrics.in_flight() if self.metrics is not None else nullcontext()
            with cm:
                return self._process_elsewhere(pool, ctx, self.settings.message_time_budget + HARD_DEADLINE_SLACK)
        finally:
            with self._inflight_lock:
                self._inflight -= 1
                self._inflight_lock.notify_all()

    def _process_elsewhere(self, pool: AnalysisPool, ctx: MessageContext, limit: float) -> Outcome:
        # the analysis process ran the pipeline without metrics: record here what it would have
        answer = pool.analyse(ctx, limit)
        if answer is None:
            return self._too_late(ctx)
        outcome, lookups = answer
        if self.metrics is not None:
            for event in lookups:
                self.metrics.on_dns_lookup(*event)
            self.metrics.record_auth(outcome.auth)
            self.metrics.record_verdict(outcome.verdict, outcome.seconds, outcome.stages)
            self.metrics.record_campaign(outcome.campaign)
        return outcome

    def _too_late(self, ctx: MessageContext) -> Outcome:
        log.error("%s: no verdict from an analysis process after %.1fs; answering the fallback verdict",
                  ctx.envelope.queue_id or "-", self.settings.message_time_budget + HARD_DEADLINE_SLACK)
        if self.metrics is not None:
            self.metrics.record_error("other")
        return self.pipeline.fallback_outcome(ctx, "hard deadline exceeded")

    def begin_transaction(self) -> None:
        with self._inflight_lock:
            self._transactions += 1

    def end_transaction(self) -> None:
        with self._inflight_lock:
            self._transactions -= 1
            self._inflight_lock.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until no transaction is open nor message analysed (graceful shutdown), at most `timeout`."""
        with self._inflight_lock:
            return self._inflight_lock.wait_for(lambda: self._inflight == 0 and self._transactions <= 0, timeout)

    def record_error(self, stage: str, seconds: float) -> None:
        if self.metrics is not None:
            self.metrics.record_error(stage)
            self.metrics.record_tempfail() if self.settings.on_error.value == "tempfail" else None

    def log_decision(self, ctx: MessageContext, outcome: Outcome) -> None:
        v = outcome.verdict
        qid = ctx.envelope.queue_id or "-"
        if self.settings.log.format == "json":
            record = {
                "queue_id": qid, "sender_domain": ctx.envelope.mail_from_domain, "rcpt_count": len(ctx.envelope.rcpts),
                "auth": {"spf": outcome.auth.spf.result, "dkim": [s.result for s in outcome.auth.dkim],
                         "dmarc": outcome.auth.dmarc.result, "arc": outcome.auth.arc.result},
                "findings": [{"check": f.check, "outcome": f.outcome, "brand": f.brand} for f in v.findings],
                "verdict": v.action.value, "would": v.would_action.value if v.would_action else None,
                "score": v.score, "rules": list(v.rule_ids), "brands": list(v.brands), "mode": v.mode.value,
                "duration_ms": round(outcome.seconds * 1000, 2), "policy": outcome.policy_hash,
                "degraded": list(v.degraded),
            }
            log.info(json.dumps(record, sort_keys=True))
        else:
            would = f" would={v.would_action.value}" if v.would_action else ""
            degraded = f" degraded={','.join(v.degraded)}" if v.degraded else ""
            log.info("%s verdict=%s%s score=%.2f rules=%s brands=%s ms=%.1f%s", qid, v.action.value, would, v.score,
                     ",".join(v.rule_ids) or "-", ",".join(v.brands) or "-", outcome.seconds * 1000, degraded)
