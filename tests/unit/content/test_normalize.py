"""Normalisation: what is removed and counted, and the confusable skeleton used for matching."""
from __future__ import annotations

import pytest

from brandguard.content.normalize import is_mixed_script, normalise, skeleton


@pytest.mark.parametrize(
    "raw, text, zero_width, bidi, styled",
    [
        pytest.param("Nor\u200bton", "Norton", 1, 0, 0, id="zero-width-inside-word"),
        pytest.param("a \u200b b", "a b", 0, 0, 0, id="zero-width-between-words-not-counted"),
        pytest.param("\u202egnp.exe", "gnp.exe", 0, 1, 0, id="right-to-left-override"),
        pytest.param("\u200fשלום", "שלום", 0, 0, 0, id="rtl-mark-is-normal"),
        pytest.param("𝐍𝐨𝐫𝐭𝐨𝐧 𝟴𝟴𝟴", "Norton 888", 0, 0, 9, id="maths-bold"),
        pytest.param("ＰａｙＰａｌ", "PayPal", 0, 0, 6, id="full-width"),
        pytest.param("a\u00a0\u00a0b\r\n\r\n\r\nc", "a b\n\nc", 0, 0, 0, id="spaces-and-blank-lines"),
        pytest.param("Nor\u00adton", "Norton", 1, 0, 0, id="soft-hyphen"),
        pytest.param("Co\U000e0139in\U000e0139base", "Coinbase", 2, 0, 0, id="variation-selector-supplement"),
        pytest.param("Pay\U000e0041Pal", "PayPal", 1, 0, 0, id="tag-character"),
        pytest.param("\u2764\ufe0f ok", "\u2764 ok", 0, 0, 0, id="emoji-selector-not-counted"),
    ],
)
def test_normalise(raw, text, zero_width, bidi, styled):
    n = normalise(raw)
    assert (n.text, n.zero_width, n.bidi, n.styled) == (text, zero_width, bidi, styled)


@pytest.mark.parametrize(
    "a, b",
    [
        pytest.param("Nоrtоn", "norton", id="cyrillic-o"),
        pytest.param("PAYPAL", "PayPaI", id="capital-i-for-l"),
        pytest.param("micros0ft", "Microsoft", id="zero-for-o"),
        pytest.param("Αpple", "apple", id="greek-alpha"),
        pytest.param("Μetamask", "metamask", id="greek-capital-mu"),
        pytest.param("ΗΝΥ", "hny", id="greek-capitals-eta-nu-upsilon"),
    ],
)
def test_skeleton_equates_look_alikes(a, b):
    assert skeleton(a) == skeleton(b)


@pytest.mark.parametrize("text", ["über", "Nоrtоn ", "İstanbul", "ß"])
def test_skeleton_keeps_length(text):
    assert len(skeleton(text)) == len(text)


def test_skeleton_keeps_accents():
    assert skeleton("über") != skeleton("uber")


@pytest.mark.parametrize("word, mixed", [("Nоrtоn", True), ("Norton", False), ("Москва", False), ("123", False)])
def test_mixed_script(word, mixed):
    assert is_mixed_script(word) is mixed
