"""walk's base64 decoding and htmltext's style cache give what the uncached paths give."""
from __future__ import annotations

import base64
import random

import pytest

from brandguard.content import htmltext
from brandguard.content.mimeparse import parse_message
from brandguard.content.walk import decoded_payload

PAYLOADS = [
    b"", b"QUJD", b"QUJDRA", b"QUJDRA=", b"QUJDRA==", b"QU JD\r\nRA==", b"QUJD\rRA==\r", b"QUJD\n\nRA==\n",
    b"!!!!QUJD", b"QUJD====QUJD", b"=", b"Q", b"QUJD\x00RA==", b"QUJD\xff\xfeRA==", b"\xc3\xa9QUJD",
    b"QUJD\x0bRA==", b"QUJD\x0cRA==", b"QUJD\x1cRA==", b"QUJD\x85RA==", b"-_QUJD", b"QUJD\t\r\n RA==\r\n",
]


def _part(payload: bytes, cte: bytes = b"base64", eol: bytes = b"\r\n") -> bytes:
    head = b"From: a@b.example\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: %s\n\n" % cte
    return head.replace(b"\n", eol) + payload


def _compare(raw: bytes) -> None:
    fast, slow = parse_message(raw), parse_message(raw)
    got, want = decoded_payload(fast), slow.get_payload(decode=True)
    assert got == want
    assert [type(d) for d in fast.defects] == [type(d) for d in slow.defects]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("cte", [b"base64", b"BASE64 ", b"quoted-printable", b"7bit", b"x-uuencode"])
@pytest.mark.parametrize("eol", [b"\r\n", b"\n"])
def test_payloads(payload, cte, eol):
    _compare(_part(payload, cte, eol))


def test_random_base64_damage():
    rng = random.Random(9)
    for _ in range(500):
        data = bytearray(base64.encodebytes(rng.randbytes(rng.randint(0, 600))))
        for _ in range(rng.randint(0, 6)):
            data.insert(rng.randint(0, len(data)), rng.choice(b"\r\n=!- \x00\xff\x80A"))
        _compare(_part(bytes(data), eol=rng.choice([b"\r\n", b"\n", b"\r"])))


def test_non_base64_and_non_str_payloads_fall_back():
    msg = parse_message(b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n--b--\n")
    leaf = msg.get_payload()[0]
    assert decoded_payload(leaf) == leaf.get_payload(decode=True) == b"x"
    leaf.set_payload(b"QUJD")
    leaf["Content-Transfer-Encoding"] = "base64"
    assert decoded_payload(leaf) == leaf.get_payload(decode=True)


HTML = [
    "<p style='color:#fff'>hidden</p><p style='color:#333'>seen</p>",
    "<div style='display:none'>x</div><span style=\"font-size:0\">y</span><font size=0>z</font>",
    "<table bgcolor=white><tr><td style='color: WHITE !important'>w</td><td>v</td></tr></table>",
    "<a href='https://a.example/x'>A <b>b</b></a><a href=x>\n1\n2</a><area href=y alt=z><form action=f>",
    "<p>line\none</p>\n<br/><img alt='Pay' src='data:image/png;base64,QUJD'><img src=x style='opacity:0' alt=n>",
    "<style>p{color:red}</style><script>var a='<p>';</script><title>t</title>" + "<b>x</b>" * 50,
    "<p style='overflow:hidden;max-height:0'>c</p><p style=';;:;color'>d</p><p STYLE='Color:Red'>e</p>",
    "<!-- c --><!DOCTYPE html><![CDATA[x]]><?pi?><p>&amp; &lt;&#65;&#x42;&nbsp;</p></span></div>",
]


def test_render_same_with_uncached_styles(monkeypatch):
    rng = random.Random(4)
    docs = HTML + ["".join(rng.choice(HTML) for _ in range(rng.randint(1, 8))) for _ in range(200)]
    docs += [d[: rng.randint(0, len(d))] for d in docs[:100]]
    fast = [htmltext.render(d) for d in docs]
    monkeypatch.setattr(htmltext, "_css", htmltext._css.__wrapped__)
    assert fast == [htmltext.render(d) for d in docs]
