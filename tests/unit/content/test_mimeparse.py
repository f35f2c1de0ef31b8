"""content.mimeparse reads MIME exactly as email.parser with the lenient default policy does (header values
parsed once, not on every read)."""
from __future__ import annotations

import random
from email.parser import BytesParser
from pathlib import Path

import pytest

from brandguard.content.config import ContentSettings
from brandguard.content.mimeparse import LENIENT_POLICY, parse_message
from brandguard.content.walk import walk

ROOT = Path(__file__).resolve().parents[3]
FILES = sorted(p for d in ("tests/data", "tests/golden") for p in (ROOT / d).rglob("*.eml"))


def _try(fn, *args, **kwargs):
    try:
        return "ok", fn(*args, **kwargs)
    except Exception as exc:  # the comparison includes which accessor raises
        return "raised", type(exc).__name__


def _describe(msg) -> list:
    out: list = [tuple(type(d).__name__ for d in msg.defects)]
    for p in msg.walk():
        out.append((
            _try(p.get_content_type), _try(p.get_filename), _try(p.get_content_charset),
            _try(p.get_content_disposition), _try(p.get_boundary), p.is_multipart(), p.get_default_type(),
            _try(p.get_payload, decode=True), None if p.is_multipart() else _try(p.get_payload),
            _try(lambda p=p: str(p.get("From", ""))), tuple(type(d).__name__ for d in p.defects), p.preamble, p.epilogue,
        ))
    return out


def _same(raw: bytes) -> None:
    reference = BytesParser(policy=LENIENT_POLICY).parsebytes(raw)
    fast = parse_message(raw)
    assert _describe(fast) == _describe(reference)
    settings = ContentSettings()  # fresh parses: decoding a payload records its defects on the part
    assert walk(parse_message(raw), settings) == walk(BytesParser(policy=LENIENT_POLICY).parsebytes(raw), settings)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_mail_files(path):
    raw = path.read_bytes()
    if len(raw) <= 3_000_000:
        _same(raw)


HEADER_FRAGMENTS = ['=?utf-8?B?ZsOkbGxl?=', '=?utf-8?q?a_b?=', '"', '\\', '(', ')', ';', '*', "*0*=utf-8''%e2%82%ac",
                    '*1=x', '\r\n\t', ' ', '=', '/', '\x00', '\xe9', '<', ',', '@', ':', "''", '"a\\"b"']
HEADER_BASES = ['multipart/mixed; boundary="b1"', 'text/plain; charset="utf-8"', 'attachment; filename="a.pdf"',
                'application/pdf; name="x y.pdf"', 'inline', 'base64', 'quoted-printable']
TEMPLATE = (b"From: a@b.example\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: %s\r\n\r\npre\r\n--b1\r\n"
            b"Content-Type: %s\r\nContent-Disposition: %s\r\nContent-Transfer-Encoding: %s\r\n\r\n"
            b"SGVsbG8gd29ybGQ=\r\n--b1--\r\n")


def test_mangled_mime_headers():
    rng = random.Random(3)

    def value() -> bytes:
        v = rng.choice(HEADER_BASES)
        for _ in range(rng.randint(0, 4)):
            i = rng.randint(0, len(v))
            v = v[:i] + rng.choice(HEADER_FRAGMENTS) + v[i:]
        return v.encode("utf-8", "surrogateescape")

    for _ in range(1000):
        _same(TEMPLATE % (value(), value(), value(), value()))


def test_mangled_structure():
    """Lines dropped, repeated boundaries, bare CR and LF line ends, truncation: the same tree."""
    rng = random.Random(5)
    nested = (b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\n"
              b"Content-Type: multipart/alternative; boundary=\"i\"\r\n\r\n--i\r\nContent-Type: text/plain\r\n\r\n"
              b"plain\r\n--i\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--i--\r\n--o\r\n"
              b"Content-Type: message/rfc822\r\n\r\nFrom: c@d.example\r\nSubject: inner\r\n\r\nbody\r\n--o\r\n"
              b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0x\r\n--o--\r\nepi\r\n")
    inserts = [b"\r\n", b"\n", b"\r", b"--o\r\n", b"--i--\n", b"--o--", b"-- o\r\n", b"From x\n", b" cont\n", b"X: y\n",
               b"Content-Type: message/delivery-status\r\n\r\n"]
    lines = nested.splitlines(keepends=True)
    for _ in range(1000):
        mangled = list(lines)
        for _ in range(rng.randint(1, 5)):
            i = rng.randrange(len(mangled) + 1)
            op = rng.random()
            if op < 0.3 and i < len(mangled):
                del mangled[i]
            elif op < 0.7:
                mangled.insert(i, rng.choice(inserts))
            elif op < 0.85:
                mangled = mangled[:i]
            elif i < len(mangled):
                mangled[i] = mangled[i].replace(b"\r\n", rng.choice([b"\n", b"\r", b""]))
        _same(b"".join(mangled))
