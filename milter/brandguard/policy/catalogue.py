"""Brand catalogue and freemail list: closed schemas, a loader reporting every problem, fast lookups."""
from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator

from brandguard.content.names import NameHit, NameMatcher, compact
from brandguard.content.phones import is_valid_e164
from brandguard.content.urls import in_domain, org_domain
from brandguard.errors import ConfigError, PolicyError
from brandguard.policy.fields import domain_names
from brandguard.policy.yamlio import YamlDoc, load_yaml, validate

if TYPE_CHECKING:  # platforms imports this module (PhoneSpec); a catalogue only carries these
    from brandguard.policy.platforms import Platforms
    from brandguard.policy.vocabulary import Vocabulary

_ID = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
T = TypeVar("T")
Category = Literal["security", "tech", "payments", "bank", "retail", "courier", "crypto", "telco", "streaming",
                   "social", "travel", "government", "insurance", "health", "food", "auto", "other"]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PhoneSpec(_Closed):
    """An official support number of the brand."""

    number: str = Field(description="E.164, e.g. +18005551234")
    source: str = Field("", description="where it was taken from (the vendor's support page)")
    uncertain: bool = Field(False, description="true when not confirmed on the vendor's own page")

    @field_validator("number")
    @classmethod
    def _e164(cls, v: str) -> str:
        if not is_valid_e164(v):
            raise ValueError(f"{v!r} is not a valid E.164 phone number")
        return v


class BrandSpec(_Closed):
    """One brand: what it is called, where its mail and web sites are, which phone numbers are its own."""

    id: str = Field(description="short snake_case id used in findings, rules and allowlists")
    name: str = Field(description="display name")
    aliases: list[str] = Field(default_factory=list, description="other names, products (matched case-insensitively)")
    exact_case: list[str] = Field(default_factory=list, description="names that are also common words: "
                                  "matched only with this capitalisation (or ALL CAPS)")
    category: Category = "other"
    domains: list[str] = Field(default_factory=list, description="domains that legitimately send its mail "
                               "(subdomains included), incl. notification/ESP domains it uses")
    web_domains: list[str] = Field(default_factory=list, description="official web sites (subdomains included)")
    domain_tokens: list[str] = Field(default_factory=list, description="extra tokens that signal the brand "
                                     "inside a look-alike domain (org-domain labels are added automatically)")
    phones: list[PhoneSpec] = Field(default_factory=list)
    notes: str = ""

    @field_validator("domains", "web_domains")
    @classmethod
    def _v_domains(cls, v: list[str]) -> list[str]:
        return domain_names(v)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("must be snake_case: a-z, 0-9 and _ (at most 41 characters, starting with a letter)")
        return v


class BrandFile(_Closed):
    version: Literal[1] = 1
    brands: list[BrandSpec] = Field(default_factory=list)


class FreemailFile(_Closed):
    version: Literal[1] = 1
    domains: list[str] = Field(default_factory=list, description="free-mail domains; '*' stands for any "
                               "labels, e.g. 'yahoo.*' matches yahoo.com and yahoo.co.uk")

    @field_validator("domains")
    @classmethod
    def _patterns(cls, v: list[str]) -> list[str]:
        for d in v:
            if not re.fullmatch(r"(\*\.)?([a-z0-9-]+\.)*[a-z0-9-]+(\.\*)?", d.strip().lower()):
                raise ValueError(f"{d!r}: a domain, optionally with '*.' prefix or '.*' suffix")
        return [d.strip().lower() for d in v]


@dataclass(frozen=True)
class Brand:
    """A loaded brand with its lookup sets."""

    id: str
    name: str
    category: str
    names: tuple[str, ...]  # matched case-insensitively
    exact_names: tuple[str, ...]  # matched with their capitalisation only
    domains: frozenset[str]  # sending domains
    web_domains: frozenset[str]
    tokens: frozenset[str]  # look-alike tokens: lower-case letters and digits (e.g. 'trendmicro')
    phones: frozenset[str]  # E.164
    source: str = ""  # file:line where it was defined

    def sends_from(self, host: str) -> bool:
        """host is one of the brand's sending domains, or a subdomain of one."""
        return any(in_domain(host, d) for d in self.domains)

    def owns(self, host: str) -> bool:
        """host is one of the brand's sending or web domains, or a subdomain of one."""
        return any(in_domain(host, d) for d in self.domains | self.web_domains)


@dataclass(frozen=True)
class Catalogue:
    """All brands and the freemail list, with the indexes checks need per message."""

    brands: Mapping[str, Brand]
    sources: tuple[Path, ...] = ()
    freemail_exact: frozenset[str] = frozenset()
    freemail_patterns: tuple[re.Pattern[str], ...] = ()
    _by_domain: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # sending domains
    _by_web: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # sending and web domains
    _by_phone: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    _matcher: NameMatcher | None = None
    _derived: dict[Hashable, object] = field(default_factory=dict, compare=False, repr=False)
    # platforms whose genuine mail carries user-written fields
    platforms: Platforms | None = None
    # lure phrases, tools, link lists; None: the shipped vocabulary
    vocabulary: Vocabulary | None = None

    def with_platforms(self, platforms: Platforms, sources: tuple[Path, ...] = ()) -> Catalogue:
        """This catalogue with the platforms loaded after it (a platform refers to its brands)."""
        return replace(self, platforms=platforms, sources=self.sources + tuple(sources), _derived={})

    def with_vocabulary(self, vocabulary: Vocabulary) -> Catalogue:
        """This catalogue with the policy's vocabulary and its files."""
        return replace(self, vocabulary=vocabulary, sources=self.sources + vocabulary.sources, _derived={})

    def derived(self, key: Hashable, build: Callable[[Catalogue], T]) -> T:
        """An index checks derive from the catalogue, built on first use: a loaded catalogue never changes."""
        value = self._derived.get(key)
        if value is None:
            value = self._derived.setdefault(key, build(self))
        return cast(T, value)  # the cache holds every key's index as object: each key has its one builder

    def all_brand_domains(self) -> frozenset[str]:
        """Every brand's sending domains (a From in one of these, or below, is 'the brand's domain')."""
        return frozenset(self._by_domain)

    def sender_brands(self, host: str) -> tuple[str, ...]:
        """Ids of brands whose sending domains hold `host` (itself or a parent), most specific first."""
        return _lookup(self._by_domain, host)

    def brands_for_domain(self, host: str) -> tuple[str, ...]:
        """Ids of brands whose sending or web domains hold `host` (for links and look-alike checks)."""
        return _lookup(self._by_web, host)

    def phone_owners(self, e164: str) -> tuple[str, ...]:
        return self._by_phone.get(e164, ())

    def find_names(self, text: str) -> list[NameHit]:
        return self._matcher.find(text) if self._matcher else []

    def is_freemail(self, domain: str) -> bool:
        d = domain.lower().rstrip(".")
        if not d or d in self.freemail_exact:
            return bool(d)
        if not self.freemail_patterns:
            return False
        # a message's few domains are asked about by many checks: each tried on the patterns once per load
        memo: dict[str, bool] = self.derived("freemail_by_pattern", lambda _: {})
        found = memo.get(d)
        if found is None:
            if len(memo) >= 50_000:
                memo.clear()
            found = memo[d] = any(p.fullmatch(d) for p in self.freemail_patterns)
        return found


def _lookup(index: Mapping[str, tuple[str, ...]], host: str) -> tuple[str, ...]:
    labels = host.lower().rstrip(".").split(".")
    for i in range(len(labels) - 1):
        owners = index.get(".".join(labels[i:]))
        if owners:
            return owners
    return ()


def _plain(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _tokens(spec: BrandSpec) -> set[str]:
    """Lower-case alphanumeric words that stand for the brand inside a domain or address."""
    tokens = {_plain(t) for t in spec.domain_tokens}
    names = {_plain(n) for n in [spec.name] + spec.aliases + spec.exact_case if n.isascii()}
    for d in spec.domains:
        # only labels that are the brand's name: "office" (office.com) or "live" are ordinary words
        label = _plain(org_domain(d).split(".")[0])
        if label in names:
            tokens.add(label)
    tokens |= {n for n in names if len(n) >= 5}
    return {t for t in tokens if len(t) >= 3}


def _load_brands(paths: list[Path], problems: list[str]) -> dict[str, Brand]:
    brands: dict[str, Brand] = {}
    for path in paths:
        try:
            doc = load_yaml(path)
            spec = validate(doc, BrandFile)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        for i, b in enumerate(spec.brands):
            where = f"{doc.path}:{doc.line_of(('brands', i, 'id'))}"
            if b.id in brands:
                problems.append(f"{where}: brands[{i}].id: brand {b.id!r} already defined at {brands[b.id].source}")
                continue
            brands[b.id] = Brand(
                id=b.id, name=b.name, category=b.category,
                names=tuple(n for n in dict.fromkeys([b.name] + b.aliases) if n not in b.exact_case),
                exact_names=tuple(b.exact_case),
                domains=frozenset(b.domains), web_domains=frozenset(b.web_domains), tokens=frozenset(_tokens(b)),
                phones=frozenset(p.number for p in b.phones), source=where,
            )
            _exact_name_clash(doc, i, b, problems)
    return brands


def _exact_name_clash(doc: YamlDoc, i: int, b: BrandSpec, problems: list[str]) -> None:
    both = {compact(n) for n in b.aliases} & {compact(n) for n in b.exact_case}
    if both:
        line = doc.line_of(("brands", i, "exact_case"))
        problems.append(f"{doc.path}:{line}: brands[{i}].exact_case: {sorted(both)} also listed as "
                        "case-insensitive alias")


def _freemail(path: Path | None, problems: list[str]) -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    if path is None:
        return frozenset(), ()
    try:
        spec = validate(load_yaml(path), FreemailFile)
    except ConfigError as exc:
        problems.extend(exc.problems)
        return frozenset(), ()
    exact = frozenset(d for d in spec.domains if "*" not in d)
    patterns = tuple(
        re.compile(re.escape(d).replace(r"\*", r"[a-z0-9-]+(?:\.[a-z0-9-]+)*")) for d in spec.domains if "*" in d
    )
    return exact, patterns


def load_catalogue(brand_paths: list[Path], freemail_path: Path | None) -> Catalogue:
    """Load brand files and the freemail list; PolicyError lists every problem of every file."""
    problems: list[str] = []
    brands = _load_brands([Path(p) for p in brand_paths], problems)
    exact, patterns = _freemail(Path(freemail_path) if freemail_path else None, problems)
    if problems:
        raise PolicyError(problems)
    by_domain: dict[str, list[str]] = {}
    by_web: dict[str, list[str]] = {}
    by_phone: dict[str, list[str]] = {}
    names: dict[str, set[str]] = {}
    exact_names: dict[str, set[str]] = {}
    for b in brands.values():
        for d in sorted(b.domains):
            by_domain.setdefault(d, []).append(b.id)
        for d in sorted(b.domains | b.web_domains):
            by_web.setdefault(d, []).append(b.id)
        for p in b.phones:
            by_phone.setdefault(p, []).append(b.id)
    for b in brands.values():
        for n in b.names:
            names.setdefault(n, set()).add(b.id)
        for n in b.exact_names:
            exact_names.setdefault(n, set()).add(b.id)
    sources = tuple(Path(p) for p in brand_paths) + ((Path(freemail_path),) if freemail_path else ())
    return Catalogue(
        brands=MappingProxyType(brands), sources=sources, freemail_exact=exact, freemail_patterns=patterns,
        _by_domain=MappingProxyType({k: tuple(v) for k, v in by_domain.items()}),
        _by_web=MappingProxyType({k: tuple(v) for k, v in by_web.items()}),
        _by_phone=MappingProxyType({k: tuple(v) for k, v in by_phone.items()}),
        _matcher=NameMatcher(names, exact_names),
    )
