"""extract(ctx, settings) -> Content: headers, visible texts, links and phone numbers of one message."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from email.message import Message

from brandguard.addresses import parse_addresses
from brandguard.content import documents, htmltext, mailto, pdf, urls
from brandguard.content.cache import CACHE, sha256
from brandguard.content.config import ContentSettings
from brandguard.content.forwarded import NOT_FORWARDED, decode_header_value, forwarded_senders, returned_to
from brandguard.content.locked import locked_kind
from brandguard.content.mimeparse import mime_of
from brandguard.content.model import Attachment, Content, Counters, Link, MailLink, Phone, TextPart
from brandguard.content.normalize import normalise
from brandguard.content.ocr import OcrBudget
from brandguard.content.phoneregions import typed_fullwidth
from brandguard.content.phones import find_phones
from brandguard.content.walk import Leaf, Walk, decode_text, walk
from brandguard.isolation import Guard
from brandguard.model import MessageContext, domain_of

_HEADER_CHARS = 2000  # characters of a display name or subject analysed
_IMAGE_EXT = (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp", ".webp")


class _Builder:
    """Accumulates texts, links, phones and counters while the parts are visited."""

    def __init__(self, settings: ContentSettings):
        self.s = settings
        self.texts: list[TextPart] = []
        self.links: list[Link] = []
        self.mail_links: list[MailLink] = []
        self.phones: list[Phone] = []
        self.hidden: list[str] = []
        self.defects: list[str] = []
        self.zero_width = self.bidi = self.styled = self.hidden_chars = 0
        self.images: list[bytes] = []
        self.ocr = OcrBudget(settings.ocr, cache_mb=settings.attachment_cache_mb)

    def add_text(self, source: str, raw: str, name: str = "") -> str:
        text = self._add(analyse_text(source, raw, self.s), source, name)
        if source in ("body", "attachment"):
            self.mail_links.extend(mailto.in_text(text, source))
        return text

    def _add(self, a: Analysed, source: str, name: str) -> str:
        self.zero_width += a.zero_width
        self.bidi += a.bidi
        self.styled += a.styled
        if not a.text:
            return ""
        self.texts.append(TextPart(source, a.text, name))
        self.links.extend(a.links)
        known = {p.e164 for p in self.phones}
        self.phones.extend(p for p in a.phones if p.e164 not in known)
        return a.text

    def add_html(self, source: str, raw: str, name: str = "") -> None:
        rendered = htmltext.render(raw)
        if rendered.truncated:
            self.defects.append("html_truncated")
        self.add_text(source, rendered.visible, name)
        hidden = normalise(rendered.hidden).text
        if hidden:
            self.hidden.append(hidden)
            self.hidden_chars += sum(1 for c in hidden if not c.isspace())
        for href, anchor in rendered.links:
            host = urls.host_of(href)
            if host:
                self.links.append(Link(url=href, host=host, text=normalise(anchor).text, kind="href", where=source))
        self.mail_links.extend(mailto.from_anchors(rendered.links, source))
        self.images.extend(rendered.images)

    @staticmethod
    def kind_of(leaf: Leaf) -> str:
        """Which extractor reads this part (the guarded step's name: html, ics, text, pdf, docx, image)."""
        ctype, name = leaf.content_type, leaf.filename.lower()
        if ctype == "text/html" or name.endswith((".htm", ".html", ".shtml")):
            return "html"
        if ctype == "text/calendar" or name.endswith(".ics") or ctype == "application/ics":
            return "ics"
        if ctype == "text/plain":
            return "text"
        if ctype == "application/pdf" or name.endswith(".pdf"):
            return "pdf"
        if name.endswith(".docx") or ctype.endswith("wordprocessingml.document"):
            return "docx"
        if ctype.startswith("image/") or name.endswith(_IMAGE_EXT):
            return "image"
        return ""

    def add_leaf(self, leaf: Leaf, kind: str) -> None:
        if kind == "html":
            self.add_html("attachment" if leaf.attachment else "body", decode_text(leaf), leaf.filename)
        elif kind == "ics":
            if self.s.ics.enabled:
                self.add_text("ics", documents.ics_text(decode_text(leaf)), leaf.filename or leaf.content_type)
        elif kind == "text":
            self.add_text("attachment" if leaf.attachment else "body", decode_text(leaf), leaf.filename)
        elif kind == "pdf":
            self._pdf(leaf)
        elif kind == "docx":
            if self.s.docx.enabled:
                params = (self.s.docx.max_bytes, self.s.max_text_chars, self.s.phone_region, self.s.phone_regions)
                defects, analysed = CACHE.get_or_compute("docx", params, leaf.data, self.s.attachment_cache_mb,
                                                         lambda: self._read_docx(leaf.data))
                self.defects.extend(defects)
                self._add(analysed, "docx", leaf.filename)
        elif kind == "image":
            self.images.append(leaf.data)

    def _pdf(self, leaf: Leaf) -> None:
        done = sum(1 for t in self.texts if t.source == "pdf")
        if not self.s.pdf.enabled or done >= self.s.pdf.max_files:
            return
        want_images = self.s.ocr.enabled
        params = (self.s.pdf, want_images, self.s.max_text_chars, self.s.phone_region, self.s.phone_regions)
        result, analysed, annotations = CACHE.get_or_compute("pdf", params, leaf.data, self.s.attachment_cache_mb,
                                                             lambda: self._read_pdf(leaf.data, want_images))
        self.defects.extend(result.defects)
        self._add(analysed, "pdf", leaf.filename or "pdf")
        self.links.extend(annotations)
        self.images.extend(result.images)

    # What an attachment yields depends on its bytes and the settings only, so it is cached whole
    # (text analysis included): the copies of a campaign skip the PDF parse and the phone search.
    def _read_pdf(self, data: bytes, want_images: bool) -> tuple[pdf.PdfText, Analysed, tuple[Link, ...]]:
        result = pdf.read_pdf(data, self.s.pdf, want_images=want_images)
        annotations = tuple(Link(url=uri, host=host, kind="annotation", where="pdf")
                            for uri in result.uris if (host := urls.host_of(uri)))
        return result, analyse_text("pdf", result.text or " ", self.s), annotations

    def _read_docx(self, data: bytes) -> tuple[list[str], Analysed]:
        text, defects = documents.docx_text(data, self.s.docx.max_bytes)
        return defects, analyse_text("docx", text, self.s)

    def run_ocr(self) -> int:
        done = 0
        for data in sorted(self.images, key=len, reverse=True):
            text = self.ocr.run(data)
            if text.strip():
                done += 1
                self.add_text("ocr", text, "image")
        self.defects.extend(sorted(self.ocr.defects))
        return done


@dataclass(frozen=True)
class Analysed:
    """One text after normalisation: what it adds to the counters, texts, links and phones."""

    zero_width: int
    bidi: int
    styled: int
    text: str
    links: tuple[Link, ...] = ()
    phones: tuple[Phone, ...] = ()


def analyse_text(source: str, raw: str, s: ContentSettings) -> Analysed:
    """Normalised text of one source with its links and phone numbers (a pure function of its arguments)."""
    n = normalise(raw[: s.max_text_chars * 2])
    text = n.text[: s.max_text_chars]
    if not text:
        return Analysed(n.zero_width, n.bidi, n.styled, "")
    styled_digits = not raw.isascii() and any(unicodedata.category(c) == "Nd" and not c.isascii() for c in raw)
    styled_digits = styled_digits and not typed_fullwidth(raw)
    return Analysed(n.zero_width, n.bidi, n.styled, text, tuple(urls.links_in_text(text, source)),
                    tuple(find_phones(text, source, s.phone_region, styled_digits, s.phone_regions)))


_ANGLE = re.compile(r"<\s*([^<>@\s]+@[^<>\s]+?)\s*>")


def _address(ctx: MessageContext, name: str) -> tuple[str, str]:
    """(display name, address) of the first mailbox; tolerates the broken From lines spammers write
    ('Microsoft account team ,_<x@y.example>'), where a strict parser would lose the address."""
    values = [decode_header_value(v[: 8 * _HEADER_CHARS]) for v in ctx.header_values(name)[:1]]
    if not values:
        return "", ""
    value = " ".join(values[0].split())
    angle = _ANGLE.search(value)
    if angle:
        display = value[: angle.start()].strip().strip(",;_ ").strip().strip('"').strip()
        return display, angle.group(1).strip()
    bare = re.search(r"([^\s<>,;()\"']+@[^\s<>,;()\"']+)\s*$", value)
    if bare:  # 'Edeka, Edeka, noreply@x.example': everything before the address is the name
        display = value[: bare.start()].strip().strip(",;_<>() ").strip().strip('"').strip()
        return display, bare.group(1)
    for display, addr in parse_addresses(values[:1]):
        if "@" in addr:
            return display, addr
    return value, ""


MIN_BINARY_PART = 1024  # bytes: spacer GIFs and signature icons are everywhere


def _binary(leaf: Leaf) -> bool:
    """A part a campaign attaches: not text, not a message, not a picture the HTML shows inline (a logo)."""
    major = leaf.content_type.split("/", 1)[0]
    return (len(leaf.data) >= MIN_BINARY_PART and major not in ("text", "message")
            and not (major == "image" and leaf.content_id))


def extract(ctx: MessageContext, settings: ContentSettings | None = None, guard: Guard | None = None,
            mime: Message | None = None) -> Content:
    """Build the Content of one message; malformed input becomes defects, and an extractor that raises
    (one part's HTML, PDF, DOCX, ICS reader, OCR) is left out under `guard`, never failing the message."""
    s = settings or ContentSettings()
    g = guard or Guard(ctx.envelope.queue_id)
    b = _Builder(s)
    display, address = _address(ctx, "From")
    display = display[:_HEADER_CHARS]
    # a reader sees one line of subject: a 512 KB Subject is an attack on the analyser, not text to analyse
    subject_raw = decode_header_value((ctx.first_header("Subject") or "")[: 8 * _HEADER_CHARS])[:_HEADER_CHARS]
    head = normalise(display + "\n" + subject_raw)  # counts invisible characters in headers too
    b.zero_width, b.bidi, b.styled = head.zero_width, head.bidi, head.styled
    tree = mime if mime is not None else mime_of(ctx)
    w = g.run("mime", walk, tree, s, returned_to(ctx, address, tree), default=Walk(defects=["mime_error"]))
    b.defects.extend(w.defects)
    attachments = []
    binary_parts = []
    for leaf in w.leaves:
        kind = b.kind_of(leaf)
        if kind:
            g.run(kind, b.add_leaf, leaf, kind, default=None)
        if leaf.attachment:
            attachments.append(Attachment(leaf.filename, leaf.content_type, len(leaf.data), locked_kind(leaf.data)))
        if _binary(leaf):
            binary_parts.append((sha256(leaf.data).hex(), leaf.filename or leaf.content_type))
    ocr_images = g.run("ocr", b.run_ocr, default=0)
    subject = normalise(subject_raw).text
    display_name = normalise(display).text
    for where, text in (("subject", subject), ("display_name", display_name)):
        known = {p.e164 for p in b.phones}
        b.phones.extend(p for p in find_phones(text, where, s.phone_region, regions=s.phone_regions)
                        if p.e164 not in known)
    reply_to = tuple(a.lower() for _, a in parse_addresses([decode_header_value(v) for v in ctx.header_values("Reply-To")]) if a)
    return_path = ctx.envelope.mail_from or (ctx.first_header("Return-Path") or "")
    body = "\n\n".join(t.text for t in b.texts if t.source == "body")
    forwarded = g.run("forwarded", forwarded_senders, body, w.attached_from, subject, default=NOT_FORWARDED)
    return Content(
        display_name=display_name,
        from_address=address.lower(),
        from_domain=domain_of(address),
        reply_to=reply_to,
        return_path_domain=domain_of(return_path),
        subject=subject,
        body=body,
        hidden_text="\n".join(b.hidden)[: s.max_text_chars],
        texts=tuple(b.texts),
        links=tuple(b.links),
        mail_links=tuple(dict.fromkeys(b.mail_links)),
        phones=tuple(b.phones),
        attachments=tuple(attachments),
        binary_parts=tuple(binary_parts),
        forwarded_from=forwarded[0],
        forwarded_names=forwarded[1],
        counters=Counters(b.zero_width, b.bidi, b.styled, b.hidden_chars, w.parts, ocr_images),
        defects=tuple(dict.fromkeys(b.defects)),
    )
