"""locked_attachment: an attachment no scanner can read, and the message itself hands the reader its password."""
from __future__ import annotations

from brandguard.checks._lexicon import vocabulary
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding

_WHAT = {"zip": "an encrypted ZIP", "pdf": "a password-protected PDF", "7z": "a 7z archive", "rar": "a RAR archive"}


@register
class LockedAttachment(Check):
    """The lure travels where the filter cannot look (an encrypted archive or PDF), and the key travels beside it:
    the message is built to be opened by a person and not by a scanner. Businesses that encrypt attachments send
    the password separately, or their mail names no brand it is not; the rules decide which."""

    name = "locked_attachment"
    description = "a locked attachment (encrypted ZIP or PDF, 7z, RAR) whose password the message gives"
    outcomes = frozenset({"password_in_text"})
    Params = CheckParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        c = inp.content
        locked = [a for a in c.attachments if a.locked]
        if not locked:
            return []
        lex = vocabulary(inp).archive_password
        for where, text in (("subject", c.subject), *((t.source, t.text) for t in c.texts if t.source == "body")):
            hit = lex.search(text)
            if hit:
                a = locked[0]
                name = f" {a.filename}" if a.filename else ""
                return [self.finding("password_in_text", None, f"{_WHAT[a.locked]}{name}, its password in the "
                                     f"{where}: \"{hit.group()[:60]}\"", where)]
        return []
