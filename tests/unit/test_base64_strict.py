"""pybase64's validating decoder takes and refuses exactly what binascii's strict mode does (content/walk.py)."""
from __future__ import annotations

import base64
import binascii
import random
from email.message import Message

import pybase64
import pytest

from brandguard.content.walk import decoded_payload

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_JUNK = _ALPHABET + b" -_!.\t\x00\xff"


def _strict(data: bytes) -> bytes | None:
    try:
        return binascii.a2b_base64(data, strict_mode=True)
    except binascii.Error:
        return None


def _fast(data: bytes) -> bytes | None:
    try:
        return pybase64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None


def _cases(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    out: list[bytes] = []
    while len(out) < count:
        if rng.random() < 0.4:  # real base64, sometimes with one character spoilt
            s = base64.b64encode(rng.randbytes(rng.randrange(0, 40)))
            if s and rng.random() < 0.7:
                i = rng.randrange(len(s))
                s = s[:i] + bytes([rng.choice(_JUNK)]) + s[i + 1:]
        else:  # arbitrary quanta of the alphabet, padding anywhere
            s = bytes(rng.choice(_ALPHABET if rng.random() < 0.85 else _JUNK) for _ in range(4 * rng.randrange(0, 5)))
        if len(s) % 4 == 0:
            out.append(s)
    return out


@pytest.mark.parametrize("data", [
    pytest.param(b"", id="empty"),
    pytest.param(b"YQ==", id="padded"),
    pytest.param(b"YR==", id="non-zero-padding-bits"),
    pytest.param(b"Y===", id="too-much-padding"),
    pytest.param(b"YQ==YQ==", id="data-after-padding"),
    pytest.param(b"=YQ=", id="leading-padding"),
    pytest.param(b"YW Jj", id="space"),
    pytest.param(b"YW-j", id="urlsafe-character"),
])
def test_edge_cases_agree(data: bytes) -> None:
    assert _fast(data) == _strict(data)


def test_random_quanta_agree() -> None:
    disagree = [c for c in _cases(17, 20_000) if _fast(c) != _strict(c)]
    assert disagree == []


def _part(payload: str) -> Message:
    m = Message()
    m["Content-Type"] = "application/octet-stream"
    m["Content-Transfer-Encoding"] = "base64"
    m.set_payload(payload)
    return m


@pytest.mark.parametrize("payload", [
    pytest.param(base64.encodebytes(bytes(range(256)) * 40).decode().replace("\n", "\r\n"), id="crlf-lines"),
    pytest.param("YWJj\r\nZA==\r\n", id="short"),
    pytest.param("YWJj\r\nZA\r\n", id="missing-padding"),
    pytest.param("YWJj ZA==\r\n", id="stray-space"),
    pytest.param("YWJjZA==\r\nYQ==\r\n", id="padding-mid-way"),
])
def test_decoded_payload_is_the_stdlib_s(payload: str) -> None:
    assert decoded_payload(_part(payload)) == _part(payload).get_payload(decode=True)
