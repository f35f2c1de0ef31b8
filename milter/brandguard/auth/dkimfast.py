"""Exact, faster equivalents of dkimpy helpers: byte/integer conversions, the RSA step, relaxed whitespace."""
from __future__ import annotations

import re

import dkim.canonicalization as _canon
import dkim.crypto as _crypto

from brandguard.auth.modexp import modexp

# dkimpy converts the signature and the RSA result between bytes and int with a Python loop over every
# byte: a third of a signature check. The replacements return the same values (bytearray included),
# truncate the same way when `length` is too short, and raise on a negative number as the originals do.
ORIGINAL_STR2INT = _crypto.str2int
ORIGINAL_INT2STR = _crypto.int2str
ORIGINAL_RSA_ENCRYPT = _crypto.rsa_encrypt
ORIGINAL_COMPRESS = _canon.compress_whitespace
ORIGINAL_STRIP_TRAILING = _canon.strip_trailing_whitespace
_RUNS = re.compile(b"[\t ]+")
_TRAILING = re.compile(b"[\t ]+\r\n")


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


def rsa_encrypt(message, pk, mlen: int) -> bytearray:
    """RSA public-key step of a signature check, as dkimpy's, with the exponentiation in libcrypto."""
    return int2str(modexp(str2int(message), pk["publicExponent"], pk["modulus"]), mlen)


# Relaxed body canonicalization rewrites every blank of the body, one regex match per word, although most
# bodies have nothing to change: no tab, no double blank, no blank before a line end. Then the content is
# returned as it is (the originals would return an equal copy).


def compress_whitespace(content: bytes) -> bytes:
    """Each run of tabs and spaces becomes one space."""
    if b"\t" not in content and b"  " not in content:
        return content
    return _RUNS.sub(b" ", content)


def strip_trailing_whitespace(content: bytes) -> bytes:
    """Tabs and spaces before each CRLF go."""
    if b" \r\n" not in content and b"\t\r\n" not in content:
        return content
    return _TRAILING.sub(b"\r\n", content)


def install() -> None:
    """Point dkimpy (which looks these names up in its modules at call time) to the fast versions."""
    _crypto.str2int = str2int
    _crypto.int2str = int2str
    _crypto.rsa_encrypt = rsa_encrypt
    _canon.compress_whitespace = compress_whitespace
    _canon.strip_trailing_whitespace = strip_trailing_whitespace
