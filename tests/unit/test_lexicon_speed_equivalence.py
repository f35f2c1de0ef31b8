"""The RE2-prefiltered vocabulary lexicons return exactly what the plain `re` patterns return."""
from __future__ import annotations

import array
import re

import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brandguard.checks._fastrx import Lexicon, Prefiltered, check_pattern, loosen
from brandguard.checks._lexicon import near
from brandguard.policy.vocabulary import PhraseLists, default_vocabulary

VOCAB = default_vocabulary()
PATTERNS: dict[str, Prefiltered] = {
    name: lex.rx for name, lex in [*((n, getattr(VOCAB, n)) for n in ("call", "cancel", "charge", "amount",
                                   "gift_or_crypto", "your_account", "dial_in", "transaction", "access_request",
                                   "remote_session", "archive_password",
                                   "reward", "urgency", "warning", "remote_tools")),
                                   *VOCAB.credential.items(), *VOCAB.topics.items()]
}
_EVERYTHING = array.array("I", [*range(0xD800), *range(0xE000, 0x110000)]).tobytes().decode("utf-32-le")
_CASED = "".join(c for c in _EVERYTHING if c.lower() != c or c.upper() != c)
_CLASS = re.compile(r"\[\^?\]?(?:\\.|[^\]\\])*\]")


def _atoms(pattern: str) -> set[str]:
    """Sources of the pattern's one-character pieces: its classes, categories and (as literals) every character."""
    atoms = set(_CLASS.findall(pattern)) | {re.escape(c) for c in pattern}
    return atoms | {f"\\{e}" for e in "wsdWSD" if f"\\{e}" in pattern} | ({"."} if "." in pattern else set())


def test_every_phrase_list_is_filled_and_prefiltered():
    assert set(PATTERNS) == set(PhraseLists.model_fields) | {"remote_tools"}
    for name, rx in PATTERNS.items():
        assert isinstance(rx, Prefiltered) and rx.prefilter is not None, name


def test_loose_atoms_cover_pythons_over_all_of_unicode():
    """Each piece the loose RE2 copy replaces matches at least what `re` matches there, for every code point."""
    atoms = set().union(*(_atoms(rx.pattern) for rx in PATTERNS.values()))
    assert len(atoms) > 50
    for atom in sorted(atoms):
        # a literal only folds onto cased characters; a class or a category may match anything
        wide = atom.startswith(("[", "\\w", "\\s", "\\d", "\\W", "\\S", "\\D", "."))
        universe = _EVERYTHING if wide else _CASED + atom
        python = "".join(re.findall(atom, universe, re.I))
        assert re2.fullmatch(f"(?i)(?:{loosen(atom)})*", python), atom


def _texts(pattern: str) -> st.SearchStrategy[str]:
    """Filler around phrases the pattern accepts, some damaged by an odd character."""
    odd = st.sampled_from(["İ", "ı", "ſ", "\u212a", "é", "Ü", "ção", "\xa0", "\u2019", "\x1c", "\u3000", "\n", "-",
                           "'"])
    filler = st.sampled_from(["", "x", "the ", "your ", " ", "\n", "A ", "é", "お客様 "]).map(lambda s: s * 3)
    phrase = st.from_regex(re.compile(pattern, re.I)).map(lambda s: s[:300])
    damaged = st.tuples(phrase, odd, st.integers(0, 40)).map(lambda t: t[0][:t[2]] + t[1] + t[0][t[2] + 1:])
    return st.lists(st.one_of(filler, phrase, damaged), min_size=1, max_size=8).map("".join)


def _spans(matches) -> list:
    return [(m.span(), m.group()) for m in matches]


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_search_and_finditer_match_re(name):
    fast = PATTERNS[name]
    slow = fast.rx

    @settings(max_examples=30, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(text=_texts(fast.pattern), pos=st.integers(-5, 400), endpos=st.integers(-5, 400))
    def check(text, pos, endpos):
        m, n = fast.search(text), slow.search(text)
        assert (m and (m.span(), m.group())) == (n and (n.span(), n.group()))
        assert _spans(fast.finditer(text)) == _spans(slow.finditer(text))
        m, n = fast.search(text, pos, endpos), slow.search(text, pos, endpos)
        assert (m and m.span()) == (n and n.span())

    check()


def test_exceptions_act_as_the_lookahead_they_replace():
    call = Lexicon((r"\bcall(?:ing)?\b", r"\bdial\b"), (r"\bcall(?:ing)?\s+(?:center|centre)\b",))
    slow = re.compile(r"(?:\bcall(?:ing)?\b(?!\s+(?:center|centre)\b))|(?:\bdial\b)", re.I)
    for text in ["call center, then call us", "Calling  Centre", "callcenter call", "our call centre: dial 1",
                 "CALLING centres", "recall call", ""]:
        assert _spans(call.finditer(text)) == _spans(slow.finditer(text)), text
        for pos in range(len(text) + 1):
            m, n = call.search(text, pos), slow.search(text, pos)
            assert (m and m.span()) == (n and n.span()), (text, pos)


def test_case_folds_and_boundaries_as_re():
    verify = VOCAB.credential["account_verify"]
    for text in ["please VERİFY your account", "verıfy your account", "ſecure your wallet", "reverify your account",
                 "x" * 5000 + " verify   your\u3000account", "café\u2019s verify\xa0your account"]:
        m, n = verify.search(text), re.compile(verify.pattern, re.I).search(text)
        assert (m and m.span()) == (n and n.span()), text
    tools = VOCAB.remote_tools
    text = "anydesks or myanydesk, then AnyDesk and team viewer"
    assert _spans(tools.finditer(text)) == _spans(re.compile(tools.pattern, re.I).finditer(text))
    # tool names have ASCII edges: glued to Japanese they still count, inside a longer Latin word they do not
    assert [m.group() for m in tools.finditer("AnyDeskをインストール、myanydesk")] == ["AnyDesk"]


def test_empty_matches_and_surrogates_follow_re():
    fast = Prefiltered(r"a|\b")
    for text in ["", "a", "xaay", "A b aa", "ü a"]:
        for pos in range(-1, len(text) + 2):
            assert _spans(fast.finditer(text, pos)) == _spans(fast.rx.finditer(text, pos)), (text, pos)
    surrogate = "\udc80 your account has been suspended"  # undecodable bytes, kept as lone surrogates
    threat = VOCAB.credential["account_threat"]
    assert threat.search(surrogate).span() == threat.rx.rx.search(surrogate).span() == (7, 33)


def test_near_windows_agree():
    text = "Amount: $349.99. " * 3 + "Your subscription has been renewed. " + "filler " * 200 + "USD 12.00"
    plain = re.compile(VOCAB.amount.pattern, re.I)
    for start in range(0, len(text), 37):
        for window in (20, 160, 400):
            m = near(VOCAB.amount, text, start, start + 5, window)
            n = near(plain, text, start, start + 5, window)
            assert (m and m.span()) == (n and n.span())


@pytest.mark.parametrize("pattern, problem", [
    pytest.param(r"call(?!\s+center)", "not RE2 syntax", id="lookahead"),
    pytest.param(r"(a)\1", "not RE2 syntax", id="back-reference"),
    pytest.param(r"a{,3}b", "{,n}", id="open-repeat"),
    pytest.param(r"[[:alpha:]]", "nested set", id="posix-class"),
    pytest.param(r"(?i)call", "inline flags", id="inline-flag"),
    pytest.param(r"\bx?\b", "empty string", id="matches-empty"),
    pytest.param(r"\pL+", "not a Python regular expression", id="re2-only-escape"),
    pytest.param(r"(unclosed", "not a Python regular expression", id="syntax"),
])
def test_patterns_outside_the_shared_syntax_are_refused(pattern, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        check_pattern(pattern)
