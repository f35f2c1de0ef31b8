"""PDF attachments: page text and link annotations via pypdf; images of text-less pages go to OCR."""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from brandguard.content.config import PdfSettings

if TYPE_CHECKING:  # pypdf itself is imported on the first PDF: most messages carry none
    from pypdf import PageObject

# pypdf logs every malformed object at WARNING; hostile PDFs would flood the milter log
logging.getLogger("pypdf").setLevel(logging.ERROR)
_TEXTLESS = 25  # a page with fewer extracted characters is treated as a scan


@dataclass
class PdfText:
    text: str = ""
    uris: list[str] = field(default_factory=list)
    images: list[bytes] = field(default_factory=list)  # images of pages without a text layer
    defects: list[str] = field(default_factory=list)


def read_pdf(data: bytes, settings: PdfSettings, want_images: bool = True) -> PdfText:
    """Extract what a reader sees in a PDF; problems become defects, never exceptions."""
    out = PdfText()
    if len(data) > settings.max_bytes:
        out.defects.append("pdf_too_large")
        return out
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            out.defects.append("pdf_encrypted")
            return out
        texts = []
        for index, page in enumerate(reader.pages):
            if index >= settings.max_pages:
                out.defects.append("pdf_pages_truncated")
                break
            page_text = _page_text(page)
            texts.append(page_text)
            out.uris.extend(_uris(page))
            if want_images and len(page_text.strip()) < _TEXTLESS:
                out.images.extend(_images(page, out.defects))
        out.text = "\n".join(texts)
    except Exception:  # pypdf raises many types on broken files; the message is still scanned
        out.defects.append("pdf_unreadable")
    return out


def _page_text(page: PageObject) -> str:
    try:
        return page.extract_text() or ""
    except Exception:
        return ""


def _uris(page: PageObject) -> list[str]:
    found = []
    try:
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            action = annot.get("/A")
            action = action.get_object() if action is not None else None
            uri = action.get("/URI") if action is not None else None
            if uri:
                found.append(str(uri))
    except Exception:
        pass
    return found


def _images(page: PageObject, defects: list[str]) -> list[bytes]:
    """JPEG/JPEG 2000 streams as they are (no Pillow needed); other encodings through pypdf, which needs Pillow."""
    out = []
    try:
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        for ref in xobjects.values():
            obj = ref.get_object()
            filters = obj.get("/Filter")
            filters = [str(f) for f in filters] if isinstance(filters, list) else [str(filters)]
            if obj.get("/Subtype") == "/Image" and filters[-1:] in (["/DCTDecode"], ["/JPXDecode"]) and len(filters) == 1:
                out.append(obj._data)
    except Exception:
        defects.append("pdf_image_unreadable")
    if out:
        return out
    try:
        out = [image.data for image in page.images]
    except Exception:  # undecodable image filter, or Pillow missing for non-JPEG streams
        defects.append("pdf_image_unreadable")
    return out
