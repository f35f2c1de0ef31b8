"""The benchmark's message mix: clean mail, DKIM-signed mail, brand lures and PDF attachments (3 KB-500 KB).

`build_mix(outdir)` writes one .eml per message type (smtp-source sends a file's content with -F)
and returns the types with their weights and envelopes, plus the DNS zone data (SPF, DMARC and the
DKIM key made now) that the local unbound serves so SPF/DKIM/DMARC really run.

Run alone to look at the messages: `python bench/messages.py /tmp/mix`.
"""
from __future__ import annotations

import base64
import os
import random
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

HELO = "mta1.bench-sender.example"
RCPT = "alice@customer.example"
CLIENT_NET = "127.0.0.0/8"  # smtp-source connects from loopback


@dataclass(frozen=True)
class MessageType:
    name: str
    path: Path
    weight: int  # share of the mix, in percent
    mail_from: str
    description: str
    size: int  # bytes


@dataclass(frozen=True)
class Mix:
    types: list[MessageType]
    zones: dict[str, list[tuple[str, str]]]  # name -> [(rtype, value)]: what unbound serves

    def split(self, total: int) -> list[tuple[MessageType, int]]:
        """`total` messages shared by weight (every type at least 1)."""
        weights = sum(t.weight for t in self.types)
        counts = [max(1, round(total * t.weight / weights)) for t in self.types]
        counts[0] += total - sum(counts)
        return list(zip(self.types, counts))

    @property
    def mean_size(self) -> float:
        return sum(t.size * t.weight for t in self.types) / sum(t.weight for t in self.types)


# --- building blocks -------------------------------------------------------------------------

_rng = random.Random(8)
_WORDS = ("order shipment account invoice team meeting schedule report quarterly update project review "
          "customer delivery service product support request thanks please regards attached details week "
          "status budget forecast release notes planning office travel policy training feedback").split()


def _prose(nbytes: int, seed: int) -> str:
    """Plausible-looking filler text, wrapped at 72 columns."""
    rng = random.Random(seed)
    words, size = [], 0
    while size < nbytes:
        w = rng.choice(_WORDS)
        words.append(w)
        size += len(w) + 1
    paragraphs = [" ".join(words[i:i + 60]).capitalize() + "." for i in range(0, len(words), 60)]
    return "\n\n".join(textwrap.fill(p, 72) for p in paragraphs)


def _headers(frm: str, to: str, subject: str, msgid_domain: str, extra: list[str] = ()) -> list[str]:
    return [f"From: {frm}", f"To: {to}", f"Subject: {subject}", f"Date: {formatdate(1767225600)}",
            f"Message-ID: <bench.{_rng.randrange(1 << 48):x}@{msgid_domain}>", "MIME-Version: 1.0", *extra]


def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


def _b64(data: bytes) -> str:
    return "\n".join(textwrap.wrap(base64.b64encode(data).decode(), 76))


def tiny_pdf(pages: list[str], image_bytes: int = 0) -> bytes:
    """A hand-written PDF: Helvetica text pages, optionally an incompressible RGB image on page 1."""
    objs: list[bytes] = []
    n_pages = len(pages)
    font_id = 3 + 2 * n_pages
    image_id = font_id + 1
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, text in enumerate(pages):
        xobj = f" /XObject << /Im1 {image_id} 0 R >>" if image_bytes and i == 0 else ""
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 {font_id} 0 R >>"
                    f"{xobj} >> /Contents {4 + 2 * i} 0 R >>".encode())
        lines = [ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for ln in text.splitlines()]
        ops = ["BT /F1 11 Tf 14 TL 56 740 Td"] + [f"({ln}) '" for ln in lines] + ["ET"]
        if image_bytes and i == 0:
            ops.append("q 120 0 0 60 430 720 cm /Im1 Do Q")
        stream = "\n".join(ops).encode("latin-1")
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    if image_bytes:
        width = 256
        height = max(1, image_bytes // (width * 3))
        pixels = random.Random(image_bytes).randbytes(width * height * 3)
        objs.append(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                    b"/BitsPerComponent 8 /Length %d >>\nstream\n" % (width, height, len(pixels))
                    + pixels + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


@dataclass(frozen=True)
class DkimKey:
    domain: str
    selector: str
    private_pem: bytes
    txt: str

    @classmethod
    def generate(cls, domain: str, selector: str = "bench") -> DkimKey:
        with tempfile.TemporaryDirectory() as tmp:
            key = Path(tmp) / "key.pem"
            subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
            der = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
                                 check=True, capture_output=True).stdout
            return cls(domain, selector, key.read_bytes(), f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}")

    def sign(self, message: bytes) -> bytes:
        import dkim

        sig = dkim.sign(message, self.selector.encode(), self.domain.encode(), self.private_pem,
                        canonicalize=(b"relaxed", b"relaxed"),
                        include_headers=[b"from", b"to", b"subject", b"date", b"message-id", b"mime-version",
                                         b"content-type"])
        return sig + message


# --- the mix ---------------------------------------------------------------------------------

LURE_PHONE = "+1 888 555 0142"


def build_mix(outdir: Path) -> Mix:
    outdir.mkdir(parents=True, exist_ok=True)
    zones: dict[str, list[tuple[str, str]]] = {}

    def add(name: str, rtype: str, value: str) -> None:
        zones.setdefault(name, []).append((rtype, value))

    spf_pass = f"v=spf1 ip4:{CLIENT_NET} -all"
    for dom in ("bench-sender.example", "news.shop.example", "mail.partner.example"):
        add(dom, "TXT", spf_pass)
        add(dom, "MX", "10 mx." + dom)
        add(f"_dmarc.{dom}", "TXT", "v=DMARC1; p=reject; rua=mailto:dmarc@" + dom)
    add(HELO, "A", "127.0.0.1")
    add(HELO, "TXT", "v=spf1 a -all")
    # the freemail provider of the lures: SPF softfail for loopback, DMARC p=none
    add("gmail.com", "TXT", "v=spf1 redirect=_spf.google.com")
    add("_spf.google.com", "TXT", "v=spf1 ip4:209.85.128.0/17 ip4:66.102.0.0/20 ~all")
    add("_dmarc.gmail.com", "TXT", "v=DMARC1; p=none; sp=quarantine; rua=mailto:mailauth-reports@google.com")
    key = DkimKey.generate("mail.partner.example")
    add(f"{key.selector}._domainkey.{key.domain}", "TXT", key.txt)

    types: list[MessageType] = []

    def write(name: str, weight: int, mail_from: str, data: bytes, description: str) -> None:
        path = outdir / f"{name}.eml"
        path.write_bytes(data)
        types.append(MessageType(name, path, weight, mail_from, description, len(data)))

    # 1. plain clean mail, ~3 KB
    head = _headers('"Operations" <ops@bench-sender.example>', RCPT, "Weekly shipment status",
                    "bench-sender.example", ["Content-Type: text/plain; charset=utf-8",
                                             "Content-Transfer-Encoding: 7bit"])
    write("clean_plain", 30, "ops@bench-sender.example",
          _crlf("\n".join(head) + "\n\n" + _prose(2600, 1) + "\n"), "plain text, SPF pass")

    # 2. HTML newsletter, ~25 KB, multipart/alternative
    text = _prose(7000, 2)
    html_body = "".join(f"<p style=\"font-family:Arial;color:#333\">{p}</p>\n<a href=\"https://news.shop.example/"
                        f"item/{i}?utm_source=nl\">More</a>\n" for i, p in enumerate(_prose(12000, 3).split("\n\n")))
    head = _headers('"Shop News" <news@news.shop.example>', RCPT, "Spring offers inside", "news.shop.example",
                    ['Content-Type: multipart/alternative; boundary="b1"', "List-Unsubscribe: <https://news.shop.example/u>"])
    body = (f"--b1\nContent-Type: text/plain; charset=utf-8\n\n{text}\n--b1\nContent-Type: text/html; charset=utf-8\n\n"
            f"<html><body>{html_body}</body></html>\n--b1--\n")
    write("clean_html", 15, "news@news.shop.example", _crlf("\n".join(head) + "\n\n" + body), "HTML newsletter, links")

    # 3. DKIM-signed (rsa-sha256, relaxed/relaxed), SPF and DMARC pass, ~5 KB
    head = _headers('"Partner Billing" <billing@mail.partner.example>', RCPT, "Your statement for December",
                    "mail.partner.example", ["Content-Type: text/plain; charset=utf-8"])
    msg = _crlf("\n".join(head) + "\n\n" + _prose(4500, 4) + "\n")
    write("dkim_signed", 25, "billing@mail.partner.example", key.sign(msg), "DKIM/SPF/DMARC pass")

    # 4. the callback lure: fake Trend Micro renewal from gmail with a phone number, ~4 KB
    lure = textwrap.dedent(f"""\
        Dear Customer,

        Thank you for choosing Trend Micro Maximum Security. Your subscription has been
        renewed automatically for another 3 years and your account was charged USD 399.99.

        Invoice number: TM-88213-2026
        Product: Trend Micro Maximum Security (5 devices)
        Amount: $399.99
        Payment method: Visa ending 4417

        If you did not authorise this renewal, call our billing department within 24 hours
        to cancel and receive a full refund: {LURE_PHONE} (toll free, 24/7).

        Our support agent will connect to your computer with AnyDesk to process the refund.

        Regards,
        Trend Micro Billing Support
        """)
    head = _headers('"Trend Micro Billing" <trendmicro.billing.desk@gmail.com>', RCPT,
                    "Your Trend Micro subscription has been renewed - Order TM-88213", "mail.gmail.com",
                    ["Content-Type: text/plain; charset=utf-8"])
    write("lure_trendmicro", 15, "trendmicro.billing.desk@gmail.com",
          _crlf("\n".join(head) + "\n\n" + lure + "\n" + _prose(2000, 5) + "\n"), "Trend Micro renewal lure, phone")

    # 5. PDF invoice lure (Norton), ~60 KB: short text, PDF with text and a 40 KB image
    pdf = tiny_pdf([f"NortonLifeLock Invoice NL-55120\nNorton 360 Deluxe - auto renewal\nAmount charged: $349.99\n"
                    f"To cancel or dispute call Norton Billing: {LURE_PHONE}\n" + _prose(1500, 6),
                    _prose(2500, 7)], image_bytes=40_000)
    head = _headers('"Norton Billing" <norton.invoice.team@gmail.com>', RCPT, "Invoice NL-55120 attached",
                    "mail.gmail.com", ['Content-Type: multipart/mixed; boundary="m1"'])
    body = (f"--m1\nContent-Type: text/plain; charset=utf-8\n\nPlease find your invoice attached.\n\n--m1\n"
            f"Content-Type: application/pdf; name=\"invoice.pdf\"\nContent-Transfer-Encoding: base64\n"
            f"Content-Disposition: attachment; filename=\"invoice.pdf\"\n\n{_b64(pdf)}\n--m1--\n")
    write("pdf_invoice", 10, "norton.invoice.team@gmail.com", _crlf("\n".join(head) + "\n\n" + body),
          "PDF attachment lure (Norton)")

    # 6. large clean mail with a ~370 KB PDF (text pages and a big image): ~500 KB on the wire
    pdf = tiny_pdf([f"Quarterly report, page {i + 1}\n" + _prose(2500, 10 + i) for i in range(3)], image_bytes=360_000)
    head = _headers('"Finance" <finance@bench-sender.example>', RCPT, "Q4 report", "bench-sender.example",
                    ['Content-Type: multipart/mixed; boundary="m2"'])
    body = (f"--m2\nContent-Type: text/plain; charset=utf-8\n\n{_prose(1500, 9)}\n\n--m2\n"
            f"Content-Type: application/pdf; name=\"report.pdf\"\nContent-Transfer-Encoding: base64\n"
            f"Content-Disposition: attachment; filename=\"report.pdf\"\n\n{_b64(pdf)}\n--m2--\n")
    write("large_pdf", 5, "finance@bench-sender.example", _crlf("\n".join(head) + "\n\n" + body), "500 KB PDF")
    return Mix(types, zones)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="bench-mix."))
    mix = build_mix(out)
    for t in mix.types:
        print(f"{t.name:16} {t.weight:3d}%  {t.size / 1024:7.1f} KB  {t.path}  ({t.description})")
    print(f"mean size {mix.mean_size / 1024:.1f} KB; {sum(len(v) for v in mix.zones.values())} DNS records")
    sys.exit(0 if os.path.isdir(out) else 1)
