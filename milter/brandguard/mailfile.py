"""Mail files → MessageContext for `scan` and tests: headers as a milter would see them."""
from __future__ import annotations

import re

from brandguard.addresses import parse_addresses
from brandguard.errors import NotMailError
from brandguard.model import Envelope, MessageContext

_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+[ \t]*:")
_SPLIT = re.compile(rb"\r?\n\r?\n")
_LEADING_BLANK = re.compile(rb"\A(?:[ \t]*\r?\n)+")


def split_message(data: bytes) -> tuple[list[tuple[str, str]], bytes]:
    """Split raw bytes into (name, value) headers, continuation lines kept, and the body."""
    data = _LEADING_BLANK.sub(b"", data, count=1)  # stored files sometimes start with blank lines
    if data.startswith(b"From ") and b"\n" in data:  # mbox separator line
        data = data.split(b"\n", 1)[1]
    m = _SPLIT.search(data)
    head, body = (data[: m.start()], data[m.end():]) if m else (data, b"")
    parts: list[tuple[str, list[str]]] = []  # joined once at the end: folding can be 100,000 lines long
    lines = re.split(rb"\r?\n", head)
    for i, line in enumerate(lines):
        if line[:1] in (b" ", b"\t") and parts:
            parts[-1][1].append(line.decode("utf-8", "surrogateescape"))
        elif _HEADER_LINE.match(line):
            name, value = line.split(b":", 1)
            value = value[1:] if value[:1] == b" " else value  # as libmilter: one leading space dropped
            parts.append((name.strip().decode("ascii", "replace"), [value.decode("utf-8", "surrogateescape")]))
        elif line:
            # a line that is neither header nor continuation ends the header block, as in Postfix
            body = b"\n".join(lines[i:]) + (b"\n\n" + body if m else b"")
            break
    headers = [(name, "\r\n".join(values)) for name, values in parts]
    return headers, _crlf(body)


def _crlf(body: bytes) -> bytes:
    """Line ends as CRLF; a body already in that form (every LF after a CR) is returned without copying."""
    if body.count(b"\n") == body.count(b"\r\n"):
        return body
    return body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def context_from_bytes(data: bytes, envelope: Envelope | None = None, *, limit: int | None = None) -> MessageContext:
    """Build a MessageContext; the envelope defaults to Return-Path and To/Cc as a receiving MTA saw it."""
    headers, body = split_message(data)
    if not headers or not any(n.lower() in _MAILISH for n, _ in headers):
        raise NotMailError("no mail headers found (From, To, Subject, Date, Received, Message-ID)")
    if envelope is None:
        values = {n.lower(): v for n, v in reversed(headers)}
        mail_from = values.get("return-path", "")
        if not mail_from:
            addrs = parse_addresses([values.get("from", "")])
            mail_from = addrs[0][1] if addrs else ""
        rcpts = tuple(a for _, a in parse_addresses([values.get("to", ""), values.get("cc", "")]) if "@" in a)
        envelope = Envelope(mail_from=mail_from.strip().strip("<>"), rcpts=rcpts)
    truncated = limit is not None and len(body) > limit
    return MessageContext(envelope=envelope, headers=tuple(headers), body=body[:limit] if truncated else body,
                          body_truncated=truncated, size=len(data))


_MAILISH = {"from", "to", "subject", "date", "received", "message-id", "return-path", "mime-version", "sender"}
