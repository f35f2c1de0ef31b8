"""dkimpy's byte-string/integer conversions, replaced by exact equivalents built on int.from_bytes/to_bytes."""
from __future__ import annotations

import dkim.crypto as _crypto

# dkimpy converts the signature and the RSA result between bytes and int with a Python loop over every
# byte: a third of a signature check. The replacements return the same values (bytearray included),
# truncate the same way when `length` is too short, and raise on a negative number as the originals do.
ORIGINAL_STR2INT = _crypto.str2int
ORIGINAL_INT2STR = _crypto.int2str


def str2int(s) -> int:
    """Big-endian unsigned integer of a byte string (anything bytearray() takes, as the original)."""
    return int.from_bytes(bytearray(s), "big")


def int2str(n: int, length: int = -1) -> bytearray:
    """Big-endian bytes of n: the fewest (at least one) when length < 0, else exactly `length`.

    Like the original, a number too wide for `length` keeps only its low-order `length` bytes.
    """
    assert n >= 0
    if length < 0:
        return bytearray(n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big"))
    return bytearray((n & ((1 << (8 * length)) - 1)).to_bytes(length, "big"))


def install() -> None:
    """Point dkimpy's RSA code (it looks both names up in dkim.crypto at call time) to the fast versions."""
    _crypto.str2int = str2int
    _crypto.int2str = int2str
