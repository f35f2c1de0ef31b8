"""The vendored feed parser (content/vendored_feedparser.py) parses exactly as the stdlib's does."""
from __future__ import annotations

import hashlib
import re
from email.message import Message
from pathlib import Path

import pytest

from brandguard.content import vendored_feedparser
from brandguard.content.mimeparse import parse_message, parse_message_stdlib

ROOT = Path(__file__).resolve().parents[3]
MAILS = sorted(p for p in (ROOT / "tests").rglob("*.eml") if p.is_file())
VENDORED = Path(vendored_feedparser.__file__)


def _tree(msg: Message) -> list[tuple[object, ...]]:
    """Everything the parse decides, part by part: headers, payload, preamble, epilogue, defects."""
    out: list[tuple[object, ...]] = []
    for part in msg.walk():
        payload = part.get_payload() if not part.is_multipart() else None
        out.append((tuple(part.items()), payload, part.preamble, part.epilogue,
                    tuple(type(d).__name__ for d in part.defects), part.get_content_type()))
    return out


@pytest.mark.parametrize("path", [pytest.param(p, id=str(p.relative_to(ROOT / "tests"))) for p in MAILS])
def test_same_tree_as_the_stdlib_parser(path: Path) -> None:
    data = path.read_bytes()
    assert _tree(parse_message(data)) == _tree(parse_message_stdlib(data))


@pytest.mark.parametrize("data", [
    pytest.param(b"Content-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n--b\r\n\r\n-x\r\n--b--\r\nepi\r\n",
                 id="dash-line-in-a-part"),
    pytest.param(b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n" + b"A" * 76 * 5000 + b"\r\n--b--",
                 id="no-line-ends-in-a-long-part"),
    pytest.param(b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n" + b"-\r\n" * 3000 + b"--b--\r\n",
                 id="a-body-of-dashes"),
    pytest.param(b"Subject: x\n\n" + b"line\r" * 100, id="bare-cr-line-ends"),
    pytest.param(b"Content-Type: multipart/alternative; boundary=\"a\"\n\n--a\nContent-Type: multipart/mixed; "
                 b"boundary=b\n\n--b\n\nin\n--b--\n--a--\n", id="nested-without-close"),
])
def test_same_tree_on_edge_cases(data: bytes) -> None:
    assert _tree(parse_message(data)) == _tree(parse_message_stdlib(data))


def test_the_vendored_copy_still_names_its_upstream() -> None:
    """The recorded hash is that of CPython 3.13.0's email/feedparser.py; re-vendor deliberately to change it."""
    text = VENDORED.read_text()
    recorded = (VENDORED.parent / "vendored_feedparser.sha256").read_text().strip()
    assert re.search(rf"Vendored from CPython v3\.13\.0, Lib/email/feedparser\.py \(sha256 {recorded}\)", text)
    stdlib = Path(__import__("email.feedparser").feedparser.__file__)
    if "3.13.0" in str(stdlib):  # the interpreter this was vendored from: the hash must be its file's
        assert hashlib.sha256(stdlib.read_bytes()).hexdigest() == recorded
