"""pattern.finditer(text) that tries the pattern only where a cheap necessary condition says a match may start."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Protocol

import re2

# Patterns that open with a lookbehind make the regex engine attempt a match at every character, which on a
# long body costs more than the rest of the text analysis (figures: bench/micro.py). Candidate positions
# come from a fast literal or character-class search (or str.find), and the real pattern decides at
# each, so the matches are exactly finditer's (tests/unit/content/test_fastfind.py).

# Every URL match opens with 'http' or 'www.' case-insensitively ('h', 't', 'p', 'w' fold to no other
# character); written case-sensitively so that the engine skips to the next h or w at C speed.
_URL_HEAD = re.compile(r"[hHwW](?:(?<=[hH])[tT][tT][pP]|(?<=[wW])[wW][wW]\.)")
# extract._FORWARD_MARK opens with '---' or 'begin ' ('i' also folds to U+0130 and U+0131)
_FORWARD_HEAD = re.compile("---|[bB][eE][gG][iI\u0130\u0131][nN] ")
# The heads have no literal prefix, so `re` tries them at every character; RE2's DFA scans ASCII bytes
# much faster. Same matches on ASCII text, where no other character
# folds onto h, t, p, w, b, e, g, i or n; other text keeps the `re` heads above. finditer reports matches
# that do not overlap: no occurrence of these heads can start inside another, except '---' in a longer run
# of dashes, which is therefore matched whole and stands for the '---' starting at each of its characters.
_URL_HEAD_RE2 = re2.compile(rb"[hH][tT][tT][pP]|[wW][wW][wW]\.")
_FORWARD_HEAD_RE2 = re2.compile(rb"-{3,}|[bB][eE][gG][iI][nN] ")
# characters [a-z0-9-] matches under re.I: ASCII plus the case-folding partners of i, k and s
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-\u0130\u0131\u017f\u212a")
_MAX_LABEL = 63


def finditer(pattern: re.Pattern[str], starts: Iterable[int], text: str) -> Iterator[re.Match[str]]:
    """pattern.finditer(text) given `starts`, ascending positions including every start of a match.

    The pattern must not match the empty string (none of ours can).
    """
    end = 0
    for pos in starts:
        if pos < end:
            continue
        m = pattern.match(text, pos)
        if m is not None:
            end = m.end()
            yield m


def search_starts(head: re.Pattern[str], text: str) -> Iterator[int]:
    """Every position where `head` matches, overlapping ones included."""
    m = head.search(text)
    while m is not None:
        yield m.start()
        m = head.search(text, m.start() + 1)


class Span(Protocol):
    def span(self) -> tuple[int, int]: ...


class BytesPattern(Protocol):
    """What we use of an RE2 pattern run on bytes (re2 has no type information)."""

    def finditer(self, text: bytes) -> Iterator[Span]: ...


def _re2_starts(head: BytesPattern, text: str) -> Iterator[int]:
    """search_starts for ASCII text with an RE2 copy of the head, run on the bytes (offsets are the same)."""
    for m in head.finditer(text.encode("ascii")):
        start, end = m.span()
        if text[start] == "-":  # a run of dashes: a '---' starts at each but its last two
            yield from range(start, end - 2)
        else:
            yield start


def url_starts(text: str) -> Iterator[int]:
    """Superset of the start positions of urls._URL matches."""
    if text.isascii():
        return _re2_starts(_URL_HEAD_RE2, text)
    return search_starts(_URL_HEAD, text)


def forward_mark_starts(text: str) -> Iterator[int]:
    """Superset of the start positions of extract._FORWARD_MARK matches."""
    if text.isascii():
        return _re2_starts(_FORWARD_HEAD_RE2, text)
    return search_starts(_FORWARD_HEAD, text)


def bare_starts(text: str) -> Iterator[int]:
    """Superset of the start positions of urls._BARE matches.

    A match opens with a label of 1-63 [a-z0-9-] characters and a dot, and its lookbehind forbids a
    word character, '-' or '.' before it: so it starts exactly where the run of label characters that
    ends at its first dot starts. After that dot comes a label or the TLD, a label character again.
    """
    n = len(text)
    dot = text.find(".")
    while dot != -1:
        if dot + 1 < n and text[dot + 1] in _LABEL_CHARS:
            start, limit = dot, max(0, dot - _MAX_LABEL - 1)
            while start > limit and text[start - 1] in _LABEL_CHARS:
                start -= 1
            if 0 < dot - start <= _MAX_LABEL:
                yield start
        dot = text.find(".", dot + 1)
