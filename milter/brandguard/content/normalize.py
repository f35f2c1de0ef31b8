"""Text normalisation: NFKC, invisible and bidi controls removed and counted, confusable skeletons."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Invisible characters used to split brand names ("Nor\u200bton") so filters miss them.
ZERO_WIDTH = frozenset(
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u00ad\u034f\u115f\u1160\u3164\uffa0"
) | frozenset(  # variation selectors and tag characters render as nothing after a letter ("Co\U000e0139inbase")
    chr(c) for r in (range(0xFE00, 0xFE10), range(0xE0000, 0xE0080), range(0xE0100, 0xE01F0)) for c in r
)
# Bidi controls reorder what is displayed ("moc.lapyap" shown as "paypal.com").
BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")
_DROP = {ord(c): None for c in ZERO_WIDTH | BIDI}

# Compact UTS #39 subset: characters that render like Latin letters, mapped to the Latin prototype.
# Digits 0/1 and I/l/i collapse too: the skeleton is for matching only, both sides go through it.
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "l", "ї": "l", "ј": "j", "ԁ": "d", "һ": "h", "ӏ": "l",
    "ԛ": "q", "ԝ": "w", "ү": "y", "ɡ": "g", "ь": "b", "п": "n", "г": "r", "ш": "w", "ԍ": "g",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "l", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ω": "w", "γ": "y", "ϲ": "c", "ϳ": "j", "ѵ": "v", "μ": "u",
    # Armenian, Latin extensions, symbols
    "օ": "o", "ս": "u", "ց": "g", "հ": "h", "ո": "n", "ı": "l", "ſ": "s", "ɑ": "a", "ℓ": "l", "ɩ": "l",
    "ǀ": "l", "|": "l", "ɪ": "l", "ᴏ": "o", "ᴄ": "c", "ᴠ": "v", "ᴡ": "w", "ᴢ": "z", "ʏ": "y",
    "0": "o", "1": "l", "i": "l", "@": "a", "$": "s",
}
_SKELETON_TABLE = str.maketrans(_CONFUSABLES)
# Capitals whose lower case no longer looks Latin: Greek Μ Ν Η Υ Ζ read as M N H Y Z, but μ ν η υ ζ do not.
_CAPITALS = {"Μ": "m", "Ν": "n", "Η": "h", "Υ": "y", "Ζ": "z", "Ϲ": "c", "Ꮯ": "c", "Ꭰ": "d", "Ꮃ": "w"}


@dataclass(frozen=True)
class Normalised:
    """A normalised text and how many invisible / bidi / styled characters were removed or folded."""

    text: str
    zero_width: int = 0  # invisible characters inside a word ("Nor\u200bton"), where they split names
    bidi: int = 0  # embedding / override / isolate controls (LRM and RLM marks are normal in RTL text)
    styled: int = 0  # mathematical alphanumerics, full-width and other compatibility forms folded by NFKC


_BIDI_OVERRIDES = BIDI - {"\u200e", "\u200f", "\u061c"}
_INTRA_WORD_ZW = re.compile("(?<=\\w)[" + "".join(sorted(ZERO_WIDTH)) + "]+(?=\\w)")
_STYLED_RANGES = ((0x1D400, 0x1D7FF), (0xFF01, 0xFF5E), (0x2460, 0x24FF), (0x1F100, 0x1F1FF))
# character classes instead of per-character Python tests: normalise() meets megabytes of hostile text
_BIDI_RX = re.compile("[" + "".join(sorted(_BIDI_OVERRIDES)) + "]")
_STYLED_RX = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _STYLED_RANGES) + "]")
# Japanese, Chinese and Korean are typed with full-width punctuation and digits: there they are no disguise
_CJK_RX = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_STYLED_NOT_FULLWIDTH_RX = re.compile(
    "[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _STYLED_RANGES if lo != 0xFF01) + "]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# ASCII whitespace other than newline and space (what \s matches below 0x80); see _collapse_ascii()
_ASCII_TO_SPACE = str.maketrans({c: " " for c in "\t\x0b\x0c\r\x1c\x1d\x1e\x1f"})


def normalise(text: str) -> Normalised:
    """NFKC-fold, drop invisible and bidi controls (counting them), collapse runs of blanks."""
    if text.isascii():
        zw = bidi = styled = 0
        out = text
    else:
        zw = len(_INTRA_WORD_ZW.findall(text))
        bidi = len(_BIDI_RX.findall(text))
        styled = len((_STYLED_NOT_FULLWIDTH_RX if _CJK_RX.search(text) else _STYLED_RX).findall(text))
        out = unicodedata.normalize("NFKC", text.translate(_DROP))
    if "\r" in out:
        out = out.replace("\r\n", "\n").replace("\r", "\n")
    out = _collapse_ascii(out) if out.isascii() else _BLANK_LINES.sub("\n\n", _SPACES.sub(" ", out))
    return Normalised(out.strip(), zw, bidi, styled)


def _collapse_ascii(out: str) -> str:
    """Same result as the two regex subs for ASCII text, several times faster: the _SPACES sub
    matches (and rebuilds the string at) every single space between words."""
    out = out.translate(_ASCII_TO_SPACE)
    while "  " in out:  # each pass halves every run: log2(longest run) passes
        out = out.replace("  ", " ")
    # only "\n" and lone spaces remain, so a blank-line run must contain one of these
    if "\n\n" in out or "\n \n" in out:
        out = _BLANK_LINES.sub("\n\n", out)
    return out


def clean(text: str) -> str:
    """Short form of normalise() when the counters are not needed (headers, link text)."""
    return normalise(text).text


def _fold_char(c: str) -> str:
    # accents are kept: "über" is a German word, not Uber; homographs come from other scripts
    if c in _CAPITALS:
        return _CAPITALS[c]
    low = c.lower()
    return low if len(low) == 1 else c


class _FoldTable(dict[int, str]):
    """str.translate table code point -> skeleton character, filled on first sight of each character.

    translate() runs the per-character loop in C; only characters never seen before reach Python.
    """

    def __missing__(self, code: int) -> str:
        c = chr(code)
        f = _fold_char(c).translate(_SKELETON_TABLE)
        if len(f) != 1:
            f = c
        if len(self) < 50_000:  # hostile text may hold every code point: bound the table
            self[code] = f
        return f


_FOLD = _FoldTable()


def skeleton(text: str) -> str:
    """Lower-case, confusable-folded form with exactly one character per input character.

    Keeping lengths equal lets a match found in the skeleton be quoted from the original text.
    """
    return text.translate(_FOLD)


def is_mixed_script(word: str) -> bool:
    """True when a word mixes Latin letters with Cyrillic/Greek/Armenian ones (a homograph sign)."""
    scripts = set()
    for c in word:
        if not c.isalpha():
            continue
        name = unicodedata.name(c, "")
        for script in ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN"):
            if name.startswith(script):
                scripts.add(script)
                break
    return "LATIN" in scripts and len(scripts) > 1
