"""Phone numbers in text, after undoing the obfuscations scammers use to dodge number filters."""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberMatch, PhoneNumberType

from brandguard.content.model import Phone
from brandguard.content.phonebounds import DigitLines
from brandguard.content.phonebounds import Matcher as _Matcher
from brandguard.content.phoneregions import cued_regions

_TYPES = {
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.VOICEMAIL: "voicemail",
}
# A run that looks like a phone number but may use letters for digits: "1-8OO-55S-OlOO" style.
_RUN = re.compile(r"(?<![\w])\+?\(?[\dOoIl|][\dOoIl|()\s.\-–—/]{8,28}[\dOoIl|](?![\w])")
_SUBST = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})
# "8 8 8 - 5 5 5 ..." : single digits separated by blanks
_SPACED = re.compile(r"(?<!\d)(?:\d[ \t.]{1,2}){6,}\d(?!\d)")
_RUN_CHARS = frozenset("OoIl|().-\u2013\u2014/+")  # and digits and whitespace: what _RUN and _SPACED match
_DIGIT = re.compile(r"\d")
_ASCII_DIGIT = re.compile("[0-9]")  # the same on ASCII text, twice as fast
_RUN_DIGITS = 5  # a run rewritten by _deobfuscate holds at least 5 digits, a spaced one 10
_SPACED_DIGITS = 10
_CONTEXT = 160
_MAX_PHONES = 40
# Runs read again with another region: digits and the separators national formats use ("0120ー123ー456",
# "(03)1234-5678", "09 70 12 34 56"), of at least _NATIONAL_DIGITS digits outside the numbers already found
# (shorter national numbers are rare in the default regions; "〒100-0001" and "2024" are not read again).
_NATIONAL_RUN = re.compile(r"[(0-9][0-9\s().\-/\u2010-\u2015\u2212\u30fc\uff0d]{6,}[0-9]")  # ASCII: NFKC folds ０-９
_NATIONAL_DIGITS = 8
_MAX_RUNS = 20  # runs read again per text: a table of figures is no list of phone numbers
_RUN_TRIES = 20
_ZIP4 = re.compile(r"\d{5}-\d{4}")
# dates and IPv4 addresses, the commonest runs of English mail: their digits do not make a run worth reading
# (whole: "01.23.45.67.89" is a French number, not an address)
_DATE_OR_IP = re.compile(r"(?<!\d)(?<!\d[./-])(?:(?:19|20)\d\d([-/.])\d\d?\1\d\d?|\d\d?([-/.])\d\d?\2(?:19|20)\d\d"
                         r"|\d{1,3}(?:\.\d{1,3}){3})(?![./-]?\d)")


def _deobfuscate(text: str, windows: list[tuple[int, int, int]] | None = None) -> tuple[str, list[tuple[int, int]]]:
    """Return text with obfuscated runs rewritten in place (same length) and the rewritten spans;
    `windows` are its digit_windows(text, 1) when the caller has them."""
    windows = [w for w in (digit_windows(text, 1) if windows is None else windows) if w[2] >= _RUN_DIGITS]
    if not windows:
        return text, []
    chars = list(text)
    spans: list[tuple[int, int]] = []
    for lo, hi, _ in windows:
        for m in _RUN.finditer(text, lo, hi):
            run = m.group()
            letters = sum(1 for c in run if c in "OoIl|")
            digits = sum(1 for c in run if c.isdigit())
            if letters and digits >= 5 and letters <= digits and digits + letters >= 10:
                chars[m.start():m.end()] = list(run.translate(_SUBST))
                spans.append((m.start(), m.end()))
    for lo, hi, count in windows:
        if count < _SPACED_DIGITS:
            continue
        for m in _SPACED.finditer(text, lo, hi):
            spaced = re.sub(r"\D", "", m.group())
            if len(spaced) >= 10:
                # left-align the digits and blank the rest, keeping the length
                chars[m.start():m.end()] = list(spaced.ljust(m.end() - m.start()))
                spans.append((m.start(), m.end()))
    return "".join(chars), spans


# "call +1 808" / "555 0143 now": a number broken over two lines to dodge filters (and plain-text wrapping)
_LINE_SPLIT = re.compile(r"(?<![\w+])(\+?\(?\d[\d().\- ]{0,14})[ \t]*\r?\n[ \t]*(\(?\d[\d().\- ]{1,16}\d)(?![\w])")
_SPLIT_DIGITS = 9


def _join_lines(text: str, windows: list[tuple[int, int, int]] | None = None) -> tuple[str, list[tuple[int, int]]]:
    """Text with the line break inside a number that spans two lines made a space (same length), and the spans.

    _LINE_SPLIT matches only characters of digit_windows' runs, so the text's windows (None: not known) holding
    a line break and _SPLIT_DIGITS digits are all it needs to read."""
    if "\n" not in text:
        return text, []
    chars: list[str] | None = None
    spans: list[tuple[int, int]] = []
    for m in _line_splits(text, windows):
        if len(_DIGIT.findall(m.group(1))) + len(_DIGIT.findall(m.group(2))) < _SPLIT_DIGITS:
            continue
        chars = chars if chars is not None else list(text)
        for i in range(m.end(1), m.start(2)):
            if chars[i] in "\r\n":
                chars[i] = " "
        spans.append((m.end(1), m.start(2)))  # the break itself: only a number across it was disguised
    return ("".join(chars), spans) if chars is not None else (text, [])


def _line_splits(text: str, windows: list[tuple[int, int, int]] | None) -> Iterator[re.Match[str]]:
    if windows is None:
        yield from _LINE_SPLIT.finditer(text)
        return
    for lo, hi, count in windows:
        if count >= _SPLIT_DIGITS and text.find("\n", lo, hi) >= 0:
            yield from _LINE_SPLIT.finditer(text, lo, hi)


def digit_windows(text: str, need: int) -> list[tuple[int, int, int]]:
    """(lo, hi, digits) around each run of _RUN's characters holding at least `need` digits.

    Both patterns match only such characters (spaced digits included), so their matches never cross a
    run's edge and the matches inside a run do not depend on the text elsewhere: scanning just the runs
    with enough digits finds every match that gets rewritten. hi includes the character after the
    run, which the patterns' lookahead reads.
    """
    out: list[tuple[int, int, int]] = []
    if not has_digit(text):
        return out
    n = len(text)
    digit = _ASCII_DIGIT if text.isascii() else _DIGIT
    m = digit.search(text)
    while m is not None:
        lo, hi = m.start(), m.end()
        while lo > 0 and _in_run(text[lo - 1]):
            lo -= 1
        while hi < n and _in_run(text[hi]):
            hi += 1
        count = len(digit.findall(text, lo, hi))
        if count >= need:
            out.append((lo, min(n, hi + 1), count))
        m = digit.search(text, hi)
    return out


def has_digit(text: str) -> bool:
    """True when text holds a decimal digit (any script); for ASCII text, substring tests are 50 times faster."""
    if text.isascii():
        return any(d in text for d in "0123456789")
    return _DIGIT.search(text) is not None


def _in_run(c: str) -> bool:
    return c in _RUN_CHARS or c.isdecimal() or c.isspace()


class _Found:
    """The phones of one text so far, one per E.164, and the spans of the text the matches cover."""

    def __init__(self, text: str, where: str, rewritten: list[tuple[int, int]], styled_digits: bool) -> None:
        self.text, self.where, self.rewritten, self.styled_digits = text, where, rewritten, styled_digits
        self.phones: list[Phone] = []
        self.covered: list[tuple[int, int]] = []
        self._seen: set[str] = set()

    def overlaps(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.covered)

    def add(self, m: PhoneNumberMatch, start: int) -> bool:
        """Record a match found at `start` in the text; False once _MAX_PHONES are held."""
        end = start + m.end - m.start
        self.covered.append((start, end))
        e164 = phonenumbers.format_number(m.number, PhoneNumberFormat.E164)
        if e164 not in self._seen:
            self._seen.add(e164)
            lo, hi = max(0, start - _CONTEXT), min(len(self.text), end + _CONTEXT)
            self.phones.append(Phone(
                e164=e164,
                type=_type_of(e164, m.number),
                # a number broken over lines is shown on one: evidence and log lines stay single lines
                raw=" ".join(self.text[start:end].split()) if "\n" in self.text[start:end] else self.text[start:end],
                where=self.where,
                context=" ".join(self.text[lo:hi].split()),
                obfuscated=self.styled_digits or any(s < end and start < e for s, e in self.rewritten),
            ))
        return len(self.phones) < _MAX_PHONES


_CACHE = 4096  # entries of the memo below, emptied when full
_TYPE_OF: dict[str, str] = {}  # E.164 -> type: number_type reads only the country code and national number


def _type_of(e164: str, number: phonenumbers.PhoneNumber) -> str:
    kind = _TYPE_OF.get(e164)
    if kind is None:
        if len(_TYPE_OF) >= _CACHE:
            _TYPE_OF.clear()
        kind = _TYPE_OF[e164] = _TYPES.get(phonenumbers.number_type(number), "unknown")
    return kind


def find_phones(text: str, where: str, region: str = "US", styled_digits: bool = False,
                regions: Sequence[str] = ()) -> list[Phone]:
    """Valid phone numbers in `text` (E.164, typed), each with surrounding context.

    Numbers without +country are read as `region`'s. Digit runs it leaves unmatched are read again as
    each of `regions`, in order, that the text's script or language points to (phoneregions.cued_regions):
    a Japanese "0120-123-456" in a US site's mail. A text without such a run costs one regex scan more,
    one with a run also a count of the words of its first 3000 characters (phoneregions.languages).
    """
    if not has_digit(text):  # the matcher's candidates all hold a digit
        return []
    windows = digit_windows(text, 1)
    clear, spans = _deobfuscate(text, windows)
    # the rewrites keep each run's span (run characters become digits or blanks) but may add digits
    clear, joined = _join_lines(clear, None if spans else windows)
    found = _Found(text, where, spans + joined, styled_digits)
    lines = DigitLines(clear)
    try:
        for m in _Matcher(lines.text, region, leniency=phonenumbers.Leniency.VALID, max_tries=200):
            if not found.add(m, lines.origin(m.start)):
                return found.phones
        if regions and _leftover_runs(clear, found):
            for other in cued_regions(clear, regions, region):
                if not _read_runs_as(clear, other, found):
                    break
    except Exception:  # phonenumbers is defensive but parses hostile input; never fail a message on it
        return found.phones
    return found.phones


def _leftover_runs(clear: str, found: _Found) -> list[tuple[int, int]]:
    """Spans of the digit runs holding _NATIONAL_DIGITS digits outside the numbers found so far and outside
    dates and IP addresses; a block of digits alone is left out, as _read_runs_as would drop any match in it."""
    out: list[tuple[int, int]] = []
    for m in _NATIONAL_RUN.finditer(clear):
        lo, hi = m.span()
        if m.group().isdigit():
            continue
        digits = len(_DIGIT.findall(clear, lo, hi))
        digits -= sum(len(_DIGIT.findall(d.group())) for d in _DATE_OR_IP.finditer(clear, lo, hi))
        if found.overlaps(lo, hi):
            digits -= sum(len(_DIGIT.findall(clear, max(lo, s), min(hi, e))) for s, e in found.covered
                          if s < hi and lo < e)
        if digits >= _NATIONAL_DIGITS:
            out.append((lo, hi))
            if len(out) >= _MAX_RUNS:
                break
    return out


def _read_runs_as(clear: str, region: str, found: _Found) -> bool:
    """Add the numbers of `region` in the runs still unmatched; False once _MAX_PHONES are held.

    Each run is read with one character either side, which the matcher checks for a letter or a currency
    sign ("abc0312345678", "$0312345678" are no numbers). The digits must be grouped as the region writes
    its numbers (STRICT_GROUPING): a German reading of the date "08.03.2025" or a Portuguese one of the
    company number "12.345.241/0001-06" is valid, but grouped as no number is. An ungrouped block of digits
    is an id more often than a phone ("Sendungsverfolgungsnummer: 06829115220718", "Encomenda:300043000"),
    a US ZIP+4 ("WA 98109-5210") is an address: neither is read again, nor a match over a number found.
    """
    for lo, hi in _leftover_runs(clear, found):
        a, b = max(0, lo - 1), min(len(clear), hi + 1)
        for m in _Matcher(clear[a:b], region, leniency=phonenumbers.Leniency.STRICT_GROUPING, max_tries=_RUN_TRIES):
            if m.raw_string.isdigit() or _ZIP4.fullmatch(m.raw_string) or found.overlaps(m.start + a, m.end + a):
                continue
            if not found.add(m, m.start + a):
                return False
    return True


def is_valid_e164(number: str) -> bool:
    """True for a '+<digits>' string that phonenumbers accepts as a valid number."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return number.startswith("+") and phonenumbers.is_valid_number(parsed) and (
        phonenumbers.format_number(parsed, PhoneNumberFormat.E164) == number
    )
