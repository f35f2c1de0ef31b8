"""A held message for the admin's eyes: bounded plain text (controls and bidi escaped) and the evidence."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from brandguard.content.htmltext import render
from brandguard.content.mimeparse import parse_message
from brandguard.errors import BrandguardError
from brandguard.holdqueue import clean

MAX_HEADERS = 200
MAX_HEADER_CHARS = 2000
MAX_PARTS = 50
MAX_EVIDENCE = 500
_LOCK = threading.Lock()
log = logging.getLogger("brandguard.web")


@dataclass
class Shown:
    """What the message page shows of one held message."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    parts: list[str] = field(default_factory=list)  # "text/html (converted to text)", "application/pdf a.pdf"
    truncated: bool = False


def bounded(text: str, limit: int) -> tuple[str, bool]:
    """`text` escaped by holdqueue.clean, cut to `limit` characters."""
    cut = len(text) > limit
    return clean(text[:limit]), cut


def show(raw: bytes, max_body_chars: int) -> Shown:
    """Parse a held message (as postcat prints it) into headers and the plain text of its text parts.

    HTML is converted to the text a reader sees; nothing of the message is ever passed on as markup,
    and the page template escapes what is returned here once more.
    """
    msg = parse_message(raw)
    out = Shown()
    for name, value in list(msg.items())[:MAX_HEADERS]:
        text, _ = bounded(" ".join(str(value).split()), MAX_HEADER_CHARS)
        out.headers.append((clean(name[:100]), text))
    chunks: list[str] = []
    size = 0
    for n, part in enumerate(msg.walk()):
        if n >= MAX_PARTS:
            out.truncated = True
            break
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        name = part.get_filename() or ""
        if ctype not in ("text/plain", "text/html") or part.get_content_disposition() == "attachment":
            out.parts.append(clean(f"{ctype} {name}".strip()[:200]))
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            text = data.decode(charset, "replace")
        except LookupError:
            text = data.decode("utf-8", "replace")
        if ctype == "text/html":
            text = render(text[: max_body_chars * 4]).visible
            out.parts.append("text/html (shown converted to text)")
        chunks.append(text.strip())
        size += len(text)
        if size > max_body_chars:
            break
    out.body, cut = bounded("\n\n----\n\n".join(chunks), max_body_chars)
    out.truncated = out.truncated or cut or size > max_body_chars
    return out


@dataclass
class Explained:
    """The findings of a new scan (offline: no DNS, so authentication reads none) and the explain text."""

    findings: list[dict[str, str]] = field(default_factory=list)
    text: str = ""
    error: str = ""


def _scanner(app: Any) -> Any:
    if app.state.scanner is None:
        from brandguard.scan import build_scanner

        config = app.state.settings.brandguard_config
        app.state.scanner = build_scanner(str(config) if config else None)
    return app.state.scanner


def explain_held(app: Any, queue_id: str, raw: bytes) -> Explained:
    """Scan the held message again; message pages scan one at a time (the scanner is made for one caller)."""
    from brandguard.scan import explain, scan_bytes

    try:
        with _LOCK:
            outcome = scan_bytes(_scanner(app), raw)
    except (BrandguardError, ValueError) as exc:
        log.warning("%s: cannot explain: %s", queue_id, exc)
        return Explained(error=str(exc)[:500])
    findings = [{"check": clean(f.check), "outcome": clean(f.outcome), "brand": clean(f.brand or ""),
                 "where": clean(f.where or ""), "evidence": clean(str(f.evidence)[:MAX_EVIDENCE])}
                for f in outcome.verdict.findings]
    return Explained(findings, clean(explain(queue_id, outcome, {})))
