"""lookalike_domain: sender, reply or link domains imitating a brand's (paypa1.com, norton-renewal.com)."""
from __future__ import annotations

import weakref
from itertools import combinations

from pydantic import Field

from brandguard.checks._brands import brand_name, claims
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.content.names import compact
from brandguard.content.urls import org_domain
from brandguard.model import Finding

_RANK = {"confusable": 0, "edit_distance": 1, "brand_subdomain": 2, "brand_in_domain": 3}
_INDEXES: dict[int, tuple[weakref.ref, "_Index"]] = {}


class Params(CheckParams):
    max_distance: int = Field(1, ge=0, le=2, description="edit distance for brand tokens of 5+ characters "
                              "(one more for 9+)")
    links: bool = Field(True, description="also examine link hosts, not only From / Reply-To / Return-Path")


def distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment)."""
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _deletions(word: str, n: int) -> set[str]:
    out = {word}
    for k in range(1, n + 1):
        out |= {"".join(c for i, c in enumerate(word) if i not in drop) for drop in combinations(range(len(word)), k)}
    return out


class _Index:
    """Per catalogue: deletion neighbourhoods of token skeletons, and every (brand, token, skeleton)."""

    def __init__(self, cat, max_distance: int):
        self.near: dict[str, set[tuple[str, str]]] = {}
        self.tokens = [(b.id, t, compact(t)) for b in cat.brands.values() for t in sorted(b.tokens)]
        for brand_id, token, skel in self.tokens:
            if len(skel) >= 5:
                for d in _deletions(skel, max_distance + (1 if len(skel) >= 9 else 0)):
                    self.near.setdefault(d, set()).add((brand_id, token))


def _index(cat, max_distance: int) -> _Index:
    """Symmetric-deletion index of brand token skeletons: near neighbours without comparing every pair."""
    key = id(cat) * 4 + max_distance
    cached = _INDEXES.get(key)
    if cached and cached[0]() is cat:
        return cached[1]
    index = _Index(cat, max_distance)
    _INDEXES[key] = (weakref.ref(cat), index)
    return index


@register
class LookalikeDomain(Check):
    """Compares registrable labels on confusable skeletons; brand domains never match, and the brand must be named."""

    name = "lookalike_domain"
    description = "a sender, Reply-To, Return-Path or link domain imitates a domain of a brand the message names"
    outcomes = frozenset(_RANK)
    Params = Params

    def evaluate(self, inp: CheckInput, params: Params) -> list[Finding]:
        c, cat = inp.content, inp.catalogue
        claimed = claims(inp)
        if not claimed:
            return []  # "purchase" holds "chase": a domain only imitates a brand the message also names
        hosts = [(c.from_domain, "from")] + [(a.rsplit("@", 1)[-1], "reply_to") for a in c.reply_to]
        hosts.append((c.return_path_domain, "return_path"))
        if params.links:
            hosts += [(link.host, "url") for link in c.links]
        index = _index(cat, params.max_distance)
        best: dict[str, tuple[str, str, str]] = {}
        seen: set[str] = set()
        for host, where in hosts:
            if not host or host in seen or cat.brands_for_domain(host) or cat.is_freemail(host):
                continue
            seen.add(host)
            for brand, outcome in self._match(cat, index, host, params.max_distance):
                if brand in claimed and (brand not in best or _RANK[outcome] < _RANK[best[brand][0]]):
                    best[brand] = (outcome, host, where)
        return [
            self.finding(outcome, brand, f"{host} ({where}) imitates {brand_name(inp, brand)} ({outcome})", where)
            for brand, (outcome, host, where) in sorted(best.items(), key=lambda kv: _RANK[kv[1][0]])
        ]

    @staticmethod
    def _match(cat, index, host: str, max_distance: int):
        org = org_domain(host)
        label = org.split(".")[0]
        if label.startswith("xn--"):  # IDN homographs arrive as punycode
            try:
                label = label.encode("ascii").decode("idna")
            except UnicodeError:
                pass
        plain, skel = label.replace("-", ""), compact(label)
        words = [w for w in label.split("-") if w]
        near: set[tuple[str, str]] = set()
        for part in {skel} | {compact(w) for w in words}:  # "paypa1-secure": the word, not the label
            if len(part) <= 30:
                for d in _deletions(part, max_distance + (1 if len(part) >= 9 else 0)):
                    near |= index.near.get(d, set())
        for brand_id, token in near:
            tskel = compact(token)
            for part, written in [(skel, plain)] + [(compact(w), w) for w in words]:
                if part == tskel:
                    yield brand_id, ("brand_in_domain" if written == token else "confusable")
                elif len(part) >= 5 and distance(part, tskel) <= max_distance + (1 if len(tskel) >= 9 else 0):
                    yield brand_id, "edit_distance"
        subs = {x for part in host[: -len(org)].strip(".").split(".") if part for x in (part, *part.split("-"))}
        for brand_id, token, tskel in index.tokens:
            if token in subs and len(token) >= 4:
                yield brand_id, "brand_subdomain"
            elif (len(token) >= 5 and token in plain) or token in words:
                yield brand_id, "brand_in_domain"
            elif len(token) >= 5 and tskel in skel:
                yield brand_id, "confusable"  # "paypa1secure": the brand only after undoing look-alikes
