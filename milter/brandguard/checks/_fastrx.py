"""Python `re` patterns that let RE2 find where their first match can start, so long texts are skipped in C."""
from __future__ import annotations

import re
import re._constants as _c
import re._parser as _p
import sys
from collections.abc import Iterator
from functools import cached_property

import re2

from brandguard.content.fastfind import RE2_UNANCHORED as _MATCH

# The lure lexicons are big case-insensitive alternations that `re` tries at every offset of a 10 KB body; RE2
# runs them in linear time, ~50x faster. But RE2 differs from `re` in \b, lookarounds, Unicode \w and case
# folding, so it only runs a *looser* copy of each pattern: one that matches wherever the original matches
# (and sometimes elsewhere). Its first hit is thus never after the original's first match, and `re` searches
# on from there: every result is still the original pattern's own match, found without scanning the prefix.

# Python's \w, \d and \s are Unicode-wide; RE2's exact Unicode classes make programs too big for its DFA cache
# (which then falls back to a slow NFA). Outside ASCII a loose copy may as well accept any character.
_ANY_NON_ASCII = r"\x{80}-\x{10ffff}"
_ASCII_SPACE = r"\t-\r\x1c-\x20"  # str.isspace() in ASCII
_CLASSES = {_c.CATEGORY_WORD: "0-9A-Za-z_" + _ANY_NON_ASCII, _c.CATEGORY_DIGIT: "0-9" + _ANY_NON_ASCII,
            _c.CATEGORY_SPACE: _ASCII_SPACE + _ANY_NON_ASCII}
# re.I also folds these onto "i", RE2's (?i) does not (tests compare both over all of Unicode)
_FOLDS = {"i": "\u0130\u0131"}
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)
_CONDITIONS = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)


def _char(code: int, fold: bool) -> str:
    ch = chr(code)
    return "".join(f"\\x{{{ord(c):x}}}" for c in ch + (_FOLDS.get(ch.lower(), "") if fold else ""))


def _class(items: list, fold: bool) -> str:
    if items == [(_c.CATEGORY, _c.CATEGORY_NOT_SPACE)]:
        return f"[^{_ASCII_SPACE}]"  # Python's \S less ASCII whitespace: all else, non-ASCII spaces too
    parts = []
    for op, av in items:
        if op is _c.LITERAL:
            parts.append(_char(av, fold))
        elif op is _c.CATEGORY and av in _CLASSES:
            parts.append(_CLASSES[av])
        else:  # ranges fold differently; a negated set could exclude what Python includes
            raise ValueError(f"no loose RE2 form for {op} {av}")
    return f"[{''.join(parts)}]"


def loosen(tree, fold: bool) -> str:
    """RE2 syntax matching a superset of a parsed `re` pattern, at every start offset."""
    out = []
    for op, av in tree:
        if op is _c.LITERAL:
            out.append(_class([(op, av)], fold))
        elif op is _c.IN:
            out.append(_class(av, fold))
        elif op is _c.ANY:
            out.append(r"[^\n]")
        elif op is _c.BRANCH:
            out.append("(?:" + "|".join(loosen(alt, fold) for alt in av[1]) + ")")
        elif op is _c.SUBPATTERN and not av[1] and not av[2]:
            out.append(f"(?:{loosen(av[3], fold)})")
        elif op is _c.ATOMIC_GROUP:
            out.append(f"(?:{loosen(av, fold)})")
        elif op in _REPEATS:
            low, high, sub = av
            lazy = "?" if op is _c.MIN_REPEAT else ""
            out.append(f"(?:{loosen(sub, fold)}){{{low},{'' if high is _c.MAXREPEAT else high}}}{lazy}")
        elif op in _CONDITIONS:
            pass  # \b, ^, lookarounds only reject matches: dropping them can only widen the set
        else:
            raise ValueError(f"no loose RE2 form for {op}")
    return "".join(out)


class Prefiltered:
    """A compiled `re` pattern whose search and finditer try only the offsets where RE2 sees a possible match."""

    def __init__(self, rx: re.Pattern):
        self.rx = rx

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "rx":
            raise AttributeError(name)  # copy/pickle probing a half-built instance
        return getattr(self.rx, name)  # pattern, flags, match, findall ...: the original's

    def __repr__(self) -> str:
        return f"Prefiltered({self.rx!r})"

    @cached_property
    def prefilter(self) -> re2._Regexp | None:
        """The loose RE2 copy, compiled on first use; None for a pattern it cannot express."""
        tree = _p.parse(self.rx.pattern, self.rx.flags)
        fold = bool(tree.state.flags & re.I)
        if tree.state.flags & (re.ASCII | re.DOTALL):
            return None
        try:
            return re2.compile(("(?i)" if fold else "") + loosen(tree, fold))
        except (ValueError, re2.error):
            return None  # `re` alone, as before

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match | None:
        if self.prefilter is None:
            return self.rx.search(text, pos, endpos)
        pos, endpos = min(max(pos, 0), len(text)), min(max(endpos, 0), len(text))  # clamped as `re` does
        window = text[pos:endpos]  # the loose copy has no \b or lookarounds: it needs no context either side
        if window.isascii() and _MATCH is not None:
            return self._search_ascii(text, window.encode("ascii"), pos, endpos)
        start = pos
        try:
            while start <= endpos:
                hint = self.prefilter.search(window, start - pos)
                if hint is None:
                    return None
                # no match starts before the hint; `re` decides, in the whole text, whether one starts there
                found = self.rx.match(text, pos + hint.start(), endpos)
                if found:
                    return found
                start = pos + hint.start() + 1
            return None
        except UnicodeEncodeError:  # lone surrogates from undecodable bytes are not UTF-8
            return self.rx.search(text, start, endpos)

    def _search_ascii(self, text: str, window: bytes, pos: int, endpos: int) -> re.Match | None:
        # ASCII: byte offsets are character offsets, so RE2's matcher runs on the bytes directly, without
        # the wrapper re-encoding the whole window and mapping offsets back on every call
        regexp, size, offset = self.prefilter._regexp, len(window), 0
        while offset <= size:
            hint = regexp.Match(_MATCH, window, offset, size)[0][0]
            if hint < 0:
                return None
            found = self.rx.match(text, pos + hint, endpos)
            if found:
                return found
            offset = hint + 1
        return None

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match]:
        while (found := self.search(text, pos, endpos)) is not None:
            if found.end() == found.start():
                # after an empty match `re` steps on differently: let it carry on from here (yielding it first)
                yield from self.rx.finditer(text, found.start(), endpos)
                return
            yield found
            pos = found.end()


def prefiltered(pattern: str, flags: int = 0) -> Prefiltered:
    return Prefiltered(re.compile(pattern, flags))
