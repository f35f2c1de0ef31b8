"""Attachments a scanner cannot read but the reader can open with a password: encrypted ZIP and PDF, 7z and RAR."""
from __future__ import annotations

import io
import zipfile

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_7Z_MAGIC = b"7z\xbc\xaf\x27\x1c"
_RAR_MAGIC = b"Rar!\x1a\x07"
_PDF_TRAILER = 64 * 1024  # the encryption dictionary sits in the trailer (or the xref stream) at the end


def locked_kind(data: bytes) -> str:
    """'zip' or 'pdf' when the file is password-protected, '7z' or 'rar' for archives read by nothing here
    (their encryption shows only inside), '' otherwise."""
    head = data[:8]
    if head.startswith(_ZIP_MAGIC):
        return "zip" if _zip_encrypted(data) else ""
    if head.startswith(_7Z_MAGIC):
        return "7z"
    if head.startswith(_RAR_MAGIC):
        return "rar"
    if head.startswith(b"%PDF-"):
        return "pdf" if b"/Encrypt" in data[-_PDF_TRAILER:] else ""
    return ""


def _zip_encrypted(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            # bit 0 of the general-purpose flags: the entry is encrypted (APPNOTE 4.4.4)
            return any(info.flag_bits & 0x1 for info in zf.infolist()[:1000])
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return False
