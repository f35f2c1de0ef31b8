"""The shortcut scans (URLs, bare domains, phone runs) find exactly what the plain regex scans find."""
from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brandguard.content import fastfind, phones, urls
from brandguard.content.forwarded import _FORWARD_MARK

FAST = settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
# the characters the patterns care about, and some their case-insensitive or Unicode classes stretch to
ALPHABET = ("abwhtpsWHTPSxyz.-/:@_ 019O0oIl|()+\t\n–—\u0130\u0131\u017f\u212a\u00e9\u0663\u00a0\u2003"
            "\uff11\u00b2")
WORDS = ["http://", "https://", "HTTPS://", "httpſ://", "www.", "WWW.", "a.com", "paypal.com", ".co.uk", "x-y.org",
         "1-8OO-555-O1OO", "lOlOl12345", "(I|O)-12-345", "+1 (888) 555 0100", "8 8 8 5 5 5 0 1 0 0", "tel", "call",
         "-", ".", " ", "\n",
         "---", "-- Forwarded message --", "----- Original Message -----", "Begin forwarded message:",
         "BEG\u0130N forwarded me\u017f\u017fage:", "begin "]


def _texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        parts = [rng.choice(WORDS) if rng.random() < 0.4 else rng.choice(ALPHABET) for _ in range(rng.randint(0, 80))]
        out.append("".join(parts))
    return out


def _spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


def _reference_deobfuscate(text: str) -> tuple[str, list[tuple[int, int]]]:
    """phones._deobfuscate as it was, scanning the whole text."""
    chars = list(text)
    spans = []
    for m in phones._RUN.finditer(text):
        run = m.group()
        letters = sum(1 for c in run if c in "OoIl|")
        digits = sum(1 for c in run if c.isdigit())
        if letters and digits >= 5 and letters <= digits and digits + letters >= 10:
            chars[m.start():m.end()] = list(run.translate(phones._SUBST))
            spans.append((m.start(), m.end()))
    for m in phones._SPACED.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if len(digits) >= 10:
            chars[m.start():m.end()] = list(digits.ljust(m.end() - m.start()))
            spans.append((m.start(), m.end()))
    return "".join(chars), spans


def test_generated():
    for text in _texts(1, 3000):
        _check(text)


def _check(text: str) -> None:
    assert _spans(fastfind.finditer(urls._URL, fastfind.url_starts(text), text)) == _spans(urls._URL.finditer(text))
    assert _spans(fastfind.finditer(urls._BARE, fastfind.bare_starts(text), text)) == _spans(urls._BARE.finditer(text))
    assert phones._deobfuscate(text) == _reference_deobfuscate(text)
    mark = _FORWARD_MARK
    assert _spans(fastfind.finditer(mark, fastfind.forward_mark_starts(text), text)) == _spans(mark.finditer(text))


def test_generated_ascii():
    """ASCII text takes the RE2 heads: the same matches as the `re` scans."""
    ascii_words = [w for w in WORDS if w.isascii()] + ["http", "HtTp", "wWw.", "ww.", "--", "BeGiN ", "begin\n"]
    rng = random.Random(2)
    for _ in range(3000):
        text = "".join(rng.choice(ascii_words) if rng.random() < 0.5 else chr(rng.randrange(0, 128))
                       for _ in range(rng.randint(0, 80)))
        assert text.isascii()
        _check(text)
        assert list(fastfind.url_starts(text)) == list(fastfind.search_starts(fastfind._URL_HEAD, text))
        assert list(fastfind.forward_mark_starts(text)) == list(fastfind.search_starts(fastfind._FORWARD_HEAD, text))


@FAST
@given(st.text(alphabet=st.sampled_from(list(ALPHABET)) | st.characters(), max_size=120))
def test_any_text(text):
    _check(text)


def test_long_labels_and_runs():
    label = "a" * 63
    for text in (label + ".com", "x" + label + ".com", " " + label + "b.com", "-" + label + ".com.", "1 " * 40,
                 "O" * 30 + " 555 1234 5678", "1." * 200, "a." * 200 + "com"):
        _check(text)


def test_case_folding_partners_are_known():
    """The character sets fastfind relies on are what the regex engine folds (checked over all of Unicode)."""
    everything = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
    assert set(re.findall(r"[a-z0-9-]", everything, re.I)) == fastfind._LABEL_CHARS
    assert set(re.findall(r"[htpw]", everything, re.I)) == set("htpwHTPW")
    assert set(re.findall(r"[begn]", everything, re.I)) == set("begnBEGN")
    assert set(re.findall(r"i", everything, re.I)) == set("iI\u0130\u0131")


@pytest.mark.parametrize("text", [
    pytest.param("-----", id="dash-run"), pytest.param("--x---y----", id="runs-of-two-three-four"),
    pytest.param("----begin begin ---", id="run-then-begins"), pytest.param("wwww.httphttp", id="url-heads-adjacent"),
    pytest.param("", id="empty")])
def test_ascii_heads_report_overlapping_starts(text):
    """RE2's finditer does not overlap matches; every '---' inside a longer run must still be a start."""
    assert list(fastfind.forward_mark_starts(text)) == list(fastfind.search_starts(fastfind._FORWARD_HEAD, text))
    assert list(fastfind.url_starts(text)) == list(fastfind.search_starts(fastfind._URL_HEAD, text))
