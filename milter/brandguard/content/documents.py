"""Calendar invitations (ICS) and Word (.docx) files: the text they show, with stdlib parsers only."""
from __future__ import annotations

import html
import io
import re
import zipfile

from brandguard.content.htmltext import render

_ICS_FIELDS = ("SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT", "X-ALT-DESC", "ORGANIZER", "ATTENDEE")
_ICS_ESCAPES = {"\\n": "\n", "\\N": "\n", "\\,": ",", "\\;": ";", "\\\\": "\\"}


def ics_text(raw: str) -> str:
    """SUMMARY, DESCRIPTION, LOCATION (and organizer names) of every component, unescaped."""
    unfolded = re.sub(r"\r?\n[ \t]", "", raw)
    out = []
    for line in unfolded.splitlines():
        name, sep, value = line.partition(":")
        if not sep:
            continue
        key, _, params = name.partition(";")
        key = key.upper()
        if key not in _ICS_FIELDS:
            continue
        if key in ("ORGANIZER", "ATTENDEE"):
            cn = re.search(r'CN="?([^";:]+)', params, re.I)
            value = cn.group(1) if cn else ""
        value = re.sub(r"\\[nN,;\\]", _unescape, value)
        if re.search(r"<(p|br|div|span|a|b|html)\b", value, re.I):  # Google puts HTML in DESCRIPTION
            value = render(value).visible
        if value.strip():
            out.append(value.strip())
    return "\n".join(out)


def _unescape(m: re.Match[str]) -> str:
    return _ICS_ESCAPES[m.group()]


_DOCX_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")


def docx_text(data: bytes, max_bytes: int) -> tuple[str, list[str]]:
    """Paragraph text of a .docx (body, headers, footers); returns (text, defects)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [i for i in zf.infolist() if _DOCX_PARTS.match(i.filename)]
            budget = max_bytes
            texts: list[str] = []
            for info in sorted(names, key=lambda i: i.filename != "word/document.xml"):
                if info.file_size > budget:  # declared size: refuse zip bombs before inflating
                    return "\n".join(texts), ["docx_too_large"]
                with zf.open(info) as fh:
                    xml = fh.read(budget + 1).decode("utf-8", "replace")
                budget -= len(xml)
                texts.append(_xml_text(xml))
            return "\n".join(texts), []
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError, KeyError):
        return "", ["docx_unreadable"]


def _xml_text(xml: str) -> str:
    xml = re.sub(r"</w:p>|<w:br[^>]*/>|<w:cr/>", "\n", xml)
    xml = re.sub(r"<w:tab/>", "\t", xml)
    return html.unescape(re.sub(r"<[^>]+>", "", xml))
