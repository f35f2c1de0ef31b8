"""HTML rendering: what a reader sees, what is hidden from them, and links with their text."""
from __future__ import annotations

import base64

import pytest

from brandguard.content.htmltext import render


@pytest.mark.parametrize(
    "html, visible, hidden",
    [
        pytest.param('<p>Hello <span style="display:none">poison</span>world</p>', "Hello world", "poison",
                     id="display-none"),
        pytest.param('<div style="font-size:0px">tiny</div><p>shown</p>', "shown", "tiny", id="font-size-zero"),
        pytest.param('<td style="font-size:0"><div style="font-size:14px">reset</div></td>', "reset", "",
                     id="child-resets-font-size"),
        pytest.param('<font color="#ffffff">white</font> black', "black", "white", id="white-on-white"),
        pytest.param('<table bgcolor="#000000"><tr><td style="color:#fff">light</td></tr></table>', "light", "",
                     id="white-on-dark-is-visible"),
        pytest.param('<p style="color:#123456;background-color:#123456">same</p>', "", "same", id="same-colours"),
        pytest.param("<!-- comment --><script>var x</script><style>p{}</style><p>text</p>", "text", "",
                     id="comments-script-style"),
        pytest.param('<div style="max-height:0;overflow:hidden">pre</div>', "", "pre", id="collapsed-preheader"),
        pytest.param('<p>unclosed <b>bold <i>it</p> after', "unclosed bold it after", "", id="malformed"),
        pytest.param('<img alt="Norton logo" src="x.png">', "Norton logo", "", id="alt-text"),
    ],
)
def test_visible_and_hidden(html, visible, hidden):
    r = render(html)
    assert " ".join(r.visible.split()) == visible
    assert " ".join(r.hidden.split()) == hidden


def test_links_keep_their_text():
    r = render('<a href="http://evil.example/x">www.paypal.com</a> <form action="https://f.example/p"></form>')
    assert r.links == [("http://evil.example/x", "www.paypal.com"), ("https://f.example/p", "form")]


def test_data_uri_images_are_collected_for_ocr():
    png = b"\x89PNG\r\n\x1a\nfake"
    r = render(f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}">')
    assert r.images == [png]


def test_never_raises_on_garbage():
    assert render("<<<>>></a></b><p <x").visible is not None


def test_end_tags_matching_nothing_are_ignored_in_linear_time():
    html = "<div>" * 50_000 + "Call Geek Squad" + "</span>" * 50_000 + "</div>"
    assert render(html).visible.strip() == "Call Geek Squad"


def test_text_past_the_tag_limit_is_still_read(monkeypatch):
    from brandguard.content import htmltext

    monkeypatch.setattr(htmltext, "MAX_TAGS", 100)
    out = render("<b>x</b>" * 500 + "<p>Call Norton at 1-888-555-0142 &amp; renew</p>")
    assert out.truncated and "Call Norton at 1-888-555-0142 & renew" in out.visible


def test_small_documents_are_not_truncated():
    assert not render("<p>hello</p>").truncated
