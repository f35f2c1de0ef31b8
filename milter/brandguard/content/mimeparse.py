"""MIME parsing by the stdlib parser with email.policy.default's header semantics at compat32's cost."""
from __future__ import annotations

import email.policy
from email.message import Message
from email.parser import BytesParser
from functools import lru_cache
from typing import Any

from brandguard.content import vendored_feedparser
from brandguard.model import MessageContext

_FeedParser: Any = vendored_feedparser.FeedParser  # Any: the vendored stdlib module carries no annotations

_MEMO_CHARS = 1024  # longer header values are parsed on every read rather than pinned in the memo


class _LenientPolicy(email.policy.EmailPolicy):
    """email.policy.default, except that hostile headers (RFC 2231 junk, deep nesting, NULs) do not raise.

    The stdlib's structured header parsers raise IndexError, ValueError or RecursionError on some
    inputs; such a header is then kept as an unstructured string, which is all a check needs.
    """

    # Any, as typeshed's EmailPolicy: a header object (a str), or compat32's str or email.header.Header
    def header_fetch_parse(self, name: str, value: str) -> Any:
        try:
            return super().header_fetch_parse(name, value)
        except (IndexError, ValueError, RecursionError, TypeError, AttributeError):
            return email.policy.compat32.header_fetch_parse(name, value)


LENIENT_POLICY = _LenientPolicy()


@lru_cache(maxsize=1024)
def _rendered(lname: str, value: str) -> str:
    return str(LENIENT_POLICY.header_fetch_parse(lname, value))


class _MimePolicy(email.policy.Compat32):
    """Parses into plain Message objects, but every header value reads as str() of LENIENT_POLICY's header.

    The stdlib's Message methods (content type, parameters, file name, boundary, transfer encoding)
    only ever use str() of a header, so MIME decisions are exactly those of email.policy.default. What
    differs is cost: the default policy re-parses a header through the header registry on every read
    (the parser and the walk read Content-Type a dozen times per part); here each distinct value is
    parsed once and remembered, and common values are shared between messages.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        if len(value) > _MEMO_CHARS:
            return str(LENIENT_POLICY.header_fetch_parse(name, value))
        return _rendered(name.lower(), value)


MIME_POLICY = _MimePolicy()


def parse_message(data: bytes) -> Message:
    """The MIME tree of `data` by the stdlib's feed parser (vendored with three speed edits: same result),
    header values read as email.policy.default renders them."""
    parser = _FeedParser(policy=MIME_POLICY)
    parser.feed(data.decode("ascii", "surrogateescape"))
    result: Message = parser.close()
    return result


def mime_of(ctx: MessageContext) -> Message:
    """The MIME tree of a frozen message (parsed once per message by the pipeline, which passes it on)."""
    return parse_message(ctx.raw_bytes())


def parse_message_stdlib(data: bytes) -> Message:
    """The same through the stdlib's own parser: what the vendored one is tested against."""
    return BytesParser(policy=MIME_POLICY).parsebytes(data)
