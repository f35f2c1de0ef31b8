"""`content:` settings: limits for the MIME walk and the PDF, OCR, calendar and DOCX extractors."""
from __future__ import annotations

import shutil

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PdfSettings(_Closed):
    """Text (and link annotations) of PDF attachments via pypdf."""

    enabled: bool = Field(True, description="extract text from application/pdf parts")
    max_pages: int = Field(8, ge=1, le=200, description="pages read per PDF; the rest is ignored")
    max_bytes: int = Field(5_000_000, ge=1, description="larger PDFs are skipped (defect 'pdf_too_large')")
    max_files: int = Field(3, ge=0, description="PDF attachments read per message")


class OcrSettings(_Closed):
    """OCR of image attachments and image-only PDF pages with tesseract (a subprocess, with timeouts).

    Enabled by default: callback lures are often a single picture of an invoice. When the
    tesseract binary is missing, OCR is skipped and the defect 'ocr_unavailable' is recorded.
    """

    enabled: bool = Field(True, description="run tesseract on images (skipped when the binary is absent)")
    tesseract: str = Field("tesseract", description="tesseract executable (name on PATH or absolute path)")
    languages: str = Field("eng", description="tesseract -l value, e.g. 'eng+deu'")
    max_images: int = Field(3, ge=0, description="images OCRed per message, largest first")
    min_bytes: int = Field(4_000, ge=0, description="smaller images (icons, spacers, tracking pixels) are skipped")
    max_bytes: int = Field(4_000_000, ge=1, description="larger images are skipped")
    timeout_seconds: float = Field(6.0, gt=0, description="per image; tesseract is killed after it")
    budget_seconds: float = Field(10.0, gt=0, description="total OCR time per message")

    def binary(self) -> str | None:
        """Absolute path of tesseract, or None when it is not installed."""
        return shutil.which(self.tesseract)


class IcsSettings(_Closed):
    """SUMMARY/DESCRIPTION/LOCATION of text/calendar parts and .ics attachments."""

    enabled: bool = True


class DocxSettings(_Closed):
    """Text of .docx attachments (fake invoices are often Word files); stdlib zip + XML only."""

    enabled: bool = True
    max_bytes: int = Field(3_000_000, ge=1, description="uncompressed document.xml bytes read at most")


class ContentSettings(_Closed):
    """Limits for turning a message into text, links and phone numbers."""

    max_scan_bytes: int = Field(10_000_000, ge=1, description="decoded bytes of all parts read at most")
    max_parts: int = Field(100, ge=1, description="MIME parts visited at most (defect 'too_many_parts')")
    max_depth: int = Field(8, ge=1, description="multipart / message/rfc822 nesting followed at most")
    max_text_chars: int = Field(300_000, ge=1000, description="characters kept per text source")
    phone_region: str = Field("US", min_length=2, max_length=2, description="region for numbers without +country")
    phone_regions: tuple[str, ...] = Field(
        ("JP", "FR", "DE", "ES", "PT", "BR", "IT", "NL"),
        description="further regions, in order, for digit runs that phone_region reads as no number (Japanese "
        "0120-123-456, French 09 70 12 34 56); each is tried only on text in its language or script (kana or "
        "kanji: JP; common words of French, German, Spanish, Portuguese, Italian, Dutch), so English mail reads "
        "as phone_region alone; a region of none of these languages (GB, AU ...) is tried on every text; "
        "default JP, FR, DE, ES, PT, BR, IT, NL; []: phone_region only")
    attachment_cache_mb: int = Field(
        32, ge=0, description="memory for results of PDF, OCR and DOCX extraction, reused for identical attachments "
        "(a campaign's copies); 0 disables")
    pdf: PdfSettings = Field(default_factory=PdfSettings)
    ocr: OcrSettings = Field(default_factory=OcrSettings)
    ics: IcsSettings = Field(default_factory=IcsSettings)
    docx: DocxSettings = Field(default_factory=DocxSettings)

    @field_validator("phone_regions")
    @classmethod
    def _known_regions(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        regions = tuple(dict.fromkeys(r.strip().upper() for r in v))
        unknown = [r for r in regions if r not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(f"{unknown} are not phone regions (ISO 3166 codes such as JP, FR, GB)")
        return regions
