"""Policy loading: YAML files → one validated, compiled `Policy`, or every error with file:line."""
from __future__ import annotations

import datetime as dt
import glob
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import re2

from brandguard.checks import registry
from brandguard.checks.base import CheckParams
from brandguard.errors import ConfigError, PolicyError
from brandguard.policy import schema
from brandguard.policy.catalogue import Catalogue, load_catalogue
from brandguard.policy.platforms import PlatformSpec, load_platforms
from brandguard.policy.vocabulary import Section, Vocabulary, policy_vocabulary
from brandguard.policy.yamlio import YamlDoc, format_loc, load_yaml, validate

Origin = list[tuple[YamlDoc, int]]  # per rule: the document it was written in, and its index there


@dataclass(frozen=True)
class Policy:
    """A loaded policy: merged schema, per-check parameters, compiled regexes, catalogue, hash."""

    spec: schema.PolicyFile
    check_params: dict[str, CheckParams]
    regexes: dict[str, Any]  # compiled RE2 (untyped)
    catalogue: Catalogue
    hash: str
    sources: tuple[Path, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def enabled_checks(self) -> list[str]:
        return list(self._enabled)

    @cached_property
    def _enabled(self) -> tuple[str, ...]:  # asked for every message
        return tuple(n for n, p in self.check_params.items() if p.enabled)

    @property
    def rule_ids(self) -> list[str]:
        return [r.id for r in self.spec.rules]

    @cached_property
    def brand_domains(self) -> frozenset[str]:
        """Every catalogued brand's sending domain, lower-case (computed once per policy load)."""
        return frozenset(d.lower().rstrip(".") for d in self.catalogue.all_brand_domains())

    @property
    def brand_ids(self) -> list[str]:
        return sorted(self.catalogue.brands)


def load_policy(path: str | Path, *, today: dt.date | None = None) -> Policy:
    """Load the policy at `path` with its includes and catalogue; PolicyError lists every problem."""
    path = Path(path).resolve()
    problems: list[str] = []
    warnings: list[str] = []
    docs: list[YamlDoc] = []

    try:
        main_doc = load_yaml(path)
        docs.append(main_doc)
        spec = validate(main_doc, schema.PolicyFile, _mapping(main_doc))
    except ConfigError as exc:
        raise PolicyError(exc.problems) from None

    rules, allow, overrides = list(spec.rules), list(spec.allow), list(spec.recipient_overrides)
    origin: Origin = [(main_doc, i) for i in range(len(spec.rules))]  # where each rule was written
    checks_cfg: dict[str, tuple[YamlDoc, dict[str, Any]]] = {n: (main_doc, c) for n, c in spec.checks.items()}
    overrides_top: dict[str, Any] = {}
    local_platforms: list[tuple[YamlDoc, list[PlatformSpec]]] = []  # added by local files, with the file for errors
    local_vocabulary: list[Section] = []  # vocabulary sections of local files, and where
    for inc in _expand(path.parent, spec.include):
        try:
            doc = load_yaml(inc)
            docs.append(doc)
            local = validate(doc, schema.LocalPolicyFile, _mapping(doc))
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        origin += [(doc, i) for i in range(len(local.rules))]
        rules += local.rules
        allow += local.allow
        for key in ("mode", "thresholds", "tag", "reject_reply", "quarantine_reason"):
            if getattr(local, key) is not None:
                overrides_top[key] = getattr(local, key)
        overrides += local.recipient_overrides
        if local.platforms:
            local_platforms.append((doc, local.platforms))
        if local.vocabulary is not None:
            local_vocabulary.append((doc, local.vocabulary, ("vocabulary",)))
        for name, cfg in local.checks.items():
            base = checks_cfg.get(name, (doc, {}))[1]
            checks_cfg[name] = (doc, {**base, **cfg})

    check_params = _check_params(checks_cfg, problems)
    regexes = _compile_regexes(rules, origin, problems)
    _unique_rule_ids(rules, origin, problems)
    known_checks = set(registry.names())
    for rule, (doc, idx) in zip(rules, origin):
        for cond in _walk(rule.when):
            if isinstance(cond, schema.CheckCond) and cond.check not in known_checks:
                where = f"{doc.path}:{doc.line_of(('rules', idx, 'when'))}: rules[{idx}] ({rule.id})"
                problems.append(f"{where}: unknown check {cond.check!r}")
    today = today or dt.date.today()
    live_rules = []
    for rule in rules:
        if rule.expires and rule.expires < today:
            warnings.append(f"rule {rule.id} expired on {rule.expires} and is ignored")
        else:
            live_rules.append(rule)

    catalogue: Catalogue | None = None
    vocabulary: Vocabulary | None = None
    try:
        catalogue = _load_catalogue(path.parent, spec.catalogue, local_platforms)
    except ConfigError as exc:
        problems.extend(exc.problems)
    try:
        vocabulary = policy_vocabulary(path.parent, spec.catalogue.vocabulary, local_vocabulary, warnings)
    except ConfigError as exc:
        problems.extend(exc.problems)
    if problems or catalogue is None or vocabulary is None:  # either is None only with a problem listed
        raise PolicyError(problems)
    catalogue = catalogue.with_vocabulary(vocabulary)

    live_allow = []
    for entry in allow:
        if entry.expires and entry.expires < today:
            warnings.append(f"allow entry ({entry.reason}) expired on {entry.expires} and is ignored")
        else:
            live_allow.append(entry)
    merged = spec.model_copy(update={"rules": live_rules, "allow": live_allow, "recipient_overrides": overrides,
                                     **overrides_top})
    sources = tuple(d.path for d in docs) + catalogue.sources
    digest = hashlib.sha256()
    for src in sources:
        digest.update(str(src).encode() + b"\0" + Path(src).read_bytes())
    return Policy(merged, check_params, regexes, catalogue, digest.hexdigest()[:12], sources, tuple(warnings))


def _mapping(doc: YamlDoc) -> Any:
    if not isinstance(doc.data, dict):
        raise ConfigError(f"{doc.path}:1: a policy file must be a mapping")
    return doc.data


def _expand(base: Path, patterns: list[str]) -> list[Path]:
    out: list[Path] = []
    for pat in patterns:
        full = pat if Path(pat).is_absolute() else str(base / pat)
        out.extend(Path(p) for p in sorted(glob.glob(full)))
    return out


def _check_params(cfg: dict[str, tuple[YamlDoc, dict[str, Any]]], problems: list[str]) -> dict[str, CheckParams]:
    out: dict[str, CheckParams] = {}
    checks = registry.all_checks()
    for name, (doc, raw) in cfg.items():
        if name not in checks:
            line = doc.line_of(("checks", name))
            problems.append(f"{doc.path}:{line}: checks.{name}: unknown check (known: {', '.join(sorted(checks))})")
            continue
        try:
            out[name] = validate(doc, checks[name].Params, raw or {}, prefix=("checks", name))
        except ConfigError as exc:
            problems.extend(exc.problems)
    return out


def _walk(cond: schema.Condition) -> Iterator[schema.Condition]:
    yield cond
    children = cond.all if isinstance(cond, schema.AllCond) else cond.any if isinstance(cond, schema.AnyCond) else []
    for child in children:
        yield from _walk(child)
    if isinstance(cond, schema.NotCond):
        yield from _walk(cond.not_)


def _compile_regexes(rules: list[schema.Rule], origin: Origin, problems: list[str]) -> dict[str, Any]:
    """Admin regexes go through RE2: linear time, so a policy cannot make the milter backtrack forever."""
    out: dict[str, Any] = {}
    opts = re2.Options()
    opts.case_sensitive = False
    for rule, (doc, idx) in zip(rules, origin):
        for cond in _walk(rule.when):
            pattern = (cond.matches if isinstance(cond, schema.HeaderCond) else
                       cond.mail_from_matches if isinstance(cond, schema.EnvelopeCond) else None)
            if pattern and pattern not in out:
                try:
                    out[pattern] = re2.compile(pattern, opts)
                except re2.error as exc:
                    line = doc.line_of(("rules", idx, "when"))
                    problems.append(f"{doc.path}:{line}: rules[{idx}] ({rule.id}): invalid RE2 regex {pattern!r}: {exc}")
    return out


def _unique_rule_ids(rules: list[schema.Rule], origin: Origin, problems: list[str]) -> None:
    seen: set[str] = set()
    for rule, (doc, idx) in zip(rules, origin):
        if rule.id in seen:
            problems.append(f"{doc.path}:{doc.line_of(('rules', idx, 'id'))}: rules[{idx}].id: duplicate rule id {rule.id!r}")
        seen.add(rule.id)


def _load_catalogue(base: Path, spec: schema.CatalogueSpec,
                    local_platforms: list[tuple[YamlDoc, list[PlatformSpec]]] | None = None) -> Catalogue:
    brand_files = _expand(base, spec.brands)
    freemail = (base / spec.freemail) if spec.freemail else None
    catalogue = load_catalogue(brand_files, freemail)
    platform_files = _expand(base, spec.platforms)
    platforms = load_platforms(platform_files, local_platforms or [], catalogue.brands)
    return catalogue.with_platforms(platforms, tuple(platform_files))


__all__ = ["Policy", "load_policy", "format_loc"]
