"""mailto: links: HTML anchors, the "text<mailto:address>" form of plain text, and what the reader is shown."""
from __future__ import annotations

import pytest

from brandguard.content import mailto
from brandguard.content.model import MailLink


@pytest.mark.parametrize(
    "href, expected",
    [
        pytest.param("mailto:Desk@Gmail.com", ("desk@gmail.com", False), id="plain"),
        pytest.param("mailto:desk@gmail.com?subject=Report%20User", ("desk@gmail.com", True), id="subject-prefilled"),
        pytest.param("mailto:desk@gmail.com?&cc=desk@gmail.com", ("desk@gmail.com", True), id="cc-after-empty-field"),
        pytest.param("mailto:desk%40gmail.com", ("desk@gmail.com", False), id="percent-encoded-at"),
        pytest.param("mailto:?subject=hello", None, id="no-address"),
        pytest.param("mailto:not-an-address", None, id="not-an-address"),
    ],
)
def test_parse(href, expected):
    assert mailto.parse(href) == expected


def test_html_anchors_keep_the_anchor_text():
    links = mailto.from_anchors([("https://example.org/", "site"), ("mailto:x@gmail.com?subject=Hi", "Report The User")],
                                "body")
    assert links == [MailLink("x@gmail.com", "Report The User", True, "body")]


def test_plain_text_form_takes_the_words_before_the_link():
    text = ("We detected a sign-in to the account pat@example.net<mailto:x@gmail.com?&cc=x@gmail.com>.\n"
            "If this wasn't you, Report The User<mailto:x@gmail.com?subject=Report>\n"
            "Write to bob@example.org<mailto:bob@example.org> or mailto:carol@example.org")
    links = mailto.in_text(text, "body")
    assert [(m.address, m.text, m.prefilled) for m in links] == [
        ("x@gmail.com", "We detected a sign-in to the account pat@example.net", True),
        ("x@gmail.com", "If this wasn't you, Report The User", True),
        ("bob@example.org", "Write to bob@example.org", False),
        ("carol@example.org", "", False),
    ]


@pytest.mark.parametrize(
    "link, own",
    [
        pytest.param(MailLink("bob@example.org", "bob@example.org"), True, id="address-as-itself"),
        pytest.param(MailLink("bob@example.org", "Email: Bob@Example.org"), True, id="label-then-address"),
        pytest.param(MailLink("bob@example.org", ""), True, id="bare-mailto"),
        pytest.param(MailLink("x@gmail.com", "pat@example.net"), False, id="another-address-shown"),
        pytest.param(MailLink("x@gmail.com", "Report The User"), False, id="words-shown"),
    ],
)
def test_shows_own_address(link, own):
    assert mailto.shows_own_address(link) is own


def test_many_links_are_bounded():
    text = "\n".join(f"user{i}<mailto:user{i}@example.org>" for i in range(200))
    assert len(mailto.in_text(text, "body")) == 50
