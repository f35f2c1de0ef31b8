"""Address-list parsing that is safe on hostile headers (the stdlib recurses on nested comments)."""
from __future__ import annotations

from email.utils import getaddresses
from functools import lru_cache

MAX_VALUE_CHARS = 16_384
MAX_NESTING = 32
MEMO_CHARS = 1024  # usual From/To/Reply-To sizes; the memo holds at most 512 of them (< 1 MB)


def nesting_depth(value: str) -> int:
    depth = deepest = 0
    for ch in value:
        if ch in "(<:":  # comments, angle addresses and groups all recurse in the stdlib parser
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")>;" and depth:
            depth -= 1
    return deepest


def parse_addresses(values: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """(display name, address) pairs; [] when a value is too long or too deeply nested to parse safely.

    email.utils.getaddresses recurses once per nested comment or group, so a From header of a few
    thousand '(' raises RecursionError; such a header is unparseable by definition.
    """
    safe = tuple(v for v in values if v is not None)
    if sum(map(len, safe)) <= MEMO_CHARS:
        return list(_parse_memo(safe))
    return list(_parse(safe))


def _parse(safe: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    if any(len(v) > MAX_VALUE_CHARS or nesting_depth(v) > MAX_NESTING for v in safe):
        return ()
    try:
        return tuple(getaddresses(list(safe)))
    except RecursionError:  # a shape the depth count above did not foresee: still unparseable, not a crash
        return ()


# One message's From and Reply-To are parsed by several checks, and the stdlib parser is slow
_parse_memo = lru_cache(maxsize=512)(_parse)
