"""One message through auth → content → checks → engine → plan; shared by the milter and `scan`."""
from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import TYPE_CHECKING, TypeVar

from brandguard import actions
from brandguard.attribution import EMPTY, Attribution, attribute
from brandguard.auth.authres import build_header, claims_our_id, from_trusted_headers
from brandguard.campaign.facts import NOTHING, CampaignEvents
from brandguard.checks import registry
from brandguard.checks.base import Check, CheckInput
from brandguard.content import Content, extract
from brandguard.content.mimeparse import mime_of
from brandguard.errors import BudgetExceeded
from brandguard.isolation import Guard
from brandguard.model import Action, AuthResults, Finding, MessageContext, Mode, RuleHit, Verdict
from brandguard.policy import engine
from brandguard.policy.loader import Policy
from brandguard.policy.store import PolicyStore

if TYPE_CHECKING:  # only the daemon and `scan` with DNS need these imported
    from brandguard.auth.authenticator import Authenticator
    from brandguard.campaign.memory import CampaignMemory
    from brandguard.metrics import Metrics
    from brandguard.settings import Settings

log = logging.getLogger("brandguard")
T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """Result of processing one message."""

    verdict: Verdict
    plan: actions.ActionPlan
    auth: AuthResults
    stages: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    policy_hash: str = ""
    campaign: CampaignEvents = field(default_factory=CampaignEvents)  # for the milter process's metrics
    attribution: str = ""  # Attribution.summary(): what `scan --explain` shows of the attribution stage


class Pipeline:
    """Runs a frozen message through the stages with a time budget between stages."""

    def __init__(self, settings: Settings, store: PolicyStore, *, authenticator: Authenticator | None = None,
                 trust_authres: str | None = None, metrics: Metrics | None = None,
                 clock: Callable[[], float] = time.monotonic, campaign: CampaignMemory | None = None):
        self.settings = settings
        self.store = store
        self.authenticator = authenticator
        self.trust_authres = trust_authres
        self.metrics = metrics
        self.clock = clock
        self.campaign = campaign

    def process(self, ctx: MessageContext) -> Outcome:
        policy = self.store.current
        start = self.clock()
        deadline = start + self.settings.message_time_budget
        stages: dict[str, float] = {}
        guard = Guard(ctx.envelope.queue_id)
        events = CampaignEvents()
        attribution = EMPTY
        try:
            auth = self._timed(stages, "auth", self._authenticate, ctx, guard)
            self._check_budget(deadline, "auth")
            content = Content()
            enabled = [registry.get(n) for n in policy.enabled_checks]
            # parsed once: the content stage and the checks that read MIME structure share the tree
            mime = self._timed(stages, "content", mime_of, ctx)
            if any(c.needs_content for c in enabled):
                content = self._timed(stages, "content", self._content, ctx, guard, mime)
                self._check_budget(deadline, "content")
            if any(c.needs_content for c in enabled):
                attribution = self._timed(stages, "attribution", self._attribute, ctx, auth, content, policy, guard)
            facts = NOTHING
            if self.campaign is not None:
                facts, events = self._timed(stages, "campaign", self.campaign.guarded_lookup, guard, content,
                                            policy.catalogue)
            inp = CheckInput(ctx, auth, content, policy.catalogue, attribution, mime, facts)
            findings = self._timed(stages, "checks", self._run_checks, enabled, inp, policy, guard)
            self._check_budget(deadline, "checks")
            verdict = engine.evaluate(policy, ctx, auth, findings)
            if self.campaign is not None:
                events += self.campaign.guarded_learn(guard, ctx, auth, facts, verdict, policy)
        except BudgetExceeded as exc:
            auth = locals().get("auth") or AuthResults()
            verdict = self._fallback(str(exc))
        if guard.failed:
            verdict = dataclasses.replace(verdict, degraded=guard.degraded)
            if self.settings.on_check_error == "tempfail" and not verdict.error:
                verdict = dataclasses.replace(verdict, error="check-tempfail")
        t_plan = self.clock()
        plan = self._plan(verdict, ctx, auth, policy)
        stages["actions"] = self.clock() - t_plan
        seconds = self.clock() - start
        if self.metrics is not None:
            self.metrics.record_auth(auth)
            self.metrics.record_verdict(verdict, seconds, stages)
            self.metrics.record_campaign(events)
        return Outcome(verdict, plan, auth, stages, seconds, policy.hash, events, attribution.summary())

    def _timed(self, stages: dict[str, float], name: str, fn: Callable[..., T], *args: object) -> T:
        t = self.clock()
        try:
            return fn(*args)
        finally:
            stages[name] = stages.get(name, 0.0) + self.clock() - t  # a stage may be timed in parts

    def _check_budget(self, deadline: float, stage: str) -> None:
        if self.clock() > deadline:
            raise BudgetExceeded(f"time budget of {self.settings.message_time_budget}s exceeded after {stage}")

    def _authenticate(self, ctx: MessageContext, guard: Guard) -> AuthResults:
        if self.authenticator is not None:
            return self.authenticator.authenticate(ctx, guard)
        if self.trust_authres:
            return guard.run("authres", from_trusted_headers, ctx, self.trust_authres, default=AuthResults())
        return AuthResults()

    def _content(self, ctx: MessageContext, guard: Guard, mime: Message) -> Content:
        return extract(ctx, self.settings.content, guard, mime)

    @staticmethod
    def _attribute(ctx: MessageContext, auth: AuthResults, content: Content, policy: Policy, guard: Guard) -> Attribution:
        # without attribution the checks still run: they see no brand claimed, and the header says so
        return guard.run("attribution", attribute, ctx, auth, content, policy.catalogue, default=EMPTY)

    @staticmethod
    def _run_checks(enabled: list[Check], inp: CheckInput, policy: Policy, guard: Guard) -> list[Finding]:
        findings: list[Finding] = []
        for check in enabled:
            # a check that raises is left out; the others still judge the message
            findings.extend(guard.run(check.name, check.evaluate, inp, policy.check_params[check.name], default=[]))
        return findings

    def fallback_outcome(self, ctx: MessageContext, why: str) -> Outcome:
        """The budget fallback as a complete outcome (used by the watchdog in App.process)."""
        verdict = self._fallback(why)
        auth = AuthResults()
        plan = self._plan(verdict, ctx, auth, self.store.current)
        if self.metrics is not None:
            self.metrics.record_verdict(verdict, self.settings.message_time_budget, {})
        return Outcome(verdict, plan, auth, {}, self.settings.message_time_budget, self.store.current.hash)

    def _fallback(self, why: str) -> Verdict:
        fb = self.settings.budget_fallback
        action = Action.TAG if fb == "tag" else Action.ACCEPT
        log.warning("budget fallback (%s): %s", fb, why)
        return Verdict(action=action, score=0.0, hits=(RuleHit(id="budget-exceeded", mode=Mode.ENFORCE),),
                       reason=why, error="budget" if fb != "tempfail" else "budget-tempfail")

    def _plan(self, verdict: Verdict, ctx: MessageContext, auth: AuthResults, policy: Policy) -> actions.ActionPlan:
        if verdict.error == "budget-tempfail":
            return actions.tempfail_plan("analysis took too long; try again later")
        if verdict.error == "check-tempfail":
            return actions.tempfail_plan("brandguard could not complete every check; try again later")
        authserv_id = self.settings.auth.authserv_id or ""  # AuthSettings fills it in (this host's name)
        header = build_header(authserv_id, auth) if auth.checked else None
        strip = actions.strip_list(ctx, authserv_id, claims_our_id)
        prefix = policy.spec.tag.subject_prefix
        return actions.plan(verdict, ctx, subject_prefix=prefix, authres_header=header, strip=strip)
