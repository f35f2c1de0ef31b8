"""lookalike_domain: sender, reply or link domains imitating a brand's (paypa1.com, norton-renewal.com)."""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import Field

from brandguard.checks._brands import brand_name, claims
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.content.names import compact
from brandguard.content.urls import org_domain
from brandguard.model import Finding

if TYPE_CHECKING:
    from brandguard.policy.catalogue import Catalogue

_RANK = {"confusable": 0, "edit_distance": 1, "brand_subdomain": 2, "brand_in_domain": 3}


class LookalikeDomainParams(CheckParams):
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
    """The word with up to n characters deleted (deleting k positions = deleting one, k times over)."""
    out, frontier = {word}, {word}
    for _ in range(n):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


class _Host:
    """What a host offers for imitation: its registrable label as written, as skeleton and word by word."""

    def __init__(self, host: str, max_distance: int):
        org = org_domain(host)
        label = org.split(".")[0]
        if label.startswith("xn--"):  # IDN homographs arrive as punycode
            try:
                label = label.encode("ascii").decode("idna")
            except UnicodeError:
                pass
        self.plain, self.skel = label.replace("-", ""), compact(label)
        self.words = [w for w in label.split("-") if w]
        # (skeleton, as written): the whole label, then each word ("paypa1-secure": the word, not the label)
        self.parts = [(self.skel, self.plain)] + [(compact(w), w) for w in self.words]
        self.deletions = [
            _deletions(part, max_distance + (1 if len(part) >= 9 else 0))
            for part in {self.skel} | {compact(w) for w in self.words} if len(part) <= 30
        ]
        self.subs = {x for part in host[: -len(org)].strip(".").split(".") if part for x in (part, *part.split("-"))}


# once for all the brands a message names; small, as a long label's deletions run to thousands of strings
# (results per host and brand are memoised in _BrandTokens)
@lru_cache(maxsize=64)
def _host(host: str, max_distance: int) -> _Host:
    return _Host(host, max_distance)


class _BrandTokens:
    """Per catalogue and distance: each brand's tokens with skeletons and deletion neighbourhoods, built on
    first use (a message names a handful of brands, not the whole catalogue)."""

    MEMO_SIZE = 50_000

    def __init__(self, cat: Catalogue, max_distance: int):
        self.max_distance = max_distance
        self.position = {brand_id: i for i, brand_id in enumerate(cat.brands)}
        self._catalogue_brands = cat.brands
        self._tokens: dict[str, list[tuple[str, str, set[str] | None]]] = {}
        self.memo: dict[tuple[str, str], tuple[str | None, str | None]] = {}  # (host, brand) -> _match

    def tokens(self, brand_id: str) -> list[tuple[str, str, set[str] | None]]:
        """(token, skeleton, deletions; None under five letters), tokens sorted."""
        out = self._tokens.get(brand_id)
        if out is None:
            out = []
            for token in sorted(self._catalogue_brands[brand_id].tokens):
                skel = compact(token)
                near = _deletions(skel, self.max_distance + (1 if len(skel) >= 9 else 0)) if len(skel) >= 5 else None
                out.append((token, skel, near))
            self._tokens[brand_id] = out
        return out


def _brand_tokens(cat: Catalogue, max_distance: int) -> _BrandTokens:
    return cat.derived(("lookalike_domain", max_distance), lambda c: _BrandTokens(c, max_distance))


@register
class LookalikeDomain(Check):
    """Compares registrable labels on confusable skeletons; brand domains never match, and the brand must be named."""

    name = "lookalike_domain"
    description = "a sender, Reply-To, Return-Path or link domain imitates a domain of a brand the message names"
    outcomes = frozenset(_RANK)
    Params = LookalikeDomainParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        params = LookalikeDomainParams.of(params)
        c, cat = inp.content, inp.catalogue
        claimed = claims(inp)
        if not claimed:
            return []  # "purchase" holds "chase": a domain only imitates a brand the message also names
        hosts = [(c.from_domain, "from")] + [(a.rsplit("@", 1)[-1], "reply_to") for a in c.reply_to]
        hosts.append((c.return_path_domain, "return_path"))
        if params.links:
            # a domain written without a scheme ("they registered paypa1-secure.com") is a mention, as news and
            # bulletins name the look-alikes they warn about; a link or a URL is what takes the reader there
            hosts += [(link.host, "url") for link in c.links if link.kind != "bare"]
        index = _brand_tokens(cat, params.max_distance)
        best: dict[str, tuple[str, str, str]] = {}
        seen: set[str] = set()
        for host, where in hosts:
            if not host or host in seen or cat.brands_for_domain(host) or cat.is_freemail(host):
                continue
            seen.add(host)
            for brand, outcome in _imitated(index, host, claimed):
                if brand not in best or _RANK[outcome] < _RANK[best[brand][0]]:
                    best[brand] = (outcome, host, where)
        return [
            self.finding(outcome, brand, f"{host} ({where}) imitates {brand_name(inp, brand)} ({outcome})", where)
            for brand, (outcome, host, where) in sorted(best.items(), key=lambda kv: _RANK[kv[1][0]])
        ]


def _imitated(index: _BrandTokens, host: str, brands: Iterable[str]) -> list[tuple[str, str]]:
    """Which of `brands` the host imitates, each with its strongest outcome.

    In the order a scan of every catalogue brand would first find them: brands near in spelling by id,
    then brands found inside the host in catalogue order (findings of equal rank keep that order).
    """
    found = []
    for brand in brands:
        key = (host, brand)
        result = index.memo.get(key)
        if result is None:
            if len(index.memo) >= index.MEMO_SIZE:
                index.memo.clear()
            result = index.memo[key] = _match(index, host, brand)
        near, inside = result
        if near or inside:
            outcome = min((o for o in (near, inside) if o), key=_RANK.__getitem__)
            found.append(((0, brand) if near else (1, index.position[brand]), brand, outcome))
    return [(brand, outcome) for _, brand, outcome in sorted(found)]


def _match(index: _BrandTokens, host: str, brand: str) -> tuple[str | None, str | None]:
    """The strongest outcome of `brand` near the host's spelling, and inside it (None: no match)."""
    max_distance = index.max_distance
    h = _host(host, max_distance)
    tokens = index.tokens(brand)
    near: list[str] = []
    for token, tskel, deletions in tokens:
        # symmetric deletion: within the distance only if deleting from both sides can meet
        if deletions is None or all(deletions.isdisjoint(d) for d in h.deletions):
            continue
        for part, written in h.parts:
            if part == tskel:
                near.append("brand_in_domain" if written == token else "confusable")
            elif len(part) >= 5 and distance(part, tskel) <= max_distance + (1 if len(tskel) >= 9 else 0):
                near.append("edit_distance")
    inside: list[str] = []
    for token, tskel, _ in tokens:
        if token in h.subs and len(token) >= 4:
            inside.append("brand_subdomain")
        elif (len(token) >= 5 and token in h.plain) or token in h.words:
            inside.append("brand_in_domain")
        elif len(token) >= 5 and tskel in h.skel:
            inside.append("confusable")  # "paypa1secure": the brand only after undoing look-alikes
    return _strongest(near), _strongest(inside)


def _strongest(outcomes: list[str]) -> str | None:
    return min(outcomes, key=_RANK.__getitem__) if outcomes else None
