"""The user-written parts of a platform's genuine mail (seller note, business name, event title), as data marks them."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from brandguard.content.model import Content
from brandguard.model import AuthResults, MessageContext

if TYPE_CHECKING:  # policy.platforms imports content
    from brandguard.policy.platforms import FieldRule, Platform

MAX_MATCHES = 5  # fields taken per rule: a note appears once per body alternative, a name a few times
_SURROGATE = re.compile("[\ud800-\udfff]")  # 8-bit header bytes arrive surrogate-escaped; RE2 takes UTF-8 only
_DKIM_D = re.compile(r"(?:^|;)\s*d\s*=\s*([A-Za-z0-9.-]+)", re.I)


@dataclass(frozen=True)
class UserField:
    """One piece of text a platform's user wrote, as it appears in the message."""

    platform: str  # platform id
    name: str  # field name from the platform file (seller_note, event_title, ...)
    kind: str  # identity | text
    source: str  # subject, display_name, body, ics, ...
    text: str


def sender_hosts(ctx: MessageContext, auth: AuthResults, content: Content) -> set[str]:
    """Domains the message says it comes from: From, Return-Path and every DKIM d= (verified or not).

    A platform's own mail is judged on its user-written part whether or not it authenticates: a spoof of
    the platform is DMARC's business, and a genuine one must not silence the check.
    """
    hosts = {content.from_domain, content.return_path_domain}
    hosts |= {s.domain.lower() for s in auth.dkim if s.domain}
    for value in ctx.header_values("DKIM-Signature")[:10]:
        m = _DKIM_D.search(" ".join(value.split()))
        if m:
            hosts.add(m.group(1).lower().rstrip("."))
    return {h for h in hosts if h}


def _source_text(content: Content, source: str) -> str:
    if source == "subject":
        return content.subject
    if source == "display_name":
        return content.display_name
    return content.text_of(source)


def _cut(rule: FieldRule, text: str) -> Iterable[str]:
    """The fields one rule finds in one text."""
    if rule.capture is not None:
        for n, m in enumerate(rule.capture.finditer(text)):
            if n >= MAX_MATCHES:
                break
            yield (m.group("field") or "")[: rule.max_chars]
        return
    starts = [0] if rule.after is None else [m.end() for _, m in zip(range(MAX_MATCHES), rule.after.finditer(text))]
    for start in starts:
        limit = min(len(text), start + rule.max_chars)
        end = rule.until.search(text, start, limit) if rule.until is not None else None
        yield text[start:end.start() if end else limit]


def user_fields(platform: Platform, content: Content) -> list[UserField]:
    """Every user-written field of `platform` (a policy.platforms.Platform) in the message, without repeats."""
    out: list[UserField] = []
    seen: set[str] = set()
    texts: dict[str, str] = {}
    if platform.applies_when is not None:
        shown = _SURROGATE.sub("?", content.subject + "\n" + content.text_of())
        if not platform.applies_when.search(shown):
            return out
    for rule in platform.fields:
        if rule.source not in texts:
            texts[rule.source] = _SURROGATE.sub("?", _source_text(content, rule.source))
        if not texts[rule.source]:
            continue
        for raw in _cut(rule, texts[rule.source]):
            text = raw.strip(" \t\r\n:-\u2013\u2014\"'\u201c\u201d")
            key = " ".join(text.split()).lower()
            if key and key not in seen:
                seen.add(key)
                out.append(UserField(platform.id, rule.name, rule.kind, rule.source, text))
    return out


__all__ = ["MAX_MATCHES", "UserField", "sender_hosts", "user_fields"]
