"""Platforms whose genuine mail carries user-written fields: closed schema, loader with file:line errors, lookups."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import re2
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from brandguard.content.urls import in_domain
from brandguard.errors import ConfigError, PolicyError
from brandguard.policy.catalogue import Brand, PhoneSpec
from brandguard.policy.fields import domain_names
from brandguard.policy.yamlio import YamlDoc, load_yaml, validate

_ID = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
# where a field can be: the two headers a reader sees, and every text source of the extractor (content.model.SOURCES)
FieldSource = Literal["subject", "display_name", "body", "attachment", "pdf", "docx", "ics", "ocr"]


def compile_rx(pattern: str) -> Any:
    """An admin's pattern through RE2 (linear time, like the policy's rule regexes), case-insensitive."""
    opts = re2.Options()
    opts.case_sensitive = False
    opts.log_errors = False
    return re2.compile(pattern, opts)


def _valid_rx(v: str | None) -> str | None:
    if v is not None:
        try:
            compile_rx(v)
        except re2.error as exc:
            raise ValueError(f"invalid RE2 regex {v!r}: {exc}") from None
    return v


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Closed):
    """Where one user-written part is: a source, and a capture regex or after/until markers (neither: all of it)."""

    name: str = Field(description="snake_case name shown in evidence, e.g. seller_note, business_name, event_title")
    source: FieldSource = Field(description="subject | display_name | body | ics | pdf | docx | attachment | ocr")
    kind: Literal["identity", "text"] = Field(
        "text", description="identity: a name the user chose (business, seller, organizer, tenant): another brand "
        "named there is claimed outright; text: a note, title or description: a brand counts with a story on its line")
    capture: str | None = Field(None, description="RE2 regex (case-insensitive) with a group named `field`: each "
                                "match's group is one field")
    after: str | None = Field(None, description="RE2 regex: a field starts where each match ends")
    until: str | None = Field(None, description="RE2 regex: the field ends where this first matches (else max_chars)")
    max_chars: int = Field(600, ge=20, le=5000, description="characters of one field at most")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("must be snake_case: a-z, 0-9 and _ (at most 41 characters, starting with a letter)")
        return v

    @field_validator("capture", "after", "until")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        return _valid_rx(v)

    @model_validator(mode="after")
    def _one_way(self) -> FieldSpec:
        if self.capture is not None:
            if self.after is not None or self.until is not None:
                raise ValueError("give either capture, or after/until markers, not both")
            if "field" not in compile_rx(self.capture).groupindex:
                raise ValueError("capture needs a group named field: (?P<field>...)")
        return self


class PlatformSpec(_Closed):
    """A platform whose genuine mail carries text its users wrote: where it sends from, and where that text is."""

    id: str = Field(description="short snake_case id used in evidence")
    name: str = Field(description="display name")
    brands: list[str] = Field(default_factory=list, description="catalogue brand ids that are this platform: their "
                              "names in a field are the platform's own, their official numbers count as its own")
    domains: list[str] = Field(min_length=1, description="domains its mail comes from (From, DKIM d= or Return-Path; "
                               "subdomains included); never free-mail domains people send from")
    phones: list[PhoneSpec] = Field(default_factory=list, description="its official numbers besides its brands' ones")
    applies_when: str | None = Field(None, description="RE2 regex (case-insensitive) searched in the subject and "
                                     "visible text: the fields apply only to mail where it matches (for a domain the "
                                     "platform shares with its other mail, e.g. google.com)")
    fields: list[FieldSpec] = Field(min_length=1, description="where the user-written parts are")
    notes: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("must be snake_case: a-z, 0-9 and _ (at most 41 characters, starting with a letter)")
        return v

    @field_validator("applies_when")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        return _valid_rx(v)

    @field_validator("domains")
    @classmethod
    def _domains(cls, v: list[str]) -> list[str]:
        return domain_names(v)

class PlatformFile(_Closed):
    """A platform file (policies/platforms.yaml)."""

    version: Literal[1] = 1
    platforms: list[PlatformSpec] = Field(default_factory=list)


@dataclass(frozen=True)
class FieldRule:
    """A compiled FieldSpec."""

    name: str
    source: str
    kind: str
    capture: Any  # compiled RE2 (untyped) or None
    after: Any
    until: Any
    max_chars: int


@dataclass(frozen=True)
class Platform:
    """A loaded platform: sending domains, own brands and numbers, compiled field rules."""

    id: str
    name: str
    brands: frozenset[str]
    domains: frozenset[str]
    phones: frozenset[str]  # E.164: its own and its brands' official numbers
    fields: tuple[FieldRule, ...]
    source: str = ""  # file:line where it was defined
    applies_when: Any = None  # compiled RE2: the fields apply only to mail whose subject or text it matches

    def sends_from(self, host: str) -> bool:
        return bool(host) and any(in_domain(host, d) for d in self.domains)


@dataclass(frozen=True)
class Platforms:
    """Every loaded platform."""

    entries: tuple[Platform, ...] = ()
    _by_domain: dict[str, set[int]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # every message asks for its senders' platforms: one dict probe per label instead of every domain tried
        index = self._by_domain
        for i, p in enumerate(self.entries):
            for d in p.domains:
                index.setdefault(d.lower().rstrip("."), set()).add(i)

    def matching(self, hosts: Iterable[str]) -> tuple[Platform, ...]:
        """Platforms sending from any of `hosts` (a domain or a subdomain of one), in file order."""
        index = self._by_domain
        found: set[int] = set()
        for h in hosts:
            host = h.lower().rstrip(".") if h else ""
            while host:  # the host, then what follows each of its dots: in_domain's own test
                found |= index.get(host, set())
                _, dot, host = host.partition(".")
                if not dot:
                    break
        return tuple(self.entries[i] for i in sorted(found))


def _rule(spec: FieldSpec) -> FieldRule:
    def rx(pattern: str | None) -> Any:
        return compile_rx(pattern) if pattern is not None else None

    return FieldRule(spec.name, spec.source, spec.kind, rx(spec.capture), rx(spec.after), rx(spec.until),
                     spec.max_chars)


def load_platforms(paths: Iterable[Path], local: Iterable[tuple[YamlDoc, list[PlatformSpec]]],
                   brands: Mapping[str, Brand]) -> Platforms:
    """Platform files plus the `platforms:` of local policy files; PolicyError lists every problem with file:line.

    `brands` is the loaded catalogue: a platform's brands must exist, and their official numbers are its own.
    """
    problems: list[str] = []
    found: list[tuple[YamlDoc, int, PlatformSpec]] = []
    for path in paths:
        try:
            doc = load_yaml(path)
            spec = validate(doc, PlatformFile)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        found += [(doc, i, p) for i, p in enumerate(spec.platforms)]
    for doc, specs in local:
        found += [(doc, i, p) for i, p in enumerate(specs)]
    out: dict[str, Platform] = {}
    for doc, i, p in found:
        where = f"{doc.path}:{doc.line_of(('platforms', i, 'id'))}"
        if p.id in out:
            problems.append(f"{where}: platforms[{i}].id: platform {p.id!r} already defined at {out[p.id].source}")
            continue
        unknown = [b for b in p.brands if b not in brands]
        if unknown:
            line = doc.line_of(("platforms", i, "brands"))
            problems.append(f"{doc.path}:{line}: platforms[{i}].brands: unknown brand(s) {', '.join(unknown)}")
            continue
        phones = {ph.number for ph in p.phones}
        for b in p.brands:
            phones |= set(brands[b].phones)
        out[p.id] = Platform(p.id, p.name, frozenset(p.brands), frozenset(p.domains), frozenset(phones),
                             tuple(_rule(f) for f in p.fields), where,
                             compile_rx(p.applies_when) if p.applies_when is not None else None)
    if problems:
        raise PolicyError(problems)
    return Platforms(tuple(out.values()))


__all__ = ["FieldRule", "FieldSpec", "Platform", "PlatformFile", "PlatformSpec", "Platforms", "load_platforms"]
