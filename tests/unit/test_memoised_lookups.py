"""Per-message shortcuts (issue #17, point 7) answer exactly what the long way answers."""
from __future__ import annotations

import itertools
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brandguard.checks._fastrx import Lexicon
from brandguard.model import Envelope, MessageContext
from brandguard.policy.platforms import Platform, Platforms
from brandguard.policy.vocabulary import default_vocabulary

DOMAINS = ["example.com", "Mail.Example.com.", ".b", "b", "x.y", "", "co.uk", "a..b", "docusign.net"]
HOSTS = ["example.com", "mail.example.com", "a.mail.example.com.", "MAIL.EXAMPLE.COM", "b", ".b", "a..b", "..b",
         "x.b", "y", "x.y.", "foo.co.uk", "", ".", "e.docusign.net", "xdocusign.net"]


def platform(pid: int, *domains: str) -> Platform:
    return Platform(str(pid), str(pid), frozenset(), frozenset(domains), frozenset(), ())


def one_by_one(platforms: Platforms, hosts: tuple[str, ...]) -> tuple[Platform, ...]:
    """Platforms.matching as it was: every platform's every domain tried on every host."""
    wanted = [h.lower().rstrip(".") for h in hosts if h]
    return tuple(p for p in platforms.entries if any(p.sends_from(h) for h in wanted))


@pytest.fixture
def make_platforms():
    def make(domain_sets: list[list[str]]) -> Platforms:
        return Platforms(tuple(platform(i, *ds) for i, ds in enumerate(domain_sets)))
    return make


@pytest.mark.parametrize("hosts", [pytest.param(hs, id="|".join(hs) or "none")
                                   for k in (0, 1, 2) for hs in itertools.combinations(HOSTS, k)])
def test_platform_index_matches_every_domain_tried(make_platforms, hosts):
    platforms = make_platforms([DOMAINS[i:i + 2] for i in range(0, len(DOMAINS), 2)] + [["b"], ["B."]])
    assert platforms.matching(hosts) == one_by_one(platforms, hosts)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(DOMAINS), max_size=3), max_size=5),
       st.lists(st.text(alphabet="abxy.-", max_size=12) | st.sampled_from(HOSTS), max_size=3))
def test_platform_index_on_generated_names(domain_sets, hosts):
    platforms = Platforms(tuple(platform(i, *ds) for i, ds in enumerate(domain_sets)))
    assert platforms.matching(tuple(hosts)) == one_by_one(platforms, tuple(hosts))


def test_header_index_answers_as_the_scan_and_is_not_pickled():
    ctx = MessageContext(Envelope(), (("From", "a"), ("X-One", "b"), ("from", "c")), b"")
    assert ctx.header_values("FROM") == ["a", "c"] and ctx.first_header("x-one") == "b"
    assert ctx.header_values("Missing") == []
    ctx.header_values("from").append("caller's own list")
    assert ctx.header_values("from") == ["a", "c"]
    copy = pickle.loads(pickle.dumps(ctx, pickle.HIGHEST_PROTOCOL))
    assert "_by_name" not in copy.__dict__ and copy == ctx and copy.header_values("From") == ["a", "c"]


TEXTS = ["Beware of this scam: never call the number in it.", "Quarterly report attached, see you Monday.",
         "Ungültige Überweisung \udcff broken bytes", "", "phishing " * 40]


@pytest.mark.parametrize("text", [pytest.param(t, id=f"text{i}") for i, t in enumerate(TEXTS)])
def test_possible_is_false_only_where_no_part_can_match(text):
    vocab = default_vocabulary()
    lexicons = [vocab.warning, vocab.call, vocab.urgency, *vocab.topics.values(), Lexicon()]
    for lex in lexicons:
        if lex.possible(text):
            continue
        for start, end in itertools.combinations(range(0, len(text) + 1, 3), 2):
            assert lex.search(text, start, end) is None, (lex, start, end)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60), st.lists(st.text(max_size=8), max_size=3))
def test_filled_reason_keeps_printable_ascii_only(text, brands):
    from brandguard.policy.engine import _fill

    expected = text.replace("{brand}", ", ".join(brands) or "a brand").replace("{rules}", "")
    assert _fill(text, tuple(brands), []) == "".join(c for c in expected if 32 <= ord(c) < 127)[:400]


@pytest.mark.parametrize("record", [
    pytest.param(b"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", id="ed25519"),
    pytest.param(None, id="no-record"),
    pytest.param(b"v=DKIM1; k=rsa; p=", id="revoked"),
])
def test_dkim_key_record_parse_is_remembered_with_dkimpys_answer(record):
    import dkim

    from brandguard.auth.dkimverifier import _evaluate_pk

    name = b"sel._domainkey.example.com."
    try:
        expected = dkim.evaluate_pk(name, record)
    except dkim.KeyFormatError:
        for _ in range(2):  # an error is not remembered: it is raised every time
            with pytest.raises(dkim.KeyFormatError):
                _evaluate_pk(name, record)
        return
    first, again = _evaluate_pk(name, record), _evaluate_pk(name, record)
    assert first is again and first[1:] == expected[1:]
