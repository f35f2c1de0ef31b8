"""The fast dkimpy helpers give exactly the original results."""
from __future__ import annotations

import random

import pytest

from brandguard.auth import dkimfast


def _numbers():
    rng = random.Random(8)
    yield from (0, 1, 255, 256, 65535, 65536, 2**2048 - 1, 2**2048)
    for bits in (7, 8, 9, 1023, 1024, 2047, 2048, 4096):
        yield from (rng.getrandbits(bits) for _ in range(20))


@pytest.mark.parametrize("length", [pytest.param(-1, id="shortest"), pytest.param(0, id="zero"),
                                    pytest.param(1, id="one-byte"), pytest.param(128, id="1024-bit"),
                                    pytest.param(256, id="2048-bit"), pytest.param(300, id="padded")])
def test_int2str_matches_dkimpy_including_truncation(length):
    for n in _numbers():
        got, want = dkimfast.int2str(n, length), dkimfast.ORIGINAL_INT2STR(n, length)
        assert got == want and type(got) is type(want), (n, length)


def test_str2int_matches_dkimpy():
    rng = random.Random(9)
    samples = [b"", b"\x00", b"\x00\x00\x01", bytearray(b"\xff" * 300), [1, 2, 3]]
    samples += [rng.randbytes(rng.randrange(0, 600)) for _ in range(200)]
    for s in samples:
        assert dkimfast.str2int(s) == dkimfast.ORIGINAL_STR2INT(s)


def test_rsa_step_matches_dkimpy():
    rng = random.Random(11)
    for bits in (1024, 2048):
        for _ in range(20):
            n = rng.getrandbits(bits) | (1 << (bits - 1)) | 1
            pk = {"modulus": n, "publicExponent": 65537}
            sig = rng.randbytes(bits // 8 - rng.randrange(0, 3))
            mlen = len(dkimfast.ORIGINAL_INT2STR(n))
            got, want = dkimfast.rsa_encrypt(sig, pk, mlen), dkimfast.ORIGINAL_RSA_ENCRYPT(sig, pk, mlen)
            assert got == want and type(got) is type(want)


def test_negative_numbers_still_refused():
    with pytest.raises(AssertionError):
        dkimfast.int2str(-1)


@pytest.mark.parametrize("content", [
    pytest.param(b"", id="empty"), pytest.param(b"plain text\r\n", id="nothing-to-do"),
    pytest.param(b"two  blanks\r\n", id="double-space"), pytest.param(b"tab\there\r\n", id="tab"),
    pytest.param(b"trailing \r\nand\t\r\n", id="trailing"), pytest.param(b" \t \t\r\n\r\n", id="only-blanks"),
    pytest.param(b"bare\nLF  \n", id="bare-lf"), pytest.param(b"\r\n \r\n", id="blank-line")])
def test_whitespace_rules_match_dkimpy(content):
    assert dkimfast.compress_whitespace(content) == dkimfast.ORIGINAL_COMPRESS(content)
    assert dkimfast.strip_trailing_whitespace(content) == dkimfast.ORIGINAL_STRIP_TRAILING(content)


def test_whitespace_rules_match_dkimpy_on_random_bytes():
    rng = random.Random(10)
    for _ in range(3000):
        content = bytes(rng.choice(b"ab \t\r\n") for _ in range(rng.randrange(0, 40)))
        assert dkimfast.compress_whitespace(content) == dkimfast.ORIGINAL_COMPRESS(content)
        assert dkimfast.strip_trailing_whitespace(content) == dkimfast.ORIGINAL_STRIP_TRAILING(content)


def test_installed_for_dkimpy():
    import dkim.canonicalization
    import dkim.crypto

    import brandguard.auth.dkim  # noqa: F401 - installs on import

    assert dkim.crypto.int2str is dkimfast.int2str and dkim.crypto.str2int is dkimfast.str2int
    assert dkim.crypto.rsa_encrypt is dkimfast.rsa_encrypt
    assert dkim.canonicalization.compress_whitespace is dkimfast.compress_whitespace
    assert dkim.canonicalization.strip_trailing_whitespace is dkimfast.strip_trailing_whitespace
