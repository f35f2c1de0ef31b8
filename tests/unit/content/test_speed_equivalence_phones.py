"""The candidate-length gate in content.phones finds exactly what phonenumbers' own matcher finds."""
from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher, PhoneNumberType

from brandguard.content import phones
from brandguard.content.phonebounds import min_number_chars
from brandguard.content.phones import _Matcher, find_phones


def _plain(text: str, region: str) -> list[tuple[int, int, str]]:
    return [(m.start, m.end, phonenumbers.format_number(m.number, PhoneNumberFormat.E164))
            for m in PhoneNumberMatcher(text, region, leniency=Leniency.VALID, max_tries=200)]


def _gated(text: str, region: str) -> list[tuple[int, int, str]]:
    return [(m.start, m.end, phonenumbers.format_number(m.number, PhoneNumberFormat.E164))
            for m in _Matcher(text, region, leniency=Leniency.VALID, max_tries=200)]


TRICKY = [
    "call +1 888 555 0142 now", "+43 1234", "+43 12 34", "+49 30 1234", "+49 301 23", "+98 21 1234", "+683 4002",
    "+290 22222", "+800 1234 5678", "8885550142", "888-555-0142 x12", "888 555 0142 ext. 7", "1-800-FLOWERS",
    "(888) 555-0142", "888.555.0142", "011 44 20 7946 0958", "0044 20 7946 0958", "+44 (0) 20 7946 0958",
    "+1 (888) 555-0142/0143", "12/05/2024", "2024-05-12 10:30", "Invoice 88213-2026", "$399.99", "24/7",
    "(5 devices)", "+1 888 555 0142, +1 877 555 0199", "\uff0b\uff11 \uff18\uff18\uff18 555 0142",
    "\u0968\u0966\u0968 \u0665\u0665\u0665 \u0660\u0661\u0664\u0662", "\U0001d7d6\U0001d7d6\U0001d7d6 555 0142",
    "+1\u00a0888\u00a0555\u00a00142", "+1\u2011888\u2011555\u20110142", "tel:+1-888-555-0142;ext=12",
    "+54 9 11 1234 5678", "+54 0 11 15 1234 5678", "+378 0549 123456", "+1481 123456", "x+1 888 555 0142x",
    "abc8885550142", "8885550142def", "xx 888 555 0142", "+7 495 123 45 67", "+39 02 1234 5678", "+1 8OO 555 0142",
]


@pytest.mark.parametrize("region", ["US", "GB", "DE", "AR", "SM", "GG", "JP", None])
def test_tricky_texts(region):
    for text in TRICKY:
        assert _gated(text, region) == _plain(text, region), text


def test_random_texts():
    rng = random.Random(11)
    alphabet = list("0123456789" * 4) + list(" -.()/+x\u00a0\u2013\uff0b\u0661\u0968") + ["ext ", "a", "O", "\n", "$", "%"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        for region in ("US", "DE", "AR"):
            assert _gated(text, region) == _plain(text, region), (text, region)


def test_example_numbers_are_long_enough():
    """Every example number of every region and type has at least the gate's letters and digits, written
    internationally and, with its own region as the default, nationally."""
    types = [t for t in vars(PhoneNumberType).values() if isinstance(t, int)]
    for region in phonenumbers.SUPPORTED_REGIONS:
        for t in types:
            n = phonenumbers.example_number_for_type(region, t)
            if n is None or not phonenumbers.is_valid_number(n):
                continue
            intl = phonenumbers.format_number(n, PhoneNumberFormat.INTERNATIONAL)
            assert sum(map(str.isalnum, intl)) >= min_number_chars("US"), (region, intl)
            national = phonenumbers.format_number(n, PhoneNumberFormat.NATIONAL)
            assert sum(map(str.isalnum, national)) >= min_number_chars(region), (region, national)


def test_gate_values():
    assert min_number_chars("US") == 6  # +43/+49/+98 with a four-digit national number
    assert min_number_chars("GG") == 0  # a transform rule adding four digits: no gate
    assert min_number_chars("XX") == min_number_chars(None)


def test_find_phones_same_as_ungated(monkeypatch):
    texts = TRICKY + ["Call 1-8OO-555-Ol42 today", "8 8 8 5 5 5 0 1 4 2", "Invoice TM-88213-2026 $399.99 +1 888 555 0142"]
    gated = [find_phones(t, "body") for t in texts]
    monkeypatch.setattr(phones, "_Matcher", PhoneNumberMatcher)
    assert gated == [find_phones(t, "body") for t in texts]
