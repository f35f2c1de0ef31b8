"""The cheaper phone search (digit lines, windowed line joins, memoised verdicts) finds what the plain one finds."""
from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

from brandguard.content import phonebounds, phones
from brandguard.content.phonebounds import DigitLines, Matcher

PIECES = ["+1 888 555 0142", "(888) 555-0142", "888.555.0142", "0120-123-456", "03 1234 5678", "+44 20 7946 0958",
          "ext. 12", " x 7", "#", "12:30", ":45", "2024-05-12", "12/05/2024", "$", "%", "abc", "Call ", "\n", "\r\n",
          "\n\n", " ", "  ", "-", "(", ")", "+", "\uff0b\uff11", "\u0968\u0966", "\u00a0", "\u3000", "tel:", ";ext=9",
          "24/7", "399.99", "1-800-FLOWERS", "x", "ｘ", "é", "888", "555", "0142", "7"]


def _texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30))) for _ in range(count)]


def _whole(text: str, region: str, leniency: int, tries: int) -> list[tuple[int, int, str]]:
    return [(m.start, m.end, phonenumbers.format_number(m.number, PhoneNumberFormat.E164))
            for m in PhoneNumberMatcher(text, region, leniency=leniency, max_tries=tries)]


def _lines(text: str, region: str, leniency: int, tries: int) -> list[tuple[int, int, str]]:
    lines = DigitLines(text)
    out = []
    for m in Matcher(lines.text, region, leniency=leniency, max_tries=tries):
        start = lines.origin(m.start)
        assert text[start:start + m.end - m.start] == m.raw_string
        out.append((start, start + m.end - m.start, phonenumbers.format_number(m.number, PhoneNumberFormat.E164)))
    return out


@pytest.mark.parametrize(("region", "leniency", "tries"), [
    pytest.param("US", Leniency.VALID, 200, id="us-valid"),
    pytest.param("US", Leniency.VALID, 3, id="us-valid-few-tries"),
    pytest.param("JP", Leniency.STRICT_GROUPING, 20, id="jp-strict-grouping"),
    pytest.param("DE", Leniency.VALID, 200, id="de-valid"),
])
def test_digit_lines_match_the_whole_text(region, leniency, tries):
    for text in _texts(7, 1500):
        assert _lines(text, region, leniency, tries) == _whole(text, region, leniency, tries), repr(text)


def test_digit_lines_cut_long_prose():
    text = "Dear customer,\n" + "word " * 200 + "call +1 888 555 0142 now " + "word " * 200 + "\nthanks\n"
    lines = DigitLines(text)
    assert len(lines.text) < 60
    assert _lines(text, "US", Leniency.VALID, 200) == _whole(text, "US", Leniency.VALID, 200)


def test_digit_lines_whole_text_kept_as_is():
    lines = DigitLines("+1 888 555 0142")
    assert lines.whole and lines.text == "+1 888 555 0142" and lines.origin(3) == 3


def test_windowed_line_joins_match_the_full_scan():
    rng = random.Random(3)
    alphabet = list("0123456789" * 3) + list(" \t\n\r().-+x") + ["\n", "call ", "\u0663"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))
        assert phones._join_lines(text, phones.digit_windows(text, 1)) == phones._join_lines(text), repr(text)


def test_memoised_verdicts_same_as_fresh(monkeypatch):
    texts = _texts(11, 300) + ["Call +1 888 555 0142 or +1 888 555 0142.", "abc+1 888 555 0142", "+1 888 555 0142x"]
    warm = [phones.find_phones(t, "body", regions=("JP", "FR")) for t in texts]
    again = [phones.find_phones(t, "body", regions=("JP", "FR")) for t in texts]
    monkeypatch.setattr(phonebounds, "_CACHE", 0)  # emptied before every entry: each verdict computed afresh
    monkeypatch.setattr(phones, "_CACHE", 0)
    assert warm == again == [phones.find_phones(t, "body", regions=("JP", "FR")) for t in texts]


def test_type_memo_is_number_type():
    for e164 in ("+18885550142", "+442079460958", "+81312345678", "+390212345678"):
        number = phonenumbers.parse(e164, None)
        expected = phones._TYPES.get(phonenumbers.number_type(number), "unknown")
        assert phones._type_of(e164, number) == expected == phones._type_of(e164, number)
