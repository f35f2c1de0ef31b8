"""Generates the malformed messages too big to commit (50 MB body, 1,000 parts, bombs), at test time."""
# As a module: generate(name) / NAMES (tests/unit/test_malformed.py, tests/faults/test_malformed_smtp.py).
# As a script: python tests/data/malformed/make_catalogue.py OUTDIR [NAME...]
from __future__ import annotations

import base64
import io
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

MB = 1 << 20
USAGE = "usage: make_catalogue.py OUTDIR [NAME...]"
_HEAD = (b"From: Norton Billing <billing@example.org>\r\nTo: bob@example.net\r\nSubject: %s\r\n"
         b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <%s@example.org>\r\nMIME-Version: 1.0\r\n")
_LURE = b"Your Norton subscription renews today for $399. To cancel call 1-888-555-0142.\r\n"


def _head(name: str) -> bytes:
    return _HEAD % (name.encode(), name.encode())


def _zeros_deflated(size: int) -> bytes:
    """`size` zero bytes through zlib, built chunk by chunk so the generator itself stays small."""
    comp, chunk = zlib.compressobj(9), bytes(MB)
    return b"".join(comp.compress(chunk) for _ in range(size // MB)) + comp.flush()


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF with a correct xref table, so pypdf takes the normal path rather than its repair path."""
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _attach(name: str, ctype: str, filename: str, payload: bytes) -> bytes:
    return (_head(name) + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
            + _LURE + b"--b\r\nContent-Type: " + ctype.encode() + b'\r\nContent-Disposition: attachment; filename="'
            + filename.encode() + b'"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            + base64.encodebytes(payload).replace(b"\n", b"\r\n") + b"--b--\r\n")


def body_50mb() -> bytes:
    """A 50 MB text body: the milter keeps body_scan_limit bytes, scan must not analyse the rest."""
    line = _LURE
    return _head("body-50mb") + b"Content-Type: text/plain\r\n\r\n" + line * (50 * MB // len(line) + 1)


def parts_1000() -> bytes:
    parts = b"".join(b"--p\r\nContent-Type: text/plain\r\n\r\npart %d: " % i + _LURE for i in range(1000))
    return _head("parts-1000") + b'Content-Type: multipart/mixed; boundary="p"\r\n\r\n' + parts + b"--p--\r\n"


def nested_100() -> bytes:
    """multipart nested 100 deep (ContentSettings.max_depth stops the walk long before)."""
    depth = 100
    out = _head("nested-100") + b'Content-Type: multipart/mixed; boundary="n0"\r\n\r\n'
    for i in range(1, depth):
        out += b'--n%d\r\nContent-Type: multipart/mixed; boundary="n%d"\r\n\r\n' % (i - 1, i)
    out += b"--n%d\r\nContent-Type: text/plain\r\n\r\n" % (depth - 1) + _LURE
    for i in range(depth - 1, -1, -1):
        out += b"--n%d--\r\n" % i
    return out


def rfc822_nested_100() -> bytes:
    """message/rfc822 inside message/rfc822, 100 deep: forwarded-as-attachment chains."""
    inner = b"From: deep@example.com\r\nSubject: level 100\r\n\r\n" + _LURE
    for i in range(99, 0, -1):
        head = b"From: level%d@example.com\r\nSubject: level %d\r\n" % (i, i)
        inner = head + b"Content-Type: message/rfc822\r\n\r\n" + inner
    return _head("rfc822-nested-100") + b"Content-Type: message/rfc822\r\n\r\n" + inner


def huge_header() -> bytes:
    """One 512 KB Subject line: five times Postfix's header_size_limit (100 KB); scan sees all of it."""
    subject = b"Subject: " + b"Norton renewal " * (MB // 2 // 15)
    return _HEAD.replace(b"Subject: %s", subject).replace(b"%s", b"huge-header") + b"\r\nbody\r\n"


def huge_folded_header() -> bytes:
    """One header folded over 100,000 continuation lines."""
    return _head("huge-folded-header") + b"X-Folded: start" + b"\r\n\tfold" * 100_000 + b"\r\n\r\nbody\r\n"


def headers_100k() -> bytes:
    return _head("headers-100k") + b"".join(b"X-H%d: v\r\n" % i for i in range(100_000)) + b"\r\nbody\r\n"


def from_10k() -> bytes:
    froms = b"".join(b"From: user%d@example.org\r\n" % i for i in range(10_000))
    return froms + b"To: bob@example.net\r\nSubject: ten thousand From headers\r\n\r\nbody\r\n"


def long_line_10mb() -> bytes:
    """10 MB of dense HTML on one line: the body_scan_limit prefix is what gets rendered."""
    return _head("long-line-10mb") + b"Content-Type: text/html\r\n\r\n" + b"<b>Norton</b> " * (10 * MB // 14)


def html_unclosed_100k() -> bytes:
    """100,000 open tags then 100,000 end tags matching none: quadratic for a naive stack search."""
    html = b"<div>" * 100_000 + b"Call Geek Squad 1-888-555-0142" + b"</span>" * 100_000
    return _head("html-unclosed-100k") + b"Content-Type: text/html\r\n\r\n" + html + b"\r\n"


def pdf_bomb() -> bytes:
    """A 500 KB PDF whose page content stream inflates to 512 MB (pypdf's zlib limit must hold)."""
    stream = _zeros_deflated(512 * MB)
    pdf = _pdf([
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Resources<<>>>>",
        b"<</Length %d/Filter/FlateDecode>>\nstream\n" % len(stream) + stream + b"\nendstream",
    ])
    return _attach("pdf-bomb", "application/pdf", "invoice.pdf", pdf)


def pdf_image_bomb() -> bytes:
    """A text-less page (so its images go to OCR) whose image XObject inflates to 512 MB."""
    stream = _zeros_deflated(512 * MB)
    content = b"q 612 0 0 792 0 0 cm /Im0 Do Q"
    pdf = _pdf([
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Resources<</XObject<</Im0 5 0 R>>>>>>",
        b"<</Length %d>>\nstream\n" % len(content) + content + b"\nendstream",
        b"<</Type/XObject/Subtype/Image/Width 16384/Height 32768/ColorSpace/DeviceGray/BitsPerComponent 8"
        b"/Filter/FlateDecode/Length %d>>\nstream\n" % len(stream) + stream + b"\nendstream",
    ])
    return _attach("pdf-image-bomb", "application/pdf", "scan.pdf", pdf)


def pdf_pages_5000() -> bytes:
    kids = b" ".join(b"%d 0 R" % (i + 3) for i in range(5000))
    pages = [b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>"] * 5000
    pdf = _pdf([b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[%s]/Count 5000>>" % kids, *pages])
    return _attach("pdf-pages-5000", "application/pdf", "pages.pdf", pdf)


def _docx_zip(size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("word/document.xml", "w") as fh:
        chunk = b" " * MB
        for _ in range(size // MB):
            fh.write(chunk)
    return buf.getvalue()


def docx_bomb() -> bytes:
    """A .docx whose document.xml inflates to 512 MB, with an honest size in the zip directory."""
    return _attach("docx-bomb", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                   "renewal.docx", _docx_zip(512 * MB))


def docx_bomb_lying_size() -> bytes:
    """The same bomb with the declared (uncompressed) size rewritten to 100 bytes in both zip headers."""
    data = bytearray(_docx_zip(512 * MB))
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = data.find(sig)
        while pos >= 0:
            data[pos + size_at:pos + size_at + 4] = struct.pack("<I", 100)
            pos = data.find(sig, pos + 4)
    return _attach("docx-bomb-lying-size", "application/octet-stream", "renewal.docx", bytes(data))


def base64_attachment_30mb() -> bytes:
    return _attach("base64-30mb", "application/octet-stream", "blob.bin", b"\x00\xff" * (15 * MB))


GENERATORS: dict[str, Callable[[], bytes]] = {
    "body-50mb": body_50mb,
    "parts-1000": parts_1000,
    "nested-100": nested_100,
    "rfc822-nested-100": rfc822_nested_100,
    "huge-header-512k": huge_header,
    "huge-folded-header": huge_folded_header,
    "headers-100k": headers_100k,
    "from-10k": from_10k,
    "long-line-10mb": long_line_10mb,
    "html-unclosed-100k": html_unclosed_100k,
    "pdf-bomb": pdf_bomb,
    "pdf-image-bomb": pdf_image_bomb,
    "pdf-pages-5000": pdf_pages_5000,
    "docx-bomb": docx_bomb,
    "docx-bomb-lying-size": docx_bomb_lying_size,
    "base64-attachment-30mb": base64_attachment_30mb,
}
NAMES = tuple(GENERATORS)


def generate(name: str) -> bytes:
    return GENERATORS[name]()


def main(argv: list[str]) -> int:
    if not argv:
        print(USAGE, "\nnames:", " ".join(NAMES), file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for name in argv[1:] or NAMES:
        path = out / f"{name}.eml"
        path.write_bytes(generate(name))
        print(f"{path} {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
