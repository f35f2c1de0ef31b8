"""Phrase patterns in the syntax RE2 and `re` share: `re` decides every match, a looser RE2 copy says where to try."""
from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Iterator
from functools import lru_cache

import re2

# Lexicons are big case-insensitive alternations that `re` would try at every offset of a 10 KB body; RE2 runs
# them in linear time, far faster (figures: bench/micro.py). But RE2 differs from `re` in \b, Unicode \w and case folding, so it runs a
# *looser* copy of each pattern: one that matches wherever the original matches (and sometimes elsewhere). Its
# first hit is never after the original's first match, and `re` tries from there: every result is the original
# pattern's own match, found without `re` scanning the prefix. The copy is made from the pattern text, which the
# vocabulary schema keeps to what both engines read alike (check_pattern below).

# Python's \w, \d and \s are Unicode-wide; RE2's exact Unicode classes make programs too big for its DFA cache
# (which then falls back to a slow NFA). Outside ASCII a loose copy may as well accept any character.
_ANY_NON_ASCII = r"\x{80}-\x{10ffff}"
_ASCII_SPACE = r"\t-\r\x1c-\x20"  # str.isspace() in ASCII
_SETS = {"w": "0-9A-Za-z_" + _ANY_NON_ASCII, "d": "0-9" + _ANY_NON_ASCII, "s": _ASCII_SPACE + _ANY_NON_ASCII,
         # negated classes: every character but the ASCII ones the category surely excludes
         "S": r"\x00-\x08\x0e-\x1b\x21-\x{10ffff}", "D": r"\x00-\x2f\x3a-\x{10ffff}",
         "W": r"\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x{10ffff}"}
# re.I also folds these onto each other, RE2's (?i) does not (found by comparing both over all of Unicode)
_I_FAMILY = "iI\u0130\u0131"
_ESCAPES = {"t": 9, "n": 10, "v": 11, "f": 12, "r": 13, "a": 7}
_REPEAT = re.compile(r"\{\d+(?:,\d*)?\}")
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a bad admin pattern is reported with file:line, not logged by RE2 itself


class PatternError(ValueError):
    """A phrase pattern outside the syntax both engines read alike."""


def _char(ch: str) -> str:
    return ch if ch.isascii() and ch.isalnum() else f"\\x{{{ord(ch):x}}}"


def _chars(ch: str) -> str:
    """One character as RE2 class content, with the case partners `re` adds and RE2 does not."""
    return "".join(_char(c) for c in (_I_FAMILY if ch in _I_FAMILY else ch))


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str | int, int]:
    """The escape at pattern[i] ('\\'): a category letter (str) or a character code (int), and the next index."""
    if i + 1 >= len(pattern):
        raise PatternError("ends with a lone backslash")
    e = pattern[i + 1]
    if e in _SETS or (e in "bBA" and not in_class):
        return e, i + 2
    if e in _ESCAPES:
        return _ESCAPES[e], i + 2
    if e == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", pattern[i + 2:i + 4]):
        return int(pattern[i + 2:i + 4], 16), i + 4
    if e.isascii() and e.isalnum():
        raise PatternError(f"escape \\{e} is read differently by RE2 and Python re (or not at all)")
    return ord(e), i + 2


def _class(pattern: str, i: int) -> tuple[str, int]:
    """The loose form of the character class opening at pattern[i] ('['), and the index after it."""
    i += 1
    negated = pattern.startswith("^", i)
    i += negated
    items: list[str] = []
    first = True
    while True:
        if i >= len(pattern):
            raise PatternError("unterminated character class")
        c = pattern[i]
        if c == "]" and not first:
            break
        first = False
        if c == "[" or pattern[i:i + 2] in ("--", "&&", "~~", "||"):
            raise PatternError(f"{pattern[i:i + 2]!r} inside a class: nested sets and set operations differ "
                               "between RE2 and Python re; escape it")
        lo, i = _escape(pattern, i, True) if c == "\\" else (ord(c), i + 1)
        if isinstance(lo, str):
            items.append(_SETS[lo])
            continue
        hi = lo
        if pattern.startswith("-", i) and not pattern.startswith("-]", i):
            end, i = _escape(pattern, i + 1, True) if pattern.startswith("\\", i + 1) else (ord(pattern[i + 1]), i + 2)
            if isinstance(end, str) or end < lo:
                raise PatternError("bad range in a character class")
            hi = end
        if lo == hi:
            items.append(_chars(chr(lo)))
            continue
        items.append(f"{_char(chr(lo))}-{_char(chr(hi))}")
        if any(lo <= ord(f) <= hi for f in _I_FAMILY):
            items.append(_chars("i"))
        if hi >= 0x80:
            items.append(_ANY_NON_ASCII)  # `re` folds ranges character by character: do not guess, accept all
    if negated:  # `re.I` negates after folding; any character is the safe superset
        return r"[\x00-\x{10ffff}]", i + 1
    return f"[{''.join(items)}]", i + 1


def loosen(pattern: str) -> str:
    """RE2 syntax matching a superset of `pattern` (case-insensitive, as `re.I`), at every start offset."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            esc, i = _escape(pattern, i, False)
            if isinstance(esc, int):
                out.append(f"[{_chars(chr(esc))}]")
            elif esc in _SETS:
                out.append(f"[{_SETS[esc]}]")
            # \b, \B and \A only reject matches: dropping them can only widen the set
            continue
        if c == "[":
            text, i = _class(pattern, i)
            out.append(text)
            continue
        if c == "(":
            if pattern.startswith("(?P<", i):
                i = pattern.index(">", i) + 1
            elif pattern.startswith("(?:", i):
                i += 3
            elif pattern.startswith("(?", i):
                raise PatternError("only (...), (?:...) and (?P<name>...) groups: lookarounds and inline flags "
                                   "are read differently by RE2 and Python re")
            else:
                i += 1
            out.append("(?:")
            continue
        repeat = _REPEAT.match(pattern, i) if c == "{" else None
        if repeat:
            out.append(repeat.group())
            i = repeat.end()
        elif c in "|)*+?":
            out.append(c)
            i += 1
        else:
            if c == "{" and pattern.startswith("{,", i):
                raise PatternError("{,n} is a repeat for Python re but literal text for RE2: write {0,n}")
            if c == ".":
                out.append(r"[^\n]")
            elif c not in "^$":  # anchors only reject matches
                out.append(f"[{_chars(c)}]")
            i += 1
    return "".join(out)


@lru_cache(maxsize=4096)
def check_pattern(pattern: str) -> str:
    """The loose RE2 form of a phrase pattern; PatternError unless both engines read it alike."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", FutureWarning)  # syntax whose meaning Python plans to change
            re.compile(pattern, re.I)
    except (re.error, FutureWarning) as exc:
        raise PatternError(f"not a Python regular expression: {exc}") from None
    try:
        re2.compile("(?i)" + pattern, _OPTIONS)
    except re2.error as exc:
        raise PatternError(f"not RE2 syntax (no lookarounds or back-references): {exc}") from None
    loose = loosen(pattern)
    try:
        prefilter = re2.compile("(?i)" + loose, _OPTIONS)
    except re2.error as exc:
        raise PatternError(f"cannot be prefiltered: {exc}") from None
    if prefilter.fullmatch("") is not None:
        raise PatternError("matches the empty string, so it would match everywhere")
    return loose


class Prefiltered:
    """A compiled `re` pattern whose search and finditer try only the offsets where RE2 sees a possible match."""

    def __init__(self, pattern: str, flags: int = 0):
        self.rx = re.compile(pattern, re.I | flags)  # re.ASCII narrows \b, \w: the loose copy still covers it
        self.prefilter = re2.compile("(?i)" + loosen(pattern), _OPTIONS)

    @property
    def pattern(self) -> str:
        return self.rx.pattern

    def __repr__(self) -> str:
        return f"Prefiltered({self.rx.pattern!r})"

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        pos, endpos = min(max(pos, 0), len(text)), min(max(endpos, 0), len(text))  # clamped as `re` does
        window = text[pos:endpos]  # the loose copy has no \b or anchors: it needs no context either side
        try:
            data = window.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates from undecodable bytes are not UTF-8
            return self.rx.search(text, pos, endpos)
        # bytes go to RE2 unconverted; `char` is the window offset of byte offset `byte` (equal in ASCII)
        ascii_only, byte, char = len(data) == len(window), 0, 0
        while (hint := self.prefilter.search(data, byte)) is not None:
            start = hint.start()
            char = start if ascii_only else char + len(data[byte:start].decode("utf-8"))
            byte = start
            # no match starts before the hint; `re` decides, in the whole text, whether one starts here
            found = self.rx.match(text, pos + char, endpos)
            if found or char >= len(window):
                return found
            byte += 1 if ascii_only else len(window[char].encode("utf-8"))
            char += 1
        return None

    def possible(self, text: str) -> bool:
        """False only when no search of any part of `text` can match: one scan for a caller with many parts."""
        try:
            return self.prefilter.search(text.encode("utf-8")) is not None
        except UnicodeEncodeError:  # search falls back to `re` alone there
            return True

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        while (found := self.search(text, pos, endpos)) is not None:
            if found.end() == found.start():
                # after an empty match `re` steps on differently: let it carry on from here (yielding it first)
                yield from self.rx.finditer(text, found.start(), endpos)
                return
            yield found
            pos = found.end()


class Lexicon:
    """A phrase list compiled once: the first match of any phrase, less those where an exception matches."""

    def __init__(self, phrases: tuple[str, ...] = (), exceptions: tuple[str, ...] = (), flags: int = 0):
        self.phrases, self.exceptions = tuple(phrases), tuple(exceptions)
        self.rx = Prefiltered(_alternation(self.phrases), flags) if self.phrases else None
        # an exception is a phrase's continuation that makes it harmless ("call center" is not "call"), where
        # `re` would use a lookahead; anchored at a match's start, it only needs `re`
        self._unless = re.compile(_alternation(self.exceptions), re.I) if self.exceptions else None

    @property
    def pattern(self) -> str:
        return self.rx.pattern if self.rx is not None else ""

    def __repr__(self) -> str:
        return f"Lexicon({len(self.phrases)} phrases, {len(self.exceptions)} exceptions)"

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if self.rx is None:
            return None
        found = self.rx.search(text, pos, endpos)
        while found is not None and self._unless is not None and self._unless.match(text, found.start(), endpos):
            found = self.rx.search(text, found.start() + 1, endpos)
        return found

    def possible(self, text: str) -> bool:
        """False only when no search of any part of `text` can match (the loose copy has no context)."""
        return self.rx is not None and self.rx.possible(text)

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        if self._unless is None:
            yield from self.rx.finditer(text, pos, endpos) if self.rx is not None else ()
            return
        while (found := self.search(text, pos, endpos)) is not None:
            yield found
            pos = max(found.end(), found.start() + 1)  # phrases never match empty text (check_pattern)


def _alternation(parts: tuple[str, ...]) -> str:
    return "|".join(f"(?:{p})" for p in parts)


@lru_cache(maxsize=256)
def lexicon(phrases: tuple[str, ...], exceptions: tuple[str, ...] = (), flags: int = 0) -> Lexicon:
    """A compiled Lexicon, shared between policy loads that list the same phrases."""
    return Lexicon(phrases, exceptions, flags)
