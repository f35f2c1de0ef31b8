"""Phone numbers in text, after undoing the obfuscations scammers use to dodge number filters."""
from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberMatcher, PhoneNumberType

from brandguard.content.model import Phone

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
_CONTEXT = 160
_MAX_PHONES = 40


def _deobfuscate(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Return text with obfuscated runs rewritten in place (same length) and the rewritten spans."""
    chars = list(text)
    spans: list[tuple[int, int]] = []
    for m in _RUN.finditer(text):
        run = m.group()
        letters = sum(1 for c in run if c in "OoIl|")
        digits = sum(1 for c in run if c.isdigit())
        if letters and digits >= 5 and letters <= digits and digits + letters >= 10:
            chars[m.start():m.end()] = list(run.translate(_SUBST))
            spans.append((m.start(), m.end()))
    for m in _SPACED.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if len(digits) >= 10:
            # left-align the digits and blank the rest, keeping the length
            chars[m.start():m.end()] = list(digits.ljust(m.end() - m.start()))
            spans.append((m.start(), m.end()))
    return "".join(chars), spans


def find_phones(text: str, where: str, region: str = "US", styled_digits: bool = False) -> list[Phone]:
    """Valid phone numbers in `text` (E.164, typed), each with surrounding context."""
    if not text:
        return []
    clear, spans = _deobfuscate(text)
    out: list[Phone] = []
    seen: set[str] = set()
    try:
        matches = PhoneNumberMatcher(clear, region, leniency=phonenumbers.Leniency.VALID, max_tries=200)
        for m in matches:
            e164 = phonenumbers.format_number(m.number, PhoneNumberFormat.E164)
            if e164 in seen:
                continue
            seen.add(e164)
            obfuscated = styled_digits or any(s < m.end and m.start < e for s, e in spans)
            lo, hi = max(0, m.start - _CONTEXT), min(len(text), m.end + _CONTEXT)
            out.append(
                Phone(
                    e164=e164,
                    type=_TYPES.get(phonenumbers.number_type(m.number), "unknown"),
                    raw=text[m.start:m.end],
                    where=where,
                    context=" ".join(text[lo:hi].split()),
                    obfuscated=obfuscated,
                )
            )
            if len(out) >= _MAX_PHONES:
                break
    except Exception:  # phonenumbers is defensive but parses hostile input; never fail a message on it
        return out
    return out


def is_valid_e164(number: str) -> bool:
    """True for a '+<digits>' string that phonenumbers accepts as a valid number."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return number.startswith("+") and phonenumbers.is_valid_number(parsed) and (
        phonenumbers.format_number(parsed, PhoneNumberFormat.E164) == number
    )
