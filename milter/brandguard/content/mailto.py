"""mailto: links of a message, from HTML anchors and from the "text<mailto:address>" form of plain text."""
from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qs, unquote

from brandguard.content.model import MailLink

_ADDRESS = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Outlook and most HTML-to-text converters write an anchor as its text followed by the target in angle brackets
_TEXT_FORM = re.compile(r"<\s*mailto:([^>\s]{3,400})\s*>|\bmailto:([^\s<>\"']{3,400})", re.I)
_PREFILL = frozenset({"subject", "body", "cc", "bcc"})
_MAX = 50  # a message's mailto links worth reading; a bulk list of addresses is no call to action


def parse(href: str) -> tuple[str, bool] | None:
    """(first target address, whether the link pre-fills subject/body/cc) of a mailto: URL, or None."""
    rest = href.strip()[len("mailto:"):] if href.strip().lower().startswith("mailto:") else href.strip()
    target, _, query = rest.partition("?")
    m = _ADDRESS.search(unquote(target))
    if not m:
        return None
    fields = {k.lower().lstrip("&") for k in parse_qs(query.replace("&amp;", "&"), keep_blank_values=True)}
    return m.group().lower(), bool(fields & _PREFILL)


def from_anchors(pairs: Iterable[tuple[str, str]], where: str) -> list[MailLink]:
    """MailLinks of the (href, anchor text) pairs of an HTML part that are mailto: links."""
    out = []
    for href, text in pairs:
        if not href.lower().startswith("mailto:"):
            continue
        parsed = parse(href)
        if parsed:
            out.append(MailLink(parsed[0], " ".join(text.split())[:200], parsed[1], where))
        if len(out) >= _MAX:
            break
    return out


def in_text(text: str, where: str) -> list[MailLink]:
    """MailLinks written in plain text: the anchor is what the line shows just before "<mailto:...>"."""
    if "mailto:" not in text.lower():
        return []
    out = []
    for m in _TEXT_FORM.finditer(text):
        parsed = parse(m.group(1) or m.group(2))
        if not parsed:
            continue
        anchor = ""
        if m.group(1):
            line_start = max(text.rfind("\n", 0, m.start()), text.rfind(">", 0, m.start())) + 1
            anchor = text[max(line_start, m.start() - 80):m.start()].strip()
        out.append(MailLink(parsed[0], anchor, parsed[1], where))
        if len(out) >= _MAX:
            break
    return out


def shows_own_address(link: MailLink) -> bool:
    """The reader sees the address the link writes to ("bob@example.org<mailto:bob@example.org>"), or nothing."""
    if not link.text:
        return True
    shown = _ADDRESS.findall(link.text)
    return bool(shown) and shown[-1].lower() == link.address
