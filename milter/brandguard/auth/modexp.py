"""Modular exponentiation by OpenSSL's libcrypto (the RSA step of a DKIM check), builtin pow() otherwise."""
from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger("brandguard")

# Python's pow() needs 170 us for a 2048-bit RSA public-key step, libcrypto 15 us plus the calls; every
# signed message pays it once per signature. The numbers below bound the fast path to ordinary RSA keys;
# anything else (and a machine without libcrypto) goes to pow(), so results never differ.
MIN_BITS, MAX_BITS = 512, 16384
_P = ctypes.c_void_p


def _load():
    # PyDLL, not CDLL: keep the GIL over these microsecond calls. CDLL releases and retakes it around
    # every call, and each retake can wait behind the milter's callback threads.
    for name in ("libcrypto.so.3", ctypes.util.find_library("crypto")):
        if not name:
            continue
        try:
            lib = ctypes.PyDLL(name)
            for fn, res, args in (
                ("BN_new", _P, []), ("BN_free", None, [_P]), ("BN_CTX_new", _P, []), ("BN_CTX_free", None, [_P]),
                ("BN_bin2bn", _P, [ctypes.c_char_p, ctypes.c_int, _P]),
                ("BN_bn2binpad", ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_int]),
                ("BN_mod_exp", ctypes.c_int, [_P, _P, _P, _P, _P]),
            ):
                f = getattr(lib, fn)
                f.restype, f.argtypes = res, args
            return lib
        except (OSError, AttributeError):
            continue
    log.info("libcrypto not found: DKIM's RSA step uses Python's pow()")
    return None


_LIB = _load()


def _bn(value: int, size: int):
    bn = _LIB.BN_bin2bn(value.to_bytes(size, "big"), size, None)
    if not bn:
        raise MemoryError("BN_bin2bn")
    return bn


def _libcrypto_pow(base: int, exponent: int, modulus: int) -> int:
    size = (modulus.bit_length() + 7) // 8
    ctx = _LIB.BN_CTX_new()
    nums = []
    try:
        if not ctx:
            raise MemoryError("BN_CTX_new")
        for value in (base, exponent, modulus):
            nums.append(_bn(value, max(1, (value.bit_length() + 7) // 8)))
        result = _LIB.BN_new()
        if not result:
            raise MemoryError("BN_new")
        nums.append(result)
        buf = ctypes.create_string_buffer(size)
        if not _LIB.BN_mod_exp(result, nums[0], nums[1], nums[2], ctx) or _LIB.BN_bn2binpad(result, buf, size) != size:
            raise ArithmeticError("BN_mod_exp")
        return int.from_bytes(buf.raw, "big")
    finally:
        for bn in nums:
            _LIB.BN_free(bn)
        if ctx:
            _LIB.BN_CTX_free(ctx)


def modexp(base: int, exponent: int, modulus: int) -> int:
    """pow(base, exponent, modulus) for non-negative integers, by libcrypto for RSA-shaped arguments."""
    if (_LIB is not None and modulus & 1 and MIN_BITS <= modulus.bit_length() <= MAX_BITS
            and 0 < exponent < modulus and 0 <= base < modulus):
        try:
            return _libcrypto_pow(base, exponent, modulus)
        except (MemoryError, ArithmeticError, ctypes.ArgumentError):
            pass  # pow() below answers the same question
    return pow(base, exponent, modulus)
