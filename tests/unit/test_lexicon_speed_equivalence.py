"""The RE2-prefiltered lure lexicons return exactly what the plain `re` patterns return."""
from __future__ import annotations

import array
import random
import re
import re._constants as _c
import re._parser as _p

import pytest
import re2

from brandguard.checks import _fastrx, _lexicon, _lures
from brandguard.checks._fastrx import Prefiltered, prefiltered


def _wrapped() -> dict[str, Prefiltered]:
    found = {}
    for mod in (_lexicon, _lures):
        for name, value in vars(mod).items():
            if isinstance(value, Prefiltered):
                found[f"{mod.__name__}.{name}"] = value
            elif isinstance(value, dict):
                found.update({f"{mod.__name__}.{name}[{k}]": v for k, v in value.items() if isinstance(v, Prefiltered)})
    return found


PATTERNS = _wrapped()
_CATEGORY_SOURCE = {_c.CATEGORY_WORD: r"\w", _c.CATEGORY_SPACE: r"\s", _c.CATEGORY_DIGIT: r"\d",
                    _c.CATEGORY_NOT_SPACE: r"\S"}


def _char_nodes(tree, out: set) -> set:
    """The single-character nodes (literals and sets) of a parsed pattern."""
    for op, av in tree:
        if op in (_c.LITERAL, _c.IN):
            out.add((op, tuple(av) if op is _c.IN else av))
        elif op is _c.BRANCH:
            for alt in av[1]:
                _char_nodes(alt, out)
        elif op is _c.SUBPATTERN:
            _char_nodes(av[3], out)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            _char_nodes(av[2], out)
    return out


def _python_source(op, av) -> str:
    if op is _c.LITERAL:
        return re.escape(chr(av))
    return "[" + "".join(re.escape(chr(a)) if o is _c.LITERAL else _CATEGORY_SOURCE[a] for o, a in av) + "]"


def test_every_lexicon_pattern_is_prefiltered():
    assert len(PATTERNS) > 20
    assert [name for name, rx in PATTERNS.items() if rx.prefilter is None] == []


def test_loose_characters_cover_pythons_over_all_of_unicode():
    """Each character the loose RE2 copy replaces matches at least what `re` matches there, for every code point."""
    everything = array.array("I", [*range(0xD800), *range(0xE000, 0x110000)]).tobytes().decode("utf-32-le")
    nodes = set()
    for rx in PATTERNS.values():
        _char_nodes(_p.parse(rx.pattern, rx.flags), nodes)
    for op, av in sorted(nodes, key=repr):
        python = "".join(re.findall(_python_source(op, av), everything, re.I))
        loose = _fastrx.loosen([(op, list(av) if op is _c.IN else av)], True)
        assert re2.fullmatch(f"(?i)(?:{loose})*", python), (op, av)


_ODD = ["İ", "ı", "ſ", "\u212a", "é", "Ü", "ção", "\xa0", "\u2019", "\x1c", "\u3000", "\n", "-", ".", ":", "'"]
_SAMPLES = {_c.CATEGORY_WORD: "aZ9_éß", _c.CATEGORY_SPACE: " \n\t\xa0", _c.CATEGORY_DIGIT: "0479",
            _c.CATEGORY_NOT_SPACE: "x.é$"}


def _sample(tree, rnd: random.Random) -> str:
    """A string the pattern's characters and repeats accept; its \\b and lookarounds are ignored, so some miss."""
    out = []
    for op, av in tree:
        if op is _c.LITERAL:
            out.append(chr(av).upper() if rnd.random() < 0.2 else chr(av))
        elif op is _c.IN:
            o, a = rnd.choice(av)
            out.append(chr(a) if o is _c.LITERAL else rnd.choice(_SAMPLES[a]))
        elif op is _c.ANY:
            out.append(rnd.choice("ab .,\u00e9"))
        elif op is _c.BRANCH:
            out.append(_sample(rnd.choice(av[1]), rnd))
        elif op is _c.SUBPATTERN:
            out.append(_sample(av[3], rnd))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            low, high, sub = av
            out.extend(_sample(sub, rnd) for _ in range(rnd.randint(low, min(high, low + 3))))
    return "".join(out)


def _texts(rx: Prefiltered, n: int, seed: str) -> list[str]:
    """Filler with phrases sampled from the pattern, some of them damaged, at random places."""
    rnd = random.Random(seed)
    tree = _p.parse(rx.pattern, rx.flags)
    texts = []
    for _ in range(n):
        parts = []
        for _ in range(rnd.randint(1, 12)):
            parts.append(rnd.choice(["", "x", "the ", "your ", " ", "\n", "A ", "é"]) * rnd.randint(0, 30))
            phrase = _sample(tree, rnd)
            if phrase and rnd.random() < 0.3:
                i = rnd.randrange(len(phrase) + 1)
                phrase = phrase[:i] + rnd.choice(_ODD) + phrase[i + rnd.randint(0, 1):]
            parts.append(phrase)
        texts.append("".join(parts))
    return texts


def _spans(matches) -> list:
    return [(m.span(), m.group()) for m in matches]


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_search_and_finditer_match_re(name):
    fast = PATTERNS[name]
    slow = fast.rx
    rnd = random.Random(name)
    texts = _texts(fast, 150, name)
    assert sum(bool(slow.search(t)) for t in texts) > 30  # the texts do exercise the pattern
    for text in texts:
        m, n = fast.search(text), slow.search(text)
        assert (m and (m.span(), m.group())) == (n and (n.span(), n.group())), text
        assert _spans(fast.finditer(text)) == _spans(slow.finditer(text)), text
        pos, endpos = rnd.randint(-5, len(text) + 5), rnd.randint(-5, len(text) + 5)
        m, n = fast.search(text, pos, endpos), slow.search(text, pos, endpos)
        assert (m and m.span()) == (n and n.span()), (text, pos, endpos)


def test_case_folds_and_boundaries_as_re():
    verify = _lexicon.CREDENTIAL["account_verify"]
    for text in ["please VERİFY your account", "verıfy your account", "ſecure your wallet", "reverify your account",
                 "x" * 5000 + " verify   your\u3000account", "café\u2019s verify\xa0your account"]:
        m, n = verify.search(text), verify.rx.search(text)
        assert (m and m.span()) == (n and n.span()), text
    tools = _lexicon.REMOTE_TOOLS
    text = "anydesks or myanydesk, then AnyDesk and team viewer"
    assert _spans(tools.finditer(text)) == _spans(tools.rx.finditer(text))


def test_empty_matches_and_surrogates_follow_re():
    fast = prefiltered(r"a|\b", re.I)
    for text in ["", "a", "xaay", "A b aa", "ü a"]:
        for pos in range(-1, len(text) + 2):
            assert _spans(fast.finditer(text, pos)) == _spans(fast.rx.finditer(text, pos)), (text, pos)
    surrogate = "\udc80 your account has been suspended"  # undecodable bytes, kept as lone surrogates
    threat = _lexicon.CREDENTIAL["account_threat"]
    assert threat.search(surrogate).span() == threat.rx.search(surrogate).span() == (7, 33)


def test_near_windows_agree():
    text = "Amount: $349.99. " * 3 + "Your subscription has been renewed. " + "filler " * 200 + "USD 12.00"
    for start in range(0, len(text), 37):
        for window in (20, 160, 400):
            m = _lexicon.near(_lexicon.AMOUNT, text, start, start + 5, window)
            n = _lexicon.near(_lexicon.AMOUNT.rx, text, start, start + 5, window)
            assert (m and m.span()) == (n and n.span())
