"""The bulk body loop of content.mimeparse builds the same tree as email.parser, whatever the line layout."""
from __future__ import annotations

import base64
import random
from email.parser import BytesParser

import pytest

from brandguard.content import mimeparse
from brandguard.content.config import ContentSettings
from brandguard.content.mimeparse import LENIENT_POLICY, parse_message
from brandguard.content.walk import walk


def _describe(msg) -> list:
    out: list = [tuple(type(d).__name__ for d in msg.defects)]
    for p in msg.walk():
        out.append((p.get_content_type(), p.is_multipart(), p.preamble, p.epilogue,
                    None if p.is_multipart() else p.get_payload(), tuple(type(d).__name__ for d in p.defects),
                    list(p.items())))
    return out


def _same(raw: bytes) -> None:
    reference = BytesParser(policy=LENIENT_POLICY).parsebytes(raw)
    assert _describe(parse_message(raw)) == _describe(reference)
    settings = ContentSettings()
    assert walk(parse_message(raw), settings) == walk(BytesParser(policy=LENIENT_POLICY).parsebytes(raw), settings)


def test_bulk_loop_in_use():
    assert "take_safe" in mimeparse._FeedParser._parsegen.__code__.co_names


def _b64(n: int, seed: int) -> bytes:
    return base64.encodebytes(random.Random(seed).randbytes(n))


def _mixed(body: bytes, eol: bytes = b"\r\n", boundary: bytes = b"b1", close: bool = True) -> bytes:
    head = b"From: a@b.example\nSubject: s\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"%s\"\n\n" % boundary
    part = (b"--%s\nContent-Type: text/plain\n\nhello\n--%s\nContent-Type: application/pdf; name=\"a.pdf\"\n"
            b"Content-Transfer-Encoding: base64\n\n" % (boundary, boundary)) + body
    tail = b"\n--%s--\nepilogue\n" % boundary if close else b""
    return (head + part + tail).replace(b"\n", eol)


@pytest.mark.parametrize("eol", [b"\r\n", b"\n", b"\r"])
@pytest.mark.parametrize("size", [0, 1, 57, 6000, 100_000, 500_000])
def test_base64_attachments(eol, size):
    _same(_mixed(_b64(size, size).rstrip(b"\n"), eol))
    _same(_mixed(_b64(size, size).rstrip(b"\n"), eol, close=False))


def test_lines_that_start_like_a_boundary():
    body = b"\n".join([b"-- ", b"--b", b"--b1x", b"--b2", b"-", b"", b"\r", b"--b1 trailing", b"AAAA"] * 300)
    for eol in (b"\r\n", b"\n"):
        _same(_mixed(body, eol))
        _same(_mixed(body + b"\n--b1\nContent-Type: text/plain\n\nlast", eol))


def test_alternating_safe_and_unsafe_lines():
    rng = random.Random(7)
    for _ in range(40):
        lines = [rng.choice([b"QUJD", b"-x", b"", b"--b1", b"--b1--", b"--outer", b" x", b"\t", b"AAAA" * 19])
                 for _ in range(rng.randint(0, 3000))]
        _same(_mixed(b"\n".join(lines), rng.choice([b"\r\n", b"\n"])))


def test_nested_multiparts_and_attached_messages():
    inner = (b"Content-Type: multipart/alternative; boundary=\"i\"\n\n--i\nContent-Type: text/plain\n\n"
             + _b64(3000, 1) + b"--i\nContent-Type: text/html\n\n<p>x</p>\n--i--\n")
    msg = (b"From: a@b.example\nContent-Type: multipart/mixed; boundary=\"o\"\n\npreamble\n--o\n" + inner
           + b"--o\nContent-Type: message/rfc822\n\nFrom: c@d.example\nContent-Type: text/plain\n\n" + _b64(9000, 2)
           + b"--o\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\nAction: failed\n"
           + b"--o--\n")
    for eol in (b"\r\n", b"\n"):
        _same(msg.replace(b"\n", eol))
        _same(msg.replace(b"\n", eol)[:-20])  # truncated: no closing boundary


def test_broken_base64_and_8bit():
    junk = b"QUJD\n!!!!\nQU\n=\n\xff\xfe\x80 bytes\n\x00\n" * 500
    _same(_mixed(junk))
    _same(b"From: a@b.example\nContent-Type: text/plain; charset=utf-8\n\n" + junk)


def test_random_chunk_straddling():
    """Line ends split across the 8 KB feed chunks: CR at a chunk's end, a boundary cut in two."""
    rng = random.Random(3)
    for _ in range(60):
        pad = b"A" * rng.randint(0, 200)
        line = rng.choice([b"QUJDRA==", b"-", b"--b1", b""])
        body = b"\r\n".join([pad] + [line] * rng.randint(1, 5) + [b"A" * 76] * rng.randint(100, 400))
        _same(_mixed(body, rng.choice([b"\r\n", b"\n", b"\r"])))


def test_single_part_without_boundaries():
    for eol in (b"\r\n", b"\n"):
        _same((b"From: a@b.example\nContent-Transfer-Encoding: base64\n\n" + _b64(200_000, 5)).replace(b"\n", eol))
        _same(b"From: a@b.example\n\n" + b"-- \n" * 5000)
