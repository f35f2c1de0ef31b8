"""The dkimpy subclass: pinned to the dkimpy it copies, leaves dkimpy itself alone, computes dkimpy's results."""
from __future__ import annotations

import hashlib
import random
import tomllib
from importlib import metadata
from pathlib import Path

import dkim
import dkim.canonicalization
import dkim.crypto
import pytest
from dkim.canonicalization import Relaxed
from dkim.crypto import RSASSA_PKCS1_v1_5_sign, RSASSA_PKCS1_v1_5_verify, parse_pem_private_key

import brandguard.auth.arc  # noqa: F401 - imported for the check that nothing in dkimpy is replaced
import brandguard.auth.dkim  # noqa: F401
from brandguard.auth import dkimverifier
from brandguard.auth.dkim import KeyFetcher
from brandguard.auth.dkimverifier import BodyHashMismatch, Verifier
from fixtures.dns import FakeResolver, Zones

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"


def test_installed_dkimpy_is_the_version_the_subclass_copies():
    # Verifier.verify_sig_process is dkimpy's method of that version: another dkimpy needs it re-read
    assert metadata.version("dkimpy") == dkimverifier.DKIMPY_VERSION
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    assert f"dkimpy=={dkimverifier.DKIMPY_VERSION}" in deps


@pytest.mark.parametrize("module,name", [
    pytest.param(dkim.crypto, "str2int", id="str2int"), pytest.param(dkim.crypto, "int2str", id="int2str"),
    pytest.param(dkim.crypto, "rsa_encrypt", id="rsa_encrypt"),
    pytest.param(dkim, "RSASSA_PKCS1_v1_5_verify", id="RSASSA_PKCS1_v1_5_verify"),
    pytest.param(dkim.canonicalization, "compress_whitespace", id="compress_whitespace"),
    pytest.param(dkim.canonicalization, "strip_trailing_whitespace", id="strip_trailing_whitespace"),
    pytest.param(dkim.DKIM, "verify_sig_process", id="DKIM.verify_sig_process"),
])
def test_importing_brandguard_replaces_nothing_in_dkimpy(module, name):
    assert getattr(module, name).__module__.startswith("dkim")


def test_body_hash_mismatch_is_dkimpys_validation_error():
    assert issubclass(BodyHashMismatch, dkim.ValidationError)


class _Digest:
    """A hash object as dkimpy's RSA functions read it (name, digest)."""

    def __init__(self, data: bytes, name: str = "sha256"):
        self._h = hashlib.new(name, data)
        self.name = name

    def digest(self) -> bytes:
        return self._h.digest()


def _outcome(call, *args, **kwargs):
    try:
        return ("ok", call(*args, **kwargs))
    except Exception as exc:  # the exception is part of the result being compared
        return ("raised", type(exc), str(exc))


def test_rsa_step_of_a_real_signature_matches_dkimpy(rsa_key):
    private = parse_pem_private_key(rsa_key.private)
    public = {"modulus": private["modulus"], "publicExponent": private["publicExponent"]}
    for i in range(5):
        digest = _Digest(b"message %d" % i)
        signature = bytes(RSASSA_PKCS1_v1_5_sign(digest, private))
        assert dkimverifier.rsassa_pkcs1_v1_5_verify(digest, signature, public) is True
        n = public["modulus"]
        # the same value plus the modulus, or with a leading zero byte: dkimpy reduces and accepts both
        for variant in (int.from_bytes(signature, "big") + n, b"\x00" + signature, signature[:-1], b""):
            sig = variant.to_bytes((variant.bit_length() + 7) // 8, "big") if isinstance(variant, int) else variant
            assert (_outcome(dkimverifier.rsassa_pkcs1_v1_5_verify, digest, sig, public)
                    == _outcome(RSASSA_PKCS1_v1_5_verify, digest, sig, public))


@pytest.mark.parametrize("bits", [pytest.param(b, id=f"{b}-bit") for b in (8, 256, 400, 1024, 2048, 4096)])
def test_rsa_step_on_random_numbers_matches_dkimpy(bits):
    rng = random.Random(bits)
    for _ in range(20):
        n = rng.getrandbits(bits) | (1 << (bits - 1))  # even moduli too: dkimpy does not care
        for e in (0, 1, 3, 65537, rng.getrandbits(bits + 8)):
            pk = {"modulus": n, "publicExponent": e}
            digest, sig = _Digest(rng.randbytes(8), rng.choice(["sha256", "sha1"])), rng.randbytes(bits // 8 + 1)
            assert (_outcome(dkimverifier.rsassa_pkcs1_v1_5_verify, digest, sig, pk)
                    == _outcome(RSASSA_PKCS1_v1_5_verify, digest, sig, pk))


@pytest.mark.parametrize("body", [
    pytest.param(b"", id="empty"), pytest.param(b"plain text\r\n", id="nothing-to-do"),
    pytest.param(b"two  blanks\r\n", id="double-space"), pytest.param(b"tab\there\r\n", id="tab"),
    pytest.param(b"trailing \r\nand\t\r\n", id="trailing"), pytest.param(b" \t \t\r\n\r\n", id="only-blanks"),
    pytest.param(b"bare\nLF  \n", id="bare-lf"), pytest.param(b"\r\n \r\n", id="blank-line"),
    pytest.param(b"\r\n", id="one-empty-line"), pytest.param(b"no line end", id="no-line-end")])
def test_relaxed_body_matches_dkimpy(body):
    assert dkimverifier._relaxed_body(body) == Relaxed.canonicalize_body(body)


def test_relaxed_body_matches_dkimpy_on_random_bytes():
    rng = random.Random(10)
    for _ in range(5000):
        body = bytes(rng.choice(b"ab \t\r\n") for _ in range(rng.randrange(0, 40)))
        assert dkimverifier._relaxed_body(body) == Relaxed.canonicalize_body(body), body


def test_canonical_body_follows_a_new_body():
    policy = dkim.canonicalization.CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
    verifier = Verifier([], b"a  b\r\n", logger=brandguard.auth.dkim._dkimpy_log, minkey=1024)
    assert verifier.canonical_body(policy) == b"a b\r\n"
    verifier.body = b"c\t\td\r\n\r\n"
    assert verifier.canonical_body(policy) == b"c d\r\n"


def _arc_chain(rsa_key, list_key, message: bytes) -> bytes:
    received = b"Authentication-Results: lists.example.org; dkim=pass header.d=example.com\r\n" + rsa_key.sign(message)
    return list_key.arc_seal(received.replace(b"attached.\r\n", b"attached.\r\n-- \r\nlist  footer\t\r\n"),
                             "lists.example.org")


@pytest.mark.parametrize("case", ["unsealed", "one-hop", "two-hops", "body-tampered", "header-tampered",
                                  "key-missing", "key-too-small", "seal-garbled"])
def test_arc_verify_matches_dkimpy(rsa_key, list_key, message, case):
    raw, minkey, zones = _arc_chain(rsa_key, list_key, message), 1024, Zones().dkim(rsa_key).dkim(list_key)
    if case == "unsealed":
        raw = message
    elif case == "two-hops":
        raw = list_key.arc_seal(b"Authentication-Results: lists.example.org; arc=pass\r\n" + raw, "lists.example.org")
    elif case == "body-tampered":
        raw = raw.replace(b"list  footer", b"list footer!")
    elif case == "header-tampered":
        raw = raw.replace(b"Subject: invoice", b"Subject: refund")
    elif case == "key-missing":
        zones = Zones().dkim(rsa_key)
    elif case == "key-too-small":
        minkey = 4096
    elif case == "seal-garbled":
        raw = raw.replace(b"ARC-Seal: i=1;", b"ARC-Seal: i=1; i=2;", 1)

    def run(verify):
        fetch = KeyFetcher(FakeResolver(zones))
        return _outcome(verify, raw, logger=brandguard.auth.dkim._dkimpy_log, dnsfunc=fetch, minkey=minkey)

    assert run(dkimverifier.arc_verify) == run(dkim.arc_verify)
