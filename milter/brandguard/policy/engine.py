"""The policy engine: findings + facts → a Verdict. Pure: no I/O, no clock except the rule-sampling hash."""
from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from brandguard.addresses import parse_addresses
from brandguard.checks.base import CheckParams
from brandguard.model import Action, AuthResults, Finding, MessageContext, Mode, Reply, RuleHit, Verdict, domain_of
from brandguard.policy import schema
from brandguard.policy.loader import Policy


@dataclass(frozen=True)
class Facts:
    """What conditions may look at besides findings."""

    ctx: MessageContext
    auth: AuthResults
    from_domain: str
    brand_domains: frozenset[str]


def in_domains(domain: str, domains: list[str] | frozenset[str] | None) -> bool:
    """True when `domain` equals one of `domains` or is a subdomain of one (sets must be lower-case)."""
    if not domain or not domains:
        return False
    labels = domain.lower().rstrip(".").split(".")
    suffixes = {".".join(labels[i:]) for i in range(len(labels))}
    wanted = domains if isinstance(domains, (set, frozenset)) else {x.lower().rstrip(".") for x in domains}
    return not suffixes.isdisjoint(wanted)


def header_from_domain(ctx: MessageContext) -> str:
    values = ctx.header_values("From")
    if len(values) != 1:
        return ""
    addrs = [a for _, a in parse_addresses(values) if a]
    return domain_of(addrs[0]) if len(addrs) == 1 else ""


def evaluate(policy: Policy, ctx: MessageContext, auth: AuthResults, findings: list[Finding]) -> Verdict:
    """Apply allowlists, weights, rules, thresholds and modes to one message's findings."""
    spec = policy.spec
    facts = Facts(ctx, auth, header_from_domain(ctx) or auth.dmarc.from_domain, policy.brand_domains)

    mode, thresholds = spec.mode, spec.thresholds
    for ov in spec.recipient_overrides:
        rcpt_domains = [domain_of(r) for r in ctx.envelope.rcpts]
        if rcpt_domains and all(in_domains(d, ov.recipient_domain) for d in rcpt_domains):
            mode, thresholds = ov.mode or mode, ov.thresholds or thresholds

    reasons: list[str] = []
    findings = _apply_allow(spec, facts, findings, reasons)
    if spec.brands != "all":
        wanted = set(spec.brands)
        findings = [f for f in findings if f.brand is None or f.brand in wanted]

    hits: list[RuleHit] = []
    score = 0.0
    limited: list[tuple[Action, float]] = []  # (max_action, weight) of the checks whose weight is bounded
    seen: set[tuple[str, str | None]] = set()
    for f in findings:
        params = policy.check_params.get(f.check)
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
    for rule in spec.rules:
        if not _sampled(rule, ctx) or not _holds(rule.when, facts, by_check, score, policy):
            continue
        rmode = rule.mode or mode
        if rmode is Mode.ENFORCE:
            score += rule.score
        hits.append(RuleHit(id=rule.id, action=Action(rule.action) if rule.action else None, score=rule.score, mode=rmode))
        if rule.cap is not None and rmode is Mode.ENFORCE:
            cap = _at_most(Action(rule.cap), cap)
        if rule.action:
            forced.append((_at_most(Action(rule.action), cap), rule, rmode))
            if rule.action == "accept" and rmode is Mode.ENFORCE:
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


def _apply_allow(spec: schema.PolicyFile, facts: Facts, findings: list[Finding], reasons: list[str]) -> list[Finding]:
    for entry in spec.allow:
        if _allow_matches(entry, facts):
            reasons.append(f"allow: {entry.reason}")
            if entry.brands == "all":
                return []
            findings = [f for f in findings if f.brand is None or f.brand not in entry.brands]
    return findings


def allowlisted(policy: Policy, ctx: MessageContext, auth: AuthResults) -> bool:
    """An allow entry of the policy matches the message (whatever it says, it must never teach the memory)."""
    facts = Facts(ctx, auth, header_from_domain(ctx) or auth.dmarc.from_domain, policy.brand_domains)
    return any(_allow_matches(entry, facts) for entry in policy.spec.allow)


def _allow_matches(entry: schema.AllowEntry, facts: Facts) -> bool:
    env = facts.ctx.envelope
    if entry.sender_domain and not (
        in_domains(facts.from_domain, entry.sender_domain) or in_domains(env.mail_from_domain, entry.sender_domain)
    ):
        return False
    if entry.client_ip and not _ip_in(env.client_addr, entry.client_ip):
        return False
    if entry.authenticated is not None and bool(env.auth_authen) != entry.authenticated:
        return False
    if entry.recipient_domain and not all(in_domains(domain_of(r), entry.recipient_domain) for r in env.rcpts):
        return False
    return True


def _ip_in(addr: str, nets: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(ip in _network(n) for n in nets)


@lru_cache(maxsize=1024)  # allow entries and rules name the same networks for every message
def _network(net: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(net, strict=False)


def _listify(v: str | list[str] | None) -> list[str]:
    return [v] if isinstance(v, str) else list(v or [])


_KINDS = (schema.AllCond, schema.AnyCond, schema.NotCond, schema.CheckCond, schema.ScoreCond, schema.HeaderCond,
          schema.AuthCond)


def _holds(cond: schema.Condition, facts: Facts, by_check: dict[str, list[Finding]], score: float,
           policy: Policy) -> bool:
    # isinstance is slow to say no for pydantic's (ABC) classes: the class picks the branch, isinstance confirms it
    kind = type(cond) if type(cond) in _KINDS else next((k for k in _KINDS if isinstance(cond, k)), None)
    if kind is schema.AllCond and isinstance(cond, schema.AllCond):
        return all(_holds(c, facts, by_check, score, policy) for c in cond.all)
    if kind is schema.AnyCond and isinstance(cond, schema.AnyCond):
        return any(_holds(c, facts, by_check, score, policy) for c in cond.any)
    if kind is schema.NotCond and isinstance(cond, schema.NotCond):
        return not _holds(cond.not_, facts, by_check, score, policy)
    if kind is schema.CheckCond and isinstance(cond, schema.CheckCond):
        outcomes = _listify(cond.outcome)
        return any(
            (not outcomes or f.outcome in outcomes) and (cond.brand is None or f.brand == cond.brand)
            for f in by_check.get(cond.check, ())
        )
    if kind is schema.ScoreCond and isinstance(cond, schema.ScoreCond):
        return score >= cond.score_at_least
    if kind is schema.HeaderCond and isinstance(cond, schema.HeaderCond):
        return _header_holds(cond, facts.ctx, policy)
    if kind is schema.AuthCond and isinstance(cond, schema.AuthCond):
        return _auth_holds(cond, facts)
    return _envelope_holds(cast(schema.EnvelopeCond, cond), facts, policy)


def _text(value: str) -> str:
    """RE2 takes valid UTF-8 only: raw 8-bit header bytes (kept as surrogates) become U+FFFD."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _header_holds(cond: schema.HeaderCond, ctx: MessageContext, policy: Policy) -> bool:
    values = ctx.header_values(cond.header)
    if cond.exists is not None and bool(values) != cond.exists:
        return False
    if cond.contains is not None and not any(cond.contains.lower() in v.lower() for v in values):
        return False
    if cond.matches is not None and not any(policy.regexes[cond.matches].search(_text(v)) for v in values):
        return False
    return True


def _auth_holds(cond: schema.AuthCond, facts: Facts) -> bool:
    auth = facts.auth
    if cond.method is not None:
        results = ([s.result for s in auth.dkim] or ["none"]) if cond.method == "dkim" else [
            {"spf": auth.spf.result, "dmarc": auth.dmarc.result, "arc": auth.arc.result}[cond.method]]
        if cond.result is not None and not set(results) & set(_listify(cond.result)):
            return False
    if cond.dmarc_policy is not None and auth.dmarc.disposition not in _listify(cond.dmarc_policy):
        return False
    if cond.from_problem is not None and bool(auth.dmarc.from_problem) != cond.from_problem:
        return False
    if cond.arc_trusted_override is not None and auth.arc.trusted_override != cond.arc_trusted_override:
        return False
    if cond.from_domain_is_brand is not None and in_domains(facts.from_domain, facts.brand_domains) != cond.from_domain_is_brand:
        return False
    return True


def _envelope_holds(cond: schema.EnvelopeCond, facts: Facts, policy: Policy) -> bool:
    env = facts.ctx.envelope
    if cond.mail_from_domain is not None and not in_domains(env.mail_from_domain, cond.mail_from_domain):
        return False
    if cond.from_domain is not None and not in_domains(facts.from_domain, cond.from_domain):
        return False
    if cond.rcpt_domain is not None and not any(in_domains(domain_of(r), cond.rcpt_domain) for r in env.rcpts):
        return False
    if cond.client_ip is not None and not _ip_in(env.client_addr, cond.client_ip):
        return False
    if cond.authenticated is not None and bool(env.auth_authen) != cond.authenticated:
        return False
    if cond.mail_from_matches is not None and not policy.regexes[cond.mail_from_matches].search(_text(env.mail_from)):
        return False
    return True
