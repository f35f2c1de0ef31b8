"""address_greeting: the reader is greeted by mailbox address ("Hello jane@example.com"), the mark of bulk lures."""
from __future__ import annotations

from brandguard.checks._brands import owned_brands, primary
from brandguard.checks._lures import GREETING, SUBJECT_ADDRESS
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding

_HEAD = 600  # a greeting opens the text; footers ("sent to jane@example.com") are not greetings


@register
class AddressGreeting(Check):
    """People and companies that know you use your name; a kit only has the address it is mailing."""

    name = "address_greeting"
    description = "the subject or the greeting uses an e-mail address where a name belongs"
    outcomes = frozenset({"subject", "greeting"})

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        c = inp.content
        brand = primary(inp)
        if brand is None and owned_brands(inp):
            return []
        m = SUBJECT_ADDRESS.search(c.subject)
        if m:
            return [self.finding("subject", brand, f"subject addresses {m.group(1) or m.group(2)}", "subject")]
        for part in c.texts:
            g = GREETING.search(part.text[:_HEAD])
            if g:
                return [self.finding("greeting", brand, f"\"{' '.join(g.group().split())[:80]}\"", part.source)]
        return []
