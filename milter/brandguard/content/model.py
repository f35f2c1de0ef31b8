"""What the content extractor hands to checks: frozen texts, links, phone numbers and counters."""
from __future__ import annotations

from dataclasses import dataclass, field

SOURCES = ("body", "attachment", "pdf", "docx", "ics", "ocr")


@dataclass(frozen=True)
class TextPart:
    """Visible, normalised text from one place in the message."""

    source: str  # one of SOURCES
    text: str
    name: str = ""  # attachment file name or content type, for evidence


@dataclass(frozen=True)
class Link:
    """A URL the reader can follow, with the text the reader sees for it."""

    url: str
    host: str  # lower-case host ('' when unparseable); IP literals kept as written
    text: str = ""  # anchor text for HTML links, '' otherwise
    kind: str = "text"  # href | text | bare (a domain written without scheme) | annotation (PDF)
    where: str = "body"


@dataclass(frozen=True)
class MailLink:
    """A mailto: link: where a reader who clicks it writes to, and what the reader was shown for it."""

    address: str  # lower-case target address
    text: str = ""  # anchor text ('' when the link is written as the address alone)
    prefilled: bool = False  # carries subject, body or cc for the reader: a prepared action, not a contact line
    where: str = "body"


@dataclass(frozen=True)
class Phone:
    """A phone number found in the text, after undoing digit obfuscation."""

    e164: str
    type: str  # toll_free, fixed_line, mobile, fixed_line_or_mobile, voip, premium_rate, shared_cost, ...
    raw: str  # as written (after NFKC)
    where: str  # source of the text it was found in
    context: str = ""  # surrounding text, for call-to-action and brand proximity checks
    obfuscated: bool = False  # letters for digits (O, l), spaced digits or styled digits were undone


@dataclass(frozen=True)
class Attachment:
    """A non-body MIME part."""

    filename: str
    content_type: str
    size: int
    locked: str = ""  # zip, pdf (password-protected), 7z, rar (unreadable archives): content.locked.locked_kind


@dataclass(frozen=True)
class Counters:
    """Evidence of hiding: characters removed or found invisible while extracting."""

    zero_width: int = 0
    bidi: int = 0
    styled: int = 0  # maths-bold / full-width / enclosed characters folded by NFKC
    hidden_chars: int = 0  # text in HTML a reader cannot see (display:none, font-size:0, white on white)
    parts: int = 0
    ocr_images: int = 0


@dataclass(frozen=True)
class Content:
    """Everything checks read about a message's text; built once per message by extract()."""

    display_name: str = ""
    from_address: str = ""
    from_domain: str = ""
    reply_to: tuple[str, ...] = ()
    return_path_domain: str = ""
    subject: str = ""
    body: str = ""  # visible text of the message body (text/plain or HTML), normalised
    hidden_text: str = ""  # HTML text hidden from the reader (kept apart, never in `body`)
    texts: tuple[TextPart, ...] = ()
    links: tuple[Link, ...] = ()
    mail_links: tuple[MailLink, ...] = ()  # mailto: links (kept apart: they are no web hosts)
    phones: tuple[Phone, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    # (SHA-256, name) of each binary part of 1 KB or more but inline pictures: what a campaign sends everyone
    binary_parts: tuple[tuple[str, str], ...] = ()
    forwarded_from: tuple[str, ...] = ()  # From addresses of forwarded / attached messages
    forwarded_names: tuple[str, ...] = ()  # their display names ("McAfee Department"), for claims made inside
    counters: Counters = field(default_factory=Counters)
    defects: tuple[str, ...] = ()

    def text_of(self, *sources: str) -> str:
        """Texts of the given sources (all when none given), joined by blank lines."""
        return "\n\n".join(t.text for t in self.texts if not sources or t.source in sources)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.source for t in self.texts))
