"""The policy engine: findings + facts → a Verdict. Pure: no I/O, no clock except the rule-sampling hash."""
from __future__ import annotations

import hashlib

from brandguard.checks.base import CheckParams
from brandguard.model import Action, AuthResults, Finding, MessageContext, Mode, Reply, RuleHit, Verdict, domain_of
from brandguard.policy import schema
from brandguard.policy.compiled import CompiledAllow, Facts, compiled, header_from_domain, in_domains
from brandguard.policy.loader import Policy

__all__ = ["Facts", "allowlisted", "evaluate", "header_from_domain", "in_domains"]


def evaluate(policy: Policy, ctx: MessageContext, auth: AuthResults, findings: list[Finding]) -> Verdict:
    """Apply allowlists, weights, rules, thresholds and modes to one message's findings."""
    spec, comp = policy.spec, compiled(policy)
    facts = Facts(ctx, auth, policy.brand_domains)

    mode, thresholds = spec.mode, spec.thresholds
    if comp.overrides:
        rcpt_domains = [domain_of(r) for r in ctx.envelope.rcpts]
        for domains, ov_mode, ov_thresholds in comp.overrides:
            if rcpt_domains and all(in_domains(d, domains) for d in rcpt_domains):
                mode, thresholds = ov_mode or mode, ov_thresholds or thresholds

    reasons: list[str] = []
    findings = _apply_allow(comp.allow, facts, findings, reasons)
    if comp.wanted_brands is not None:
        wanted = comp.wanted_brands
        findings = [f for f in findings if f.brand is None or f.brand in wanted]

    hits: list[RuleHit] = []
    score = 0.0
    limited: list[tuple[Action, float]] = []  # (max_action, weight) of the checks whose weight is bounded
    seen: set[tuple[str, str | None]] = set()
    check_params = policy.check_params
    for f in findings:
        params = check_params.get(f.check)
        if params is None or (f.check, f.brand) in seen:
            continue
        seen.add((f.check, f.brand))
        weight = _weight(params, f.outcome)
        if weight:
            score += weight
            hits.append(RuleHit(id=f.check, score=weight, mode=mode))
            if params.max_action is not None:
                limited.append((Action(params.max_action), weight))

    forced: list[tuple[Action, schema.Rule, Mode]] = []
    allowed_by_rule = False
    cap: Action | None = None  # set by a `cap:` rule: the most the score and the rules below it may lead to
    by_check: dict[str, list[Finding]] = {}  # every rule's check conditions look findings up by check
    for f in findings:
        by_check.setdefault(f.check, []).append(f)
    for cr in comp.rules:
        rule = cr.rule
        if (cr.sampled and not _sampled(rule, ctx)) or not cr.holds(facts, by_check, score):
            continue
        rmode = rule.mode or mode
        if rmode is Mode.ENFORCE:
            score += rule.score
        hits.append(RuleHit(id=rule.id, action=cr.action, score=rule.score, mode=rmode))
        if cr.cap is not None and rmode is Mode.ENFORCE:
            cap = _at_most(cr.cap, cap)
        if cr.action is not None:
            forced.append((_at_most(cr.action, cap), rule, rmode))
            if cr.action is Action.ACCEPT and rmode is Mode.ENFORCE:
                allowed_by_rule = True
                reasons.append(f"rule {rule.id}")
        if rule.final:
            break

    by_score = _bounded(score, thresholds, limited)
    by_score = _at_most(by_score, cap)
    enforced = [a for a, _, m in forced if m is Mode.ENFORCE and a is not Action.ACCEPT]
    monitored = [a for a, _, m in forced if m is Mode.MONITOR and a is not Action.ACCEPT]
    if allowed_by_rule:
        action, would = Action.ACCEPT, None
    elif mode is Mode.MONITOR:
        # the whole policy only observes: the score and every rule become "would" actions
        action, would = Action.ACCEPT, Action.worst(by_score, *enforced, *monitored)
    else:
        action = Action.worst(by_score, *enforced)
        would = Action.worst(action, *monitored)
    if would is not None and would.rank <= action.rank:
        would = None

    brands = tuple(sorted({f.brand for f in findings if f.brand}))
    reply = None
    if action is Action.REJECT:
        rule_reply = next((r.reply for a, r, m in forced if a is Action.REJECT and m is Mode.ENFORCE and r.reply), None)
        spec_reply = rule_reply or spec.reject_reply
        reply = Reply(spec_reply.code, spec_reply.xcode, _fill(spec_reply.text, brands, hits))
    reason = _fill(spec.quarantine_reason, brands, hits) if action is Action.QUARANTINE else "; ".join(reasons)
    return Verdict(
        action=action, score=round(score, 2), hits=tuple(hits), findings=tuple(findings), brands=brands,
        mode=mode, would_action=would, reply=reply, reason=reason,
    )


def _bounded(score: float, thresholds: schema.Thresholds, limited: list[tuple[Action, float]]) -> Action:
    """The score's action, where the weight of checks with a max_action lifts it no higher than that."""
    action = _threshold_action(score, thresholds)
    if not limited:
        return action
    without = _threshold_action(score - sum(w for _, w in limited), thresholds)
    return Action.worst(without, _at_most(action, Action.worst(*(a for a, _ in limited))))


def _at_most(action: Action, cap: Action | None) -> Action:
    """`action`, lowered to `cap` when a cap is in force."""
    return cap if cap is not None and action.rank > cap.rank else action


def _weight(params: CheckParams, outcome: str) -> float:
    return float(params.outcome_weights.get(outcome, params.weight))


def _threshold_action(score: float, t: schema.Thresholds) -> Action:
    if score >= t.reject:
        return Action.REJECT
    if score >= t.quarantine:
        return Action.QUARANTINE
    if score >= t.tag:
        return Action.TAG
    return Action.ACCEPT


_CONTROLS = bytes(range(32)) + b"\x7f"


def _fill(text: str, brands: tuple[str, ...], hits: list[RuleHit]) -> str:
    out = text.replace("{brand}", ", ".join(brands) or "a brand").replace("{rules}", ",".join(h.id for h in hits))
    # printable ASCII only (32-126): non-ASCII dropped by the codec, control characters and DEL by translate
    return out.encode("ascii", "ignore").translate(None, _CONTROLS).decode("ascii")[:400]


def _sampled(rule: schema.Rule, ctx: MessageContext) -> bool:
    if rule.sample_percent >= 100:
        return True
    key = (ctx.first_header("Message-ID") or ctx.envelope.queue_id or "").encode("utf-8", "replace")
    bucket = int.from_bytes(hashlib.sha256(rule.id.encode() + b"\0" + key).digest()[:4], "big") % 10000
    return bucket < rule.sample_percent * 100


def _apply_allow(allow: tuple[CompiledAllow, ...], facts: Facts, findings: list[Finding],
                 reasons: list[str]) -> list[Finding]:
    for ca in allow:
        if ca.matches(facts):
            entry = ca.entry
            reasons.append(f"allow: {entry.reason}")
            if entry.brands == "all":
                return []
            findings = [f for f in findings if f.brand is None or f.brand not in entry.brands]
    return findings


def allowlisted(policy: Policy, ctx: MessageContext, auth: AuthResults) -> bool:
    """An allow entry of the policy matches the message (whatever it says, it must never teach the memory)."""
    facts = Facts(ctx, auth, policy.brand_domains)
    return any(ca.matches(facts) for ca in compiled(policy).allow)
