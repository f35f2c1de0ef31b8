"""Where phonenumbers' matcher can find a number: the fewest characters a candidate needs, the lines worth reading."""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberMatch, PhoneNumberMatcher


def _transform_digits(metadata: PhoneMetadata) -> int | None:
    """Digits a region's national-prefix transform rule can add to a number (None: cannot tell).

    The rule replaces the matched prefix; each group it copies comes from that prefix, so only its
    literal digits are new.
    """
    rule = metadata.national_prefix_transform_rule or ""
    refs = re.findall(r"\\(\d)", rule)
    if len(refs) != len(set(refs)):
        return None
    return sum(c.isdigit() for c in re.sub(r"\\\d", "", rule))


@lru_cache(maxsize=16)
def min_number_chars(region: str | None) -> int:
    """Fewest letters and digits a candidate needs to parse to a valid number with this default region.

    Every digit of a parsed number's country code and national significant number comes from a digit
    (any script, unicodedata.digit) or, for vanity numbers, a letter of the candidate, except the
    literal digits of a national-prefix transform rule: applied once for the region of the country
    code, and at most twice with the default region's metadata. is_valid_number needs a national
    number of one of the region's general possible lengths. 0 (no gate) when the metadata is odd.
    The first call per region loads every region's metadata (about 35 ms and 1.3 MB, once a process).
    """
    try:
        own = PhoneMetadata.metadata_for_region(region.upper(), None) if region else None
        own_t = _transform_digits(own) if own is not None else 0
        if own_t is None:
            return 0
        bound = None
        for cc, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
            lengths = []
            for r in regions:
                md = (PhoneMetadata.metadata_for_nongeo_region(cc, None) if r == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY
                      else PhoneMetadata.metadata_for_region(r, None))
                if md is None or not md.general_desc or not md.general_desc.possible_length:
                    return 0
                lengths.append(min(md.general_desc.possible_length))
            main = PhoneMetadata.metadata_for_region_or_calling_code(cc, phonenumbers.region_code_for_country_code(cc))
            main_t = _transform_digits(main) if main is not None else None
            if main_t is None:
                return 0
            need = len(str(cc)) + min(lengths) - main_t - 2 * own_t
            if own is not None and cc == own.country_code:  # no country code written: the region's own
                need = min(need, min(lengths) - own_t)
            bound = need if bound is None else min(bound, need)
        return max(0, bound or 0)
    except Exception:  # metadata of a future phonenumbers laid out differently: no gate
        return 0


# A candidate of phonenumbers' matcher never holds a newline: its lead, punctuation, digit and extension
# classes leave it out. It starts at most 10 characters before its first digit (two leads of a bracket or
# plus and four punctuation marks) and ends on a digit or the '#' after one; the matcher reads one character
# before it and up to four after it (letter, currency and "12:30" time-stamp checks).
_LINE_DIGITS = re.compile(r"\d(?:[^\n]*\d)?")
_ASCII_LINE_DIGITS = re.compile(r"[0-9](?:[^\n]*[0-9])?")  # twice as fast as \d on ASCII text
_MARGIN = 16


class DigitLines:
    """The lines of a text that hold a digit, each cut to its digits and _MARGIN characters either side,
    joined with newlines: the matcher finds there what it finds in the whole text, at mapped offsets.

    The newline between two pieces stands for the line break or the cut it replaces: neither can be part
    of a candidate, and the checks around a candidate read only characters within the margin.
    """

    def __init__(self, text: str) -> None:
        pattern = _ASCII_LINE_DIGITS if text.isascii() else _LINE_DIGITS
        pieces: list[str] = []
        self.origins: list[int] = []  # where each piece starts in text
        self.starts: list[int] = []  # where it starts in self.text
        at = 0
        for m in pattern.finditer(text):
            d0, d1 = m.span()
            nl = text.rfind("\n", max(0, d0 - _MARGIN), d0)
            lo = nl + 1 if nl >= 0 else max(0, d0 - _MARGIN)
            nl = text.find("\n", d1, d1 + _MARGIN)
            hi = nl if nl >= 0 else min(len(text), d1 + _MARGIN)
            pieces.append(text[lo:hi])
            self.origins.append(lo)
            self.starts.append(at)
            at += hi - lo + 1
        self.whole = len(pieces) == 1 and pieces[0] == text
        self.text = text if self.whole else "\n".join(pieces)

    def origin(self, index: int) -> int:
        """The offset in the original text of self.text[index] (not a joining newline)."""
        if self.whole:
            return index
        i = bisect_right(self.starts, index) - 1
        return self.origins[i] + index - self.starts[i]


_CACHE = 4096  # entries of the memo below, emptied when full
_VERIFIED: dict[tuple[str, str, str, str | None, int], phonenumbers.PhoneNumber | None] = {}
_UNSEEN = phonenumbers.PhoneNumber()  # a sentinel: never stored


PHONENUMBERS_VERSION = "9.0.43"  # pinned in pyproject.toml: Matcher extends this version's matcher


class Matcher(PhoneNumberMatcher):
    """PhoneNumberMatcher that does not parse a candidate too short to hold a valid number, nor one it has
    judged before with the same characters either side, region and leniency.

    It overrides the matcher's `_parse_and_verify` (a method of phonenumbers PHONENUMBERS_VERSION, pinned; a test
    fails when another version is installed) and relies on that version's candidate pattern (DigitLines).

    _parse_and_verify has no side effects and would return None for such a candidate (its parse
    raises NumberParseException, which it catches, or yields an invalid number); the tries it uses up
    are counted by its callers either way, so the matches and their order are the same.
    """

    def __init__(self, text: str, region: str | None, **kwargs: int) -> None:
        super().__init__(text, region, **kwargs)
        self._min_chars = min_number_chars(region)
        self._source, self._region = text, region
        self._leniency = kwargs.get("leniency", phonenumbers.Leniency.VALID)

    def _parse_and_verify(self, candidate: str, offset: int) -> PhoneNumberMatch | None:
        if sum(map(str.isalnum, candidate)) < self._min_chars:
            return None
        # The verdict reads the candidate, the characters either side of it (none at the text's edges), the
        # region and the leniency: a candidate met again (the text and HTML parts, a campaign) is not parsed again.
        end = offset + len(candidate)
        source = self._source
        key = (candidate, source[offset - 1] if offset > 0 else "", source[end] if end < len(source) else "",
               self._region, self._leniency)
        number = _VERIFIED.get(key, _UNSEEN)
        if number is not _UNSEEN:
            return None if number is None else PhoneNumberMatch(offset, candidate, number)
        match = super()._parse_and_verify(candidate, offset)
        if len(_VERIFIED) >= _CACHE:
            _VERIFIED.clear()
        _VERIFIED[key] = None if match is None else match.number  # read only: formatted and typed, never changed
        return match
