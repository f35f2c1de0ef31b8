"""normalise(): the ASCII fast path gives exactly what the regex substitutions give."""
from __future__ import annotations

import random
import re

from brandguard.content.normalize import normalise

_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_ALPHABET = ["a", "b", " ", " ", "\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1f", ".", "é", "\u00a0", "\u2028"]


def _reference(text: str) -> str:
    out = text.replace("\r\n", "\n").replace("\r", "\n")
    return _BLANK_LINES.sub("\n\n", _SPACES.sub(" ", out)).strip()


def test_random_whitespace_mixtures_match_the_regex_version():
    rnd = random.Random(7)
    for _ in range(5000):
        alphabet = _ALPHABET if rnd.random() < 0.3 else _ALPHABET[:13]  # mostly ASCII: the fast path
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        if text.isascii():
            assert normalise(text).text == _reference(text), repr(text)


def test_long_runs_collapse():
    text = "a" + " " * 100_003 + "b" + "\n \n\t\n" * 50 + "c"
    assert normalise(text).text == _reference(text) == "a b\n\nc"


def test_non_ascii_counts_unchanged():
    n = normalise("Nor\u200bton  \u202eabc\u202c\n\n\n𝐏ay")
    assert (n.text, n.zero_width, n.bidi, n.styled) == ("Norton abc\n\nPay", 1, 2, 1)
