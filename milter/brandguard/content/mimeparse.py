"""MIME parsing with email.policy.default's header semantics at compat32's cost, and a leaner feed parser."""
from __future__ import annotations

import email.feedparser as _fp
import email.policy
import inspect
import re
import textwrap
import types
from collections import deque
from email.message import Message
from functools import lru_cache
from itertools import islice, repeat
from operator import itemgetter

_MEMO_CHARS = 1024  # longer header values are parsed on every read rather than pinned in the memo
_CHUNK = 8192  # as email.parser.Parser feeds the feed parser
_FIRST = itemgetter(0)
_UNSAFE_START = re.compile(r"[-\r\n]")


class _LenientPolicy(email.policy.EmailPolicy):
    """email.policy.default, except that hostile headers (RFC 2231 junk, deep nesting, NULs) do not raise.

    The stdlib's structured header parsers raise IndexError, ValueError or RecursionError on some
    inputs; such a header is then kept as an unstructured string, which is all a check needs.
    """

    def header_fetch_parse(self, name, value):
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

    def header_fetch_parse(self, name, value):
        if len(value) > _MEMO_CHARS:
            return str(LENIENT_POLICY.header_fetch_parse(name, value))
        return _rendered(name.lower(), value)


MIME_POLICY = _MimePolicy()


class _LineEnd:
    """NLCRE_eol.search(s) (r'(\\r\\n|\\r|\\n)\\Z') answered from the end of s.

    The feed parser strips the line end before each boundary from the part's whole payload with that
    regex, which scans every character: 3 ms for a 500 KB attachment.
    """

    def search(self, s: str):
        end = "\r\n" if s.endswith("\r\n") else s[-1:] if s[-1:] in ("\r", "\n") else ""
        return _Found(end) if end else None


class _Found:
    __slots__ = ("_text",)

    def __init__(self, text: str):
        self._text = text

    def group(self, index: int = 0) -> str:
        return self._text


class _Lines(_fp.BufferedSubFile):
    """BufferedSubFile whose readline skips the end-of-part predicates for lines that cannot match them.

    The only predicates the feed parser pushes are a boundary regex (a match starts with '--') and
    NLCRE.match (starts with CR or LF), so any other first character is never a false EOF.
    """

    def readline(self):
        lines = self._lines
        if lines and (lines[0][:1] not in "-\r\n" or not self._eofstack):
            return lines.popleft()
        return super().readline()

    def __next__(self):  # the parser's per-line loops iterate; one call per line instead of two
        lines = self._lines
        if lines and (lines[0][:1] not in "-\r\n" or not self._eofstack):
            return lines.popleft()
        line = super().readline()
        if line == "":
            raise StopIteration
        return line

    def take_safe(self, out: list) -> None:
        """Move to `out` the leading lines that readline would return as they are, in bulk.

        Equivalent to calling readline until a line could be a false EOF: for a 500 KB base64
        attachment that is 6,500 lines the parser's loop no longer visits one at a time. The window
        grows while every line in it is safe, so a body full of '-' lines costs O(1) per line.
        """
        lines = self._lines
        if not self._eofstack:
            out.extend(lines)
            lines.clear()
            return
        step = 16
        while lines:
            window = list(islice(lines, step))
            if "" in window:  # an unread '' (seen at EOF) is never safe; leave it to readline
                return
            firsts = "".join(map(_FIRST, window))
            bad = _UNSAFE_START.search(firsts)
            safe = bad.start() if bad else len(window)
            out.extend(map(deque.popleft, repeat(lines, safe)))
            if bad:
                return
            step *= 4


class _FeedParser(_fp.FeedParser):
    def __init__(self, policy):
        super().__init__(policy=policy)
        self._input = _Lines()  # read by _parsegen only once parsing starts, so replacing it here is enough


# The stdlib generator's last loop (a leaf part's body) with readline's safe lines taken in bulk.
_BODY_LOOP = """\
    lines = []
    for line in self._input:
        if line is NeedMoreData:
            yield NeedMoreData
            continue
        lines.append(line)
    self._cur.set_payload(EMPTYSTRING.join(lines))
"""
_BULK_BODY_LOOP = _BODY_LOOP.replace("        lines.append(line)\n",
                                     "        lines.append(line)\n        self._input.take_safe(lines)\n")


def _stdlib_parsegen() -> types.FunctionType:
    """The stdlib generator, reading the module global NLCRE_eol from a namespace where it is _LineEnd;
    with the bulk body loop when this Python's source has the expected loop, else unchanged."""
    namespace = {**vars(_fp), "NLCRE_eol": _LineEnd()}
    try:
        source = textwrap.dedent(inspect.getsource(_fp.FeedParser._parsegen))
    except (OSError, TypeError):
        source = ""
    if source.endswith(_BODY_LOOP) and source.count(_BODY_LOOP) == 1:
        code = compile(source[: -len(_BODY_LOOP)] + _BULK_BODY_LOOP, _fp.__file__, "exec")
        exec(code, namespace)
        return namespace["_parsegen"]
    return types.FunctionType(_fp.FeedParser._parsegen.__code__, namespace, "_parsegen")


_FeedParser._parsegen = _stdlib_parsegen()


def parse_message(data: bytes) -> Message:
    """email.parser.BytesParser(policy=MIME_POLICY).parsebytes(data), with the faster feed parser."""
    text = data.decode("ascii", "surrogateescape")
    parser = _FeedParser(MIME_POLICY)
    for start in range(0, len(text), _CHUNK):
        parser.feed(text[start:start + _CHUNK])
    return parser.close()
