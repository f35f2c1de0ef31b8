"""The lexbor renderer: the tree a mail client's HTML5 parser builds, and a bounded cost on hostile markup."""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brandguard.content import htmltext
from brandguard.content.htmltext import render

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
PIECES = [
    "<div>", "</div>", "<p>", "</p>", "<a href=x>", "</a>", "<b>", "</b>", "<table>", "<tr>", "<td>", "<!--", "-->",
    "<script>", "</script>", "<style>", "<svg>", "<template>", "<select>", "<option>", "&amp;", "&#0;", "&#xd800;",
    "\x00", "\ud800", "<img alt=q src='data:image/png;base64,QUJD'>", "<font color=#fff>", "</font>", "<noframes>",
    "<plaintext>", "<textarea>", "<form action=f>", "<area href=h alt=a>", "</br>", "<math>", "<frameset>", "<html>",
    "<body>", "<head>", "</head>", "<title>", "<![CDATA[", "]]>", "<?x", "<!DOCTYPE x>", "<", ">", "'", '"', "=", "x ",
]


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    "html, visible, hidden",
    [
        pytest.param("<html><head><title>t</title><body><p>Call Norton</p>", "Call Norton", "",
                     id="body-closes-an-unclosed-head"),
        pytest.param('<p style="display:none">pre<div>Call now</div>', "Call now", "pre", id="div-closes-a-hidden-p"),
        pytest.param('<p><font color="#ffffff">a</p><p>b</p>', "", "ab", id="formatting-element-reopened-in-next-p"),
        pytest.param("<b>Hello,</br>world</b>", "Hello, world", "", id="end-br-is-a-line-break"),
        pytest.param("<table><tr><td>cell</td></tr>stray</table>", "stray cell", "", id="text-in-table-fostered-before"),
        pytest.param("<noframes><p>never shown</p></noframes>shown", "shown", "", id="noframes-not-displayed"),
        pytest.param("<p>&copy; &notit; &#x80;</p>", "© ¬it; €", "", id="entities-as-html5"),
        pytest.param('<svg><text>drawn</text></svg><template><p>t</p></template><object>o</object>x', "x", "",
                     id="svg-template-object-dropped"),
        pytest.param('<div hidden>h</div><input type="hidden"><span style="opacity:0">o</span>k', "k", "h o",
                     id="hidden-attribute-and-opacity"),
        pytest.param("<textarea><b>x</b></textarea>", "<b>x</b>", "", id="textarea-shows-its-markup"),
        pytest.param("a\ud800b\x00c", "abc", "", id="lone-surrogate-and-nul"),
    ],
)
def test_tree_as_a_mail_client_builds_it(html, visible, hidden):
    r = render(html)
    assert (_words(r.visible), _words(r.hidden)) == (visible, hidden)


@pytest.mark.parametrize(
    "html, links",
    [
        pytest.param('<a href="https://x.example/?a=1&copy=2&amp;b=3">t</a>', [("https://x.example/?a=1&copy=2&b=3", "t")],
                     id="attribute-entities-as-html5"),
        pytest.param('<a href="https://first.example/" HREF="https://second.example/">x</a>',
                     [("https://first.example/", "x")], id="first-duplicate-attribute-wins"),
        pytest.param('<p><a href="https://h.example/"><b>one<p>two</b></a>',
                     [("https://h.example/", "one"), ("https://h.example/", "two")], id="anchor-reopened-in-next-p"),
        pytest.param('<a href="https://h.example/">Pay<span style="display:none">Pal</span>Now <img alt="Logo"></a>',
                     [("https://h.example/", "PayNow Logo")], id="anchor-text-is-its-visible-text"),
        pytest.param('<form action="https://f.example/p"><a href="https://a.example/">a</a></form>'
                     '<map><area href="https://ar.example/" alt="region"></map>',
                     [("https://f.example/p", "form"), ("https://a.example/", "a"), ("https://ar.example/", "region")],
                     id="form-anchor-area-in-document-order"),
        pytest.param('<a href="a">1<a href="b">2</a>', [("a", "1"), ("b", "2")], id="a-closes-an-open-a"),
    ],
)
def test_links(html, links):
    assert render(html).links == links


def test_hidden_and_dropped_images_still_decoded_without_alt():
    r = render('<div style="display:none"><img alt="a" src="data:image/png;base64,QUJD"></div>'
               '<style><img alt="b" src="data:image/png;base64,REVG"></style><img alt="c">')
    assert _words(r.visible) == "c" and r.images == [b"ABC"]


def test_deep_nesting_walks_without_recursion():
    r = render("<span>" * 3_000 + "deep" + "</span>" * 3_000)  # deeper than the recursion limit (1,000)
    assert _words(r.visible) == "deep" and not r.truncated


def test_past_the_node_budget_the_rest_is_read_once(monkeypatch):
    monkeypatch.setattr(htmltext, "MAX_NODES", 50)
    r = render('<p style="display:none">secret</p>' + "<p>a</p>" * 100 + "<p>Call Norton &amp; renew</p>")
    assert r.truncated and r.hidden.split() == ["secret"]
    assert r.visible.split().count("a") == 100 and _words(r.visible).endswith("Call Norton & renew")


@pytest.mark.parametrize(
    "html",
    [
        pytest.param("<div>" * 200_000, id="nested-divs"),
        pytest.param("".join(f"<b class={i}>" for i in range(20_000)), id="distinct-formatting-elements"),
        pytest.param("<select>" + "<option>x" * 50_000, id="long-select"),
        pytest.param("x<!---->" * 250_000, id="2MB-of-comments"),
        pytest.param("<b>x</b>" * 250_000, id="2MB-of-bold"),
        pytest.param("<a href=x><div>" * 20_000, id="anchors-and-divs"),
    ],
)
def test_hostile_markup_is_cut_and_its_tail_read(html):
    r = render(html + "<p>Call Geek Squad at 1-888-555-0142</p>")
    assert r.truncated and _words(r.visible).endswith("Call Geek Squad at 1-888-555-0142")


def test_a_document_lexbor_cannot_build_is_read_as_plain_text(monkeypatch):
    def fail(*args: object, **kwargs: object) -> None:
        raise htmltext.SelectolaxError("Can't parse HTML.")

    monkeypatch.setattr(htmltext, "LexborHTMLParser", fail)
    r = render("<p>Call &amp; renew</p>")
    assert r.truncated and _words(r.visible) == "Call & renew"


@FUZZ
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=60))
def test_never_raises_on_markup_soup(pieces):
    r = render("".join(pieces))
    assert isinstance(r.visible, str) and isinstance(r.hidden, str)


def test_never_raises_on_random_bytes():
    rng = random.Random(7)
    for _ in range(300):
        render(rng.randbytes(rng.randint(0, 500)).decode("latin-1"))
