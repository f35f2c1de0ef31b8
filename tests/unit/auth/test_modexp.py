"""libcrypto's modular exponentiation gives exactly pow()'s results, and pow() answers whatever it declines."""
from __future__ import annotations

import ctypes
import random

import pytest

from brandguard.auth import modexp


def _odd_modulus(rng: random.Random, bits: int) -> int:
    return rng.getrandbits(bits) | (1 << (bits - 1)) | 1


def test_libcrypto_is_loaded_without_releasing_the_gil():
    assert isinstance(modexp._LIB, ctypes.PyDLL)  # Debian always has libcrypto: its absence is a bug here


@pytest.mark.parametrize("bits", [pytest.param(b, id=f"{b}-bit") for b in (512, 1024, 1536, 2048, 3072, 4096)])
def test_rsa_shaped_arguments_match_pow(bits):
    rng = random.Random(bits)
    for _ in range(25):
        n = _odd_modulus(rng, bits)
        for e in (3, 65537, rng.randrange(2, n)):
            m = rng.randrange(0, n)
            assert modexp.modexp(m, e, n) == pow(m, e, n)


def test_edge_values_match_pow():
    rng = random.Random(1)
    n = _odd_modulus(rng, 2048)
    for m in (0, 1, 2, n - 1, n - 2):
        for e in (1, 2, 3, 65537, n - 1):
            assert modexp.modexp(m, e, n) == pow(m, e, n)


@pytest.mark.parametrize("base,exponent,modulus", [
    pytest.param(5, 65537, 2**2048, id="even-modulus"),
    pytest.param(2**2049 + 7, 65537, 2**2047 + 1, id="base-not-reduced"),
    pytest.param(7, 0, 2**2047 + 1, id="zero-exponent"),
    pytest.param(7, 2**2050, 2**2047 + 1, id="exponent-above-modulus"),
    pytest.param(12345, 65537, 1000003, id="small-modulus"),
    pytest.param(3, 65537, 1, id="modulus-one"),
    pytest.param(3, 65537, (1 << 20000) + 1, id="huge-modulus"),
])
def test_arguments_outside_the_fast_path_go_to_pow(base, exponent, modulus):
    assert modexp.modexp(base, exponent, modulus) == pow(base, exponent, modulus)


def test_without_libcrypto_pow_answers(monkeypatch):
    monkeypatch.setattr(modexp, "_LIB", None)
    n = _odd_modulus(random.Random(2), 2048)
    assert modexp.modexp(12345, 65537, n) == pow(12345, 65537, n)


def test_a_libcrypto_failure_falls_back_to_pow(monkeypatch):
    def broken(*_):
        raise ArithmeticError("BN_mod_exp")

    monkeypatch.setattr(modexp, "_libcrypto_pow", broken)
    n = _odd_modulus(random.Random(3), 2048)
    assert modexp.modexp(98765, 65537, n) == pow(98765, 65537, n)
