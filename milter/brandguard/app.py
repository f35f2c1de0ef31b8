"""Composition root: settings → policy store → resolver/authenticator → metrics → pipeline."""
from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import threading
import time
from contextlib import nullcontext

from brandguard.model import MessageContext
from brandguard.pipeline import Outcome, Pipeline, PolicyStore
from brandguard.settings import Settings

log = logging.getLogger("brandguard")
HARD_DEADLINE_SLACK = 1.0  # seconds past message_time_budget before the watchdog answers


class App:
    """Everything the milter needs per message, built once; shared across libmilter's threads."""

    def __init__(self, settings: Settings, *, with_dns: bool = True, metrics=None, trust_authres: str | None = None):
        self.settings = settings
        self.metrics = metrics
        self.ready = threading.Event()  # set by the runner once the milter socket listens
        self.store = PolicyStore(settings.policy, on_reload=self._on_reload)
        self._with_dns, self._trust_authres = with_dns, trust_authres
        self.pipeline = self._pipeline(metrics.on_dns_lookup if metrics is not None else None, metrics)
        self._analysis = None  # an AnalysisPool once start_analysis() ran with analysis_processes > 0
        self._inflight = 0
        self._transactions = 0  # SMTP transactions between MAIL FROM and end-of-message/abort
        self.stopping = False  # set at shutdown: new transactions are answered 4xx
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._executor_pid = 0
        self._slots: threading.Semaphore | None = None
        self._slots_pid = 0
        self._inflight_lock = threading.Condition()
        if metrics is not None:
            self._declare_labels()
            metrics.policy_loaded(self.store.current.hash, True)

    def _pipeline(self, on_lookup, metrics) -> Pipeline:
        authenticator = None
        if self._with_dns:
            from brandguard.auth import Authenticator, make_resolver

            authenticator = Authenticator(make_resolver(self.settings.auth, on_lookup=on_lookup), self.settings.auth)
        return Pipeline(self.settings, self.store, authenticator=authenticator,
                        trust_authres=self._trust_authres, metrics=metrics)

    def start_analysis(self) -> None:
        """Fork the `analysis_processes` (if any). Call while this process still has one thread."""
        if self.settings.analysis_processes and self._analysis is None:
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

    def _declare_labels(self) -> None:
        policy = self.store.current
        from brandguard.checks import registry

        self.metrics.set_label_sets(checks=registry.names(), rules=policy.rule_ids + registry.names() + ["budget-exceeded"],
                                    brands=policy.brand_ids)

    def _on_reload(self, policy, ok: bool) -> None:
        if self.metrics is not None:
            self.metrics.policy_loaded(policy.hash, ok)
            if ok:
                self._declare_labels()

    def reload(self) -> tuple[bool, str]:
        return self.store.reload()

    def process(self, ctx: MessageContext) -> Outcome:
        """Run the pipeline with a hard deadline: past it, answer the fallback verdict now.

        The pipeline checks its budget between stages; this catches a single stage that runs away
        (a pathological document, a library bug), so Postfix gets an answer before its milter timeout.
        The runaway thread cannot be killed, but it no longer holds the SMTP session.

        At most `analysis_concurrency` messages are analysed at once: the GIL runs one at a time anyway,
        and twenty large messages parsed together hold hundreds of MB. Waiting for a slot counts
        against the same deadline.
        """
        with self._inflight_lock:
            self._inflight += 1
        try:
            cm = self.metrics.in_flight() if self.metrics is not None else nullcontext()
            with cm:
                limit = self.settings.message_time_budget + HARD_DEADLINE_SLACK
                if self._analysis is not None:
                    return self._process_elsewhere(ctx, limit)
                give_up = time.monotonic() + limit
                slot = _Slot(self._semaphore())
                if not slot.acquire(limit):
                    return self._too_late(ctx, "no analysis slot free")
                future = self._pool().submit(self._analyse, slot, ctx)
                try:
                    return future.result(timeout=max(0.0, give_up - time.monotonic()))
                except concurrent.futures.TimeoutError:
                    slot.release()  # the runaway analysis goes on, but no longer keeps others waiting
                    return self._too_late(ctx, "analysis still running")
        finally:
            with self._inflight_lock:
                self._inflight -= 1
                self._inflight_lock.notify_all()

    def _process_elsewhere(self, ctx: MessageContext, limit: float) -> Outcome:
        # the analysis process ran the pipeline without metrics: record here what it would have
        answer = self._analysis.analyse(ctx, limit)
        if answer is None:
            return self._too_late(ctx, "analysis process still busy")
        outcome, lookups = answer
        if self.metrics is not None:
            for event in lookups:
                self.metrics.on_dns_lookup(*event)
            self.metrics.record_auth(outcome.auth)
            self.metrics.record_verdict(outcome.verdict, outcome.seconds, outcome.stages)
        return outcome

    def _analyse(self, slot: _Slot, ctx: MessageContext) -> Outcome:
        try:
            return self.pipeline.process(ctx)
        finally:
            slot.release()

    def _too_late(self, ctx: MessageContext, why: str) -> Outcome:
        log.error("%s: %s after %.1fs; answering the fallback verdict", ctx.envelope.queue_id or "-", why,
                  self.settings.message_time_budget)
        if self.metrics is not None:
            self.metrics.record_error("other")
        return self.pipeline.fallback_outcome(ctx, "hard deadline exceeded")

    def _pool(self) -> concurrent.futures.ThreadPoolExecutor:
        # created on first use, so that pre-forked workers each get their own threads
        if self._executor is None or self._executor_pid != os.getpid():
            self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=64, thread_name_prefix="analysis")
            self._executor_pid = os.getpid()
        return self._executor

    def _semaphore(self) -> threading.Semaphore:
        # per process like the pool: a semaphore copied by fork could be copied mid-update
        if self._slots is None or self._slots_pid != os.getpid():
            self._slots = threading.Semaphore(self.settings.analysis_concurrency)
            self._slots_pid = os.getpid()
        return self._slots

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


class _Slot:
    """One analysis permit, released exactly once: by the analysis, or by the watchdog giving up on it."""

    def __init__(self, semaphore: threading.Semaphore):
        self._semaphore = semaphore
        self._lock = threading.Lock()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        self._held = self._semaphore.acquire(timeout=timeout)
        return self._held

    def release(self) -> None:
        with self._lock:
            if self._held:
                self._held = False
                self._semaphore.release()
