"""A Policy's rules, allow entries and overrides compiled once into closures the engine calls per message."""
from __future__ import annotations

import ipaddress
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from brandguard.addresses import parse_addresses
from brandguard.model import Action, AuthResults, Finding, MessageContext, Mode, domain_of
from brandguard.policy import schema
from brandguard.policy.loader import Policy

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Facts:
    """What conditions may look at besides findings; the From domain is parsed only if a condition asks."""

    __slots__ = ("ctx", "auth", "brand_domains", "_from_domain")

    def __init__(self, ctx: MessageContext, auth: AuthResults, brand_domains: frozenset[str]) -> None:
        self.ctx, self.auth, self.brand_domains = ctx, auth, brand_domains
        self._from_domain: str | None = None

    @property
    def from_domain(self) -> str:
        if self._from_domain is None:
            self._from_domain = header_from_domain(self.ctx) or self.auth.dmarc.from_domain
        return self._from_domain


ByCheck = Mapping[str, list[Finding]]
Pred = Callable[[Facts, ByCheck, float], bool]


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


def _domains(names: list[str]) -> frozenset[str]:
    return frozenset(x.lower().rstrip(".") for x in names)


def _ip_in(addr: str, nets: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(ip in net for net in nets)


@lru_cache(maxsize=1024)  # reloads of the same policy name the same networks
def _network(net: str) -> Network:
    return ipaddress.ip_network(net, strict=False)


def _listify(v: str | list[str] | None) -> list[str]:
    return [v] if isinstance(v, str) else list(v or [])


def _text(value: str) -> str:
    """RE2 takes valid UTF-8 only: raw 8-bit header bytes (kept as surrogates) become U+FFFD."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# --- conditions: each compiles to (predicate, cost); cost None means "may raise", so its list keeps its order --------

_CHEAP, _AUTH, _ENVELOPE, _HEADER = 0, 1, 2, 3


def compile_condition(cond: schema.Condition, regexes: Mapping[str, Any]) -> tuple[Pred, int | None]:
    """A closure equal to the condition for every message; it holds no reference to the Policy."""
    if isinstance(cond, (schema.AllCond, schema.AnyCond)):
        return _compile_list(cond, regexes)
    if isinstance(cond, schema.NotCond):
        inner, cost = compile_condition(cond.not_, regexes)
        return (lambda facts, by_check, score: not inner(facts, by_check, score)), cost
    if isinstance(cond, schema.CheckCond):
        return _check(cond), _CHEAP
    if isinstance(cond, schema.ScoreCond):
        least = cond.score_at_least
        return (lambda facts, by_check, score: score >= least), _CHEAP
    if isinstance(cond, schema.HeaderCond):
        return _header(cond, regexes)
    if isinstance(cond, schema.AuthCond):
        return _auth(cond), _AUTH
    return _envelope(cond, regexes)


def _compile_list(cond: schema.AllCond | schema.AnyCond, regexes: Mapping[str, Any]) -> tuple[Pred, int | None]:
    is_all = isinstance(cond, schema.AllCond)
    children = [compile_condition(c, regexes) for c in (cond.all if isinstance(cond, schema.AllCond) else cond.any)]
    costs = [c for _, c in children]
    total = None if None in costs else max((c for c in costs if c is not None), default=_CHEAP)
    if total is not None:  # pure conditions: the cheap ones first, so the dear ones are often skipped
        children.sort(key=lambda pc: pc[1] or 0)
    preds = tuple(p for p, _ in children)
    if len(preds) == 1:
        return preds[0], total
    if is_all:
        def all_hold(facts: Facts, by_check: ByCheck, score: float) -> bool:
            for pred in preds:
                if not pred(facts, by_check, score):
                    return False
            return True
        return all_hold, total

    def any_holds(facts: Facts, by_check: ByCheck, score: float) -> bool:
        for pred in preds:
            if pred(facts, by_check, score):
                return True
        return False
    return any_holds, total


def _check(cond: schema.CheckCond) -> Pred:
    name, brand = cond.check, cond.brand
    outcomes = frozenset(_listify(cond.outcome))
    if not outcomes and brand is None:
        return lambda facts, by_check, score: bool(by_check.get(name))
    return lambda facts, by_check, score: any(
        (not outcomes or f.outcome in outcomes) and (brand is None or f.brand == brand)
        for f in by_check.get(name, ())
    )


def _header(cond: schema.HeaderCond, regexes: Mapping[str, Any]) -> tuple[Pred, int | None]:
    name, exists, pattern = cond.header, cond.exists, cond.matches
    contains = cond.contains.lower() if cond.contains is not None else None
    rx = regexes.get(pattern) if pattern is not None else None

    def holds(facts: Facts, by_check: ByCheck, score: float) -> bool:
        values = facts.ctx.header_values(name)
        if exists is not None and bool(values) != exists:
            return False
        if contains is not None and not any(contains in v.lower() for v in values):
            return False
        if pattern is not None and not any((rx or regexes[pattern]).search(_text(v)) for v in values):
            return False
        return True
    return holds, (None if pattern is not None and rx is None else _HEADER)


def _auth(cond: schema.AuthCond) -> Pred:
    method, dmarc_policy = cond.method, cond.dmarc_policy
    results = frozenset(_listify(cond.result)) if cond.result is not None else None
    policies = frozenset(_listify(dmarc_policy)) if dmarc_policy is not None else None
    from_problem, arc_override, is_brand = cond.from_problem, cond.arc_trusted_override, cond.from_domain_is_brand

    def holds(facts: Facts, by_check: ByCheck, score: float) -> bool:
        auth = facts.auth
        if method is not None and results is not None:
            got = ([s.result for s in auth.dkim] or ["none"]) if method == "dkim" else [
                {"spf": auth.spf.result, "dmarc": auth.dmarc.result, "arc": auth.arc.result}[method]]
            if results.isdisjoint(got):
                return False
        if policies is not None and auth.dmarc.disposition not in policies:
            return False
        if from_problem is not None and bool(auth.dmarc.from_problem) != from_problem:
            return False
        if arc_override is not None and auth.arc.trusted_override != arc_override:
            return False
        if is_brand is not None and in_domains(facts.from_domain, facts.brand_domains) != is_brand:
            return False
        return True
    return holds


def _envelope(cond: schema.EnvelopeCond, regexes: Mapping[str, Any]) -> tuple[Pred, int | None]:
    mail_from = _domains(cond.mail_from_domain) if cond.mail_from_domain is not None else None
    from_dom = _domains(cond.from_domain) if cond.from_domain is not None else None
    rcpt = _domains(cond.rcpt_domain) if cond.rcpt_domain is not None else None
    nets = tuple(_network(n) for n in cond.client_ip) if cond.client_ip is not None else None
    authenticated, pattern = cond.authenticated, cond.mail_from_matches
    rx = regexes.get(pattern) if pattern is not None else None

    def holds(facts: Facts, by_check: ByCheck, score: float) -> bool:
        env = facts.ctx.envelope
        if mail_from is not None and not in_domains(env.mail_from_domain, mail_from):
            return False
        if from_dom is not None and not in_domains(facts.from_domain, from_dom):
            return False
        if rcpt is not None and not any(in_domains(domain_of(r), rcpt) for r in env.rcpts):
            return False
        if nets is not None and not _ip_in(env.client_addr, nets):
            return False
        if authenticated is not None and bool(env.auth_authen) != authenticated:
            return False
        if pattern is not None and not (rx or regexes[pattern]).search(_text(env.mail_from)):
            return False
        return True
    return holds, (None if pattern is not None and rx is None else _ENVELOPE)


# --- the whole policy ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: schema.Rule
    holds: Pred
    sampled: bool  # applies to a share of the mail only: the engine hashes the message to decide
    action: Action | None
    cap: Action | None


@dataclass(frozen=True, slots=True)
class CompiledAllow:
    entry: schema.AllowEntry
    matches: Callable[[Facts], bool]


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """What the engine needs of a Policy, in the shape it is asked for on every message."""

    rules: tuple[CompiledRule, ...]
    allow: tuple[CompiledAllow, ...]
    overrides: tuple[tuple[frozenset[str], Mode | None, schema.Thresholds | None], ...]
    wanted_brands: frozenset[str] | None  # None: every brand


def _allow(entry: schema.AllowEntry) -> Callable[[Facts], bool]:
    senders = _domains(entry.sender_domain) if entry.sender_domain else None
    nets = tuple(_network(n) for n in entry.client_ip) if entry.client_ip else None
    authenticated = entry.authenticated
    rcpts = _domains(entry.recipient_domain) if entry.recipient_domain else None

    def matches(facts: Facts) -> bool:
        env = facts.ctx.envelope
        if senders is not None and not (
            in_domains(facts.from_domain, senders) or in_domains(env.mail_from_domain, senders)
        ):
            return False
        if nets is not None and not _ip_in(env.client_addr, nets):
            return False
        if authenticated is not None and bool(env.auth_authen) != authenticated:
            return False
        if rcpts is not None and not all(in_domains(domain_of(r), rcpts) for r in env.rcpts):
            return False
        return True
    return matches


def _build(policy: Policy) -> CompiledPolicy:
    spec = policy.spec
    rules = tuple(
        CompiledRule(r, compile_condition(r.when, policy.regexes)[0], r.sample_percent < 100,
                     Action(r.action) if r.action else None, Action(r.cap) if r.cap is not None else None)
        for r in spec.rules
    )
    return CompiledPolicy(
        rules=rules,
        allow=tuple(CompiledAllow(e, _allow(e)) for e in spec.allow),
        overrides=tuple((_domains(o.recipient_domain), o.mode, o.thresholds) for o in spec.recipient_overrides),
        wanted_brands=None if spec.brands == "all" else frozenset(spec.brands),
    )


# Keyed by the Policy object's id and checked through a weak reference: a reload (a new Policy) compiles its own,
# and the entry of a policy that is gone is dropped, so an id the interpreter reuses never finds a stale one.
_cache: dict[int, tuple[weakref.ref[Policy], CompiledPolicy]] = {}


def compiled(policy: Policy) -> CompiledPolicy:
    """The policy's compiled form, built on first use and kept as long as the Policy lives."""
    key = id(policy)
    entry = _cache.get(key)
    if entry is not None and entry[0]() is policy:
        return entry[1]
    built = _build(policy)

    def forget(ref: weakref.ref[Policy]) -> None:  # no lock: it may run in any thread, at any allocation
        if _cache.get(key, (None,))[0] is ref:
            _cache.pop(key, None)
    _cache[key] = (weakref.ref(policy, forget), built)
    return built
