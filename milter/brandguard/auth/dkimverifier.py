"""dkimpy's DKIM and ARC verifiers, subclassed: one parse per message, body canonicalized once, RSA step by GMP."""
from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import dkim
import gmpy2
import nacl.exceptions
from dkim.canonicalization import (
    CanonicalizationPolicy,
    InvalidCanonicalizationPolicyError,
    Relaxed,
    correct_empty_body,
    strip_trailing_lines,
)
from dkim.crypto import HASH_ALGORITHMS, DigestTooLargeError, EMSA_PKCS1_v1_5_encode

# verify_sig, verify_sig_process and arc_verify below are copies of dkimpy's own (dkim/__init__.py: DomainSigner's
# methods, the module function) at this version, changed only where they say. pyproject.toml pins dkimpy to
# it, and tests/unit/auth/test_dkimverifier.py fails when the installed dkimpy differs: re-read upstream's
# code before moving the pin. Nothing inside dkimpy is replaced; other users of dkim.DKIM are unaffected.
DKIMPY_VERSION = "1.1.8"

_BLANK_RUNS = re.compile(b"[\t ]+")  # dkimpy's compress_whitespace pattern
_TRAILING_BLANKS = re.compile(b"[\t ]+\r\n")  # dkimpy's strip_trailing_whitespace pattern

# dkimpy's parsed headers (rfc822_parse): [name, value] lists, in message order
Headers = list[list[bytes]]
# dkimpy's ARC result per instance: "instance" (int), "as-domain", "aar-value", ... (bytes)
ArcSet = dict[str, Any]


class BodyHashMismatch(dkim.ValidationError):  # type: ignore[misc]  # dkimpy has no type information
    """bh= does not match the canonical body: dkimpy's ValidationError, as a type callers can catch."""


class _FastSignatureCheck:
    """The signature check shared by DKIM-Signature, ARC-Message-Signature and ARC-Seal (dkimpy's
    DomainSigner.verify_sig_process), computing dkimpy's results at less cost: the relaxed body rules
    skip bodies that have nothing to rewrite, each canonical body is computed once for all signatures,
    and the RSA public-key step uses gmpy2.powmod (GMP) instead of pow() with dkimpy's byte-by-byte
    integer conversions (0.15 ms per 2048-bit signature)."""

    # set by dkimpy's DomainSigner, which the subclasses below join: declared for the type checker only
    body: bytes
    headers: Headers
    signed_headers: list[bytes]
    tlsrpt: bool | str
    seqtlsrpt: bool
    debug_content: bool
    logger: logging.Logger
    ktag: bytes
    pk: Any  # RSA: {'modulus': int, 'publicExponent': int}; ed25519: a nacl VerifyKey
    keysize: int
    minkey: int
    timeout: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._canonical: dict[type, tuple[bytes, bytes]] = {}  # algorithm -> (body, its canonical form)

    def canonical_body(self, policy: CanonicalizationPolicy) -> bytes:
        """policy.canonicalize_body(self.body), remembered per algorithm while the body stays the same."""
        algorithm = policy.body_algorithm
        known = self._canonical.get(algorithm)
        if known is not None and known[0] is self.body:
            return known[1]
        if algorithm is Relaxed:
            value = _relaxed_body(self.body)
        else:
            value = policy.canonicalize_body(self.body)
        self._canonical[algorithm] = (self.body, value)
        return value

    def verify_sig(self, sig: dict[bytes, bytes], include_headers: list[bytes], sig_header: Sequence[bytes],
                   dnsfunc: Callable[..., bytes | None]) -> bool:
        """dkimpy 1.1.8's method; changed: load_pk_from_dns (lookup, then evaluate_pk) inlined, the parse of a
        key record remembered (the same few selectors sign most mail; 35 us per 2048-bit key)."""
        name = sig[b's'] + b"._domainkey." + sig[b'd'] + b"."
        try:
            self.pk, self.keysize, self.ktag, self.seqtlsrpt = _evaluate_pk(name, dnsfunc(name, timeout=self.timeout))
        except dkim.KeyFormatError as e:
            self.logger.error("%s", e)  # changed in the three: the same text, formatted by logging
            return False
        except binascii.Error as e:
            self.logger.error("KeyFormatError: %s", e)
            return False
        except dkim.DnsTimeoutError as e:
            self.logger.error("DnsTimeoutError: Domain: %r Selector: %r Error message: %s", sig[b'd'], sig[b's'], e)
            return False
        return self.verify_sig_process(sig, include_headers, sig_header, dnsfunc)

    def verify_sig_process(self, sig: dict[bytes, bytes], include_headers: list[bytes], sig_header: Sequence[bytes],
                           dnsfunc: Callable[..., bytes | None]) -> bool:
        """dkimpy 1.1.8's method; changed: canonical body, BodyHashMismatch, RSA step, lazy debug logging."""
        if self.tlsrpt == 'strict' and not self.seqtlsrpt:
            raise dkim.ValidationError("Message is tlsrpt and Service Type is not tlsrpt")
        if not self.tlsrpt and self.seqtlsrpt:
            raise dkim.ValidationError("Message is not tlsrpt and Service Type is tlsrpt")
        try:
            canon_policy = CanonicalizationPolicy.from_c_value(sig.get(b'c', b'simple/simple'))
        except InvalidCanonicalizationPolicyError as e:
            raise dkim.MessageFormatError(f"invalid c= value: {e.args[0]}") from e
        hasher = HASH_ALGORITHMS[sig[b'a']]
        if b'bh' in sig:
            h = dkim.HashThrough(hasher(), self.debug_content)
            body = self.canonical_body(canon_policy)  # changed: was canon_policy.canonicalize_body(self.body)
            if b'l' in sig and not self.tlsrpt:
                body = body[:int(sig[b'l'])]
            h.update(body)
            if self.debug_content:
                self.logger.debug("body hashed: %r", h.hashed())
            bodyhash = h.digest()
            self.logger.debug("bh: %s", base64.b64encode(bodyhash))
            try:
                bh = base64.b64decode(re.sub(br"\s+", b"", sig[b'bh']))
            except TypeError as e:
                raise dkim.MessageFormatError(str(e)) from e
            if bodyhash != bh:
                raise BodyHashMismatch(  # changed: was dkim.ValidationError
                    f"body hash mismatch (got {base64.b64encode(bodyhash)!r}, expected {sig[b'bh']!r})")
        if b'from' in include_headers:
            include_headers.append(b'from')
        h = dkim.HashThrough(hasher(), self.debug_content)
        headers = canon_policy.canonicalize_headers(self.headers)
        self.signed_headers = dkim.hash_headers(h, canon_policy, headers, include_headers, sig_header, sig)
        if self.debug_content:
            self.logger.debug("signed for %s: %r", sig_header[0], h.hashed())
        signature = base64.b64decode(re.sub(br"\s+", b"", sig[b'b']))
        if self.ktag == b'rsa':
            try:
                res = rsassa_pkcs1_v1_5_verify(h, signature, self.pk)  # changed: was dkimpy's
                self.logger.debug("%s valid: %s", sig_header[0], res)
                if res and self.keysize < self.minkey:
                    raise dkim.KeyFormatError(f"public key too small: {self.keysize:d}")
                return res
            except (TypeError, DigestTooLargeError) as e:
                raise dkim.KeyFormatError(f"digest too large for modulus: {e}") from e
        elif self.ktag == b'ed25519':
            try:
                self.pk.verify(h.digest(), signature)
                self.logger.debug("%s valid", sig_header[0])
                return True
            except nacl.exceptions.BadSignatureError:
                return False
        else:
            raise dkim.UnknownKeyTypeError(self.ktag)


class Verifier(_FastSignatureCheck, dkim.DKIM):  # type: ignore[misc]  # dkimpy has no type information
    """dkim.DKIM for verification of a message parsed beforehand (headers as dkim.rfc822_parse gives them).

    verify(idx) gives dkim.DKIM(message).verify(idx)'s result for every signature
    (tests/unit/auth/test_dkim_speed.py), without parsing the message again for each.
    """

    def __init__(self, headers: Headers, body: bytes, *, logger: logging.Logger, minkey: int) -> None:
        super().__init__(None, logger=logger, minkey=minkey)
        self.headers, self.body = headers, body

    def use_headers(self, headers: Headers) -> None:
        """Verify the next signature against `headers` (a subset that keeps every DKIM-Signature)."""
        self.headers = headers


class ArcVerifier(_FastSignatureCheck, dkim.ARC):  # type: ignore[misc]  # dkimpy has no type information
    """dkim.ARC with the faster signature check; verify() gives dkim.ARC's results."""


def arc_verify(message: bytes, logger: logging.Logger | None, dnsfunc: Callable[..., bytes | None],
               minkey: int = 1024) -> tuple[bytes, list[ArcSet], str]:
    """dkim.arc_verify(message, logger=logger, dnsfunc=dnsfunc, minkey=minkey), through ArcVerifier."""
    try:  # dkimpy 1.1.8's arc_verify, with ArcVerifier for dkim.ARC
        verified: tuple[bytes, list[ArcSet], str] = ArcVerifier(
            message, logger=logger, minkey=minkey, timeout=5).verify(dnsfunc=dnsfunc)
        return verified
    except dkim.DKIMException as x:
        if logger is not None:
            logger.error("%s", x)
        return dkim.CV_Fail, [], str(x)


@lru_cache(maxsize=512)
def _evaluate_pk_of(name: bytes, record: bytes | str | None) -> tuple[Any, int, bytes, Any]:
    return dkim.evaluate_pk(name, record)  # type: ignore[no-any-return]


def _evaluate_pk(name: bytes, record: object) -> tuple[Any, int, bytes, Any]:
    """dkim.evaluate_pk(name, record), a pure function of its arguments: the keys it returns are only read."""
    if isinstance(record, (bytes, str)) or record is None:
        return _evaluate_pk_of(name, record)
    return dkim.evaluate_pk(name, record)  # type: ignore[no-any-return]


def _relaxed_body(body: bytes) -> bytes:
    """Relaxed.canonicalize_body(body); most bodies have no tab, double blank or blank before CRLF, and then
    the two whitespace rewrites (a regex match per word) would return the body unchanged."""
    if b"\t" in body or b"  " in body or b" \r\n" in body:
        body = _BLANK_RUNS.sub(b" ", _TRAILING_BLANKS.sub(b"\r\n", body))
    canonical: bytes = correct_empty_body(strip_trailing_lines(body))
    return canonical


def rsassa_pkcs1_v1_5_verify(hash_obj: object, signature: bytes, public_key: dict[str, int]) -> bool:
    """dkim.crypto.RSASSA_PKCS1_v1_5_verify with the same result and exceptions, the arithmetic by GMP.

    dkimpy computes int2str(pow(str2int(signature), e, n), len(int2str(n))); the result is below n,
    so it always fills exactly that many bytes.
    """
    modulus, exponent = public_key['modulus'], public_key['publicExponent']
    modlen = max(1, (modulus.bit_length() + 7) // 8)  # len(int2str(modulus))
    encoded_digest: bytes = EMSA_PKCS1_v1_5_encode(hash_obj, modlen)  # raises DigestTooLargeError first, as dkimpy
    value = int(gmpy2.powmod(int.from_bytes(signature, "big"), exponent, modulus))
    return encoded_digest == value.to_bytes(modlen, "big")
