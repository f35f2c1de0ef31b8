"""Locked attachments: encrypted ZIP (ZipCrypto made by Info-ZIP's `zip -P`), encrypted PDF, 7z and RAR."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from brandguard.content.locked import locked_kind

DATA = Path(__file__).parent / "data"


def _plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("invoice.txt", "Invoice 1")
    return buf.getvalue()


@pytest.mark.parametrize(
    "data, kind",
    [
        pytest.param((DATA / "encrypted-zipcrypto.zip").read_bytes(), "zip", id="zip-with-password"),
        pytest.param(_plain_zip(), "", id="zip-without-password"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 40, "", id="broken-zip"),
        pytest.param(b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<</Root 1 0 R/Encrypt 5 0 R>>\n%%EOF", "pdf",
                     id="pdf-with-encrypt-dictionary"),
        pytest.param(b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF", "", id="plain-pdf"),
        pytest.param(b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 30, "7z", id="7z"),
        pytest.param(b"Rar!\x1a\x07\x01\x00" + b"\x00" * 30, "rar", id="rar5"),
        pytest.param(b"\x89PNG\r\n\x1a\n", "", id="picture"),
        pytest.param(b"", "", id="empty"),
    ],
)
def test_locked_kind(data, kind):
    assert locked_kind(data) == kind
