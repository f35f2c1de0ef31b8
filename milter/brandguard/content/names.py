"""Find many names in text at once, on confusable skeletons (so "Nоrtоn" with Cyrillic o still matches)."""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import re2

from brandguard.content.fastfind import BytesPattern
from brandguard.content.normalize import skeleton

_SEP = r"[\s\-_.]*"  # "Trend Micro", "TrendMicro", "Trend-Micro", "Trend_Micro"
# 8-bit header bytes arrive surrogate-escaped; re2 takes only encodable text (same length kept for offsets)
_SURROGATE = re.compile("[\ud800-\udfff]")
# Kana, Han and Hangul: scripts written without spaces between words, so a name in them needs no word boundary
_CJK_CHARS = "\u3005\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK = re.compile(f"[{_CJK_CHARS}]")
_NOT_KEY = re.compile(f"[^a-z0-9&{_CJK_CHARS}]")
# Foreign personal names in katakana join given and family name with a middle dot (エドワード・ノートン, the actor;
# ジョン・マカフィー, the founder): a brand name right after one is a family name, not a claim. Not before one:
# product names use the same dot (ノートン・セキュリティ)
_NAME_DOT = "\u30fb\uff65"  # ・ and the half-width ･
_KATAKANA = re.compile("[\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
MAX_HITS = 2000  # names reported per text: enough for any claim, bounded for "Norton " repeated a million times


@functools.lru_cache(maxsize=16384)  # called for every catalogue token on every message: cache the fixed set
def compact(name: str) -> str:
    """Lookup key of a name: its skeleton without separators."""
    return _NOT_KEY.sub("", skeleton(name).replace(" ", ""))


@dataclass(frozen=True)
class NameHit:
    """One occurrence of a catalogue name in a text."""

    key: str  # compact skeleton, e.g. "trendmlcro"
    owners: tuple[str, ...]  # ids of the entries (brands) this name belongs to
    text: str  # the words as written in the text
    start: int
    end: int


class NameMatcher:
    """Matches a fixed set of names; `exact_case` names must also match their capitalisation pattern."""

    def __init__(self, names: dict[str, set[str]], exact_case: dict[str, set[str]] | None = None):
        # names: written name -> owner ids; exact_case: written name -> owner ids (case-sensitive)
        self._owners: dict[str, set[str]] = {}
        self._exact: dict[str, list[tuple[str, set[str]]]] = {}
        patterns: set[str] = set()
        for table, exact in ((names, False), (exact_case or {}, True)):
            for written, owners in table.items():
                key = compact(written)
                if len(key) < 2:
                    continue
                if exact:
                    self._exact.setdefault(key, []).append((written, set(owners)))
                else:
                    self._owners.setdefault(key, set()).update(owners)
                patterns.add(_SEP.join(re2.escape(w) for w in skeleton(written).split()))
        options = re2.Options()
        options.max_mem = 256 << 20
        # re2's \b is an ASCII word boundary: names starting otherwise ("楽天カード", "Ébène") go without it and
        # find() checks their left edge
        worded = sorted((p for p in patterns if p[:1].isascii() and p[:1].isalnum()), key=len, reverse=True)
        other = sorted((p for p in patterns if p not in worded), key=len, reverse=True)
        alts = ([r"\b(?:" + "|".join(worded) + ")"] if worded else []) + (["(?:" + "|".join(other) + ")"] if other else [])
        self._regex = re2.compile("|".join(alts), options) if alts else None

    def find(self, text: str) -> list[NameHit]:
        """Every non-overlapping name occurrence, in text order."""
        if not text or self._regex is None:
            return []
        skel = skeleton(text).replace("_", " ")
        if skel.isascii():
            # bytes offsets are character offsets here: re2 then skips its per-match UTF-8 offset decoding
            spans = _ascii_spans(self._regex, skel.encode("ascii"))
        else:
            skel = _SURROGATE.sub("?", skel)
            spans = (m.span() for m in self._regex.finditer(skel))
        hits = []
        for start, end in spans:
            if end < len(skel) and _glued(skel[end - 1], skel[end]):  # "nortonville": not a name boundary
                continue
            if start > 0 and not skel[start].isascii() and _glued(skel[start], skel[start - 1]):
                continue
            if _in_personal_name(skel, start, end):
                continue
            key = _NOT_KEY.sub("", skel[start:end])
            written = text[start:end]
            owners = set(self._owners.get(key, ()))
            for name, exact_owners in self._exact.get(key, ()):
                if _same_case(written, name):
                    owners |= exact_owners
            if owners:
                hits.append(NameHit(key, tuple(sorted(owners)), written, start, end))
                if len(hits) >= MAX_HITS:
                    break
        return hits


def _glued(edge: str, neighbour: str) -> bool:
    """True when `neighbour` continues the word that `edge` ends or starts: letters of scripts written with
    spaces. Japanese and Chinese are not: 'Amazonから', '【楽天カード】', 'ご利用のSMBCカード' hold names."""
    return neighbour.isalpha() and _CJK.match(neighbour) is None and _CJK.match(edge) is None


def _in_personal_name(skel: str, start: int, end: int) -> bool:
    """A katakana name after a middle dot that follows katakana ("エドワード・ノートン"): a person, not the brand."""
    if not _KATAKANA.match(skel[start]) or not _KATAKANA.match(skel[end - 1]):
        return False
    return start >= 2 and skel[start - 1] in _NAME_DOT and _KATAKANA.match(skel[start - 2]) is not None


def _ascii_spans(regex: BytesPattern, data: bytes) -> Iterator[tuple[int, int]]:
    """regex.finditer(data) spans."""
    return (m.span() for m in regex.finditer(data))


def _same_case(written: str, name: str) -> bool:
    """'Apple' matches 'Apple' and 'APPLE' but not 'apple' (nor 'GIS' for 'GLS'): common words need the
    brand's exact letters and capitalisation, without confusable substitutes."""
    letters = [c for c in written if c.isalpha()]
    wanted = [c for c in name if c.isalpha()]
    if len(letters) != len(wanted) or "".join(letters).lower() != "".join(wanted).lower():
        return False
    if all(c.isupper() for c in letters) and len(letters) > 1:
        return True
    return all(a.isupper() == b.isupper() for a, b in zip(letters, wanted))
