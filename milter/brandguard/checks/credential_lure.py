"""credential_lure: account-threat wording with a link (verify your account, password expires, mailbox full)."""
from __future__ import annotations

from brandguard.checks._brands import owned_brands, primary
from brandguard.checks._lexicon import vocabulary
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding
from brandguard.policy.vocabulary import CREDENTIAL_KINDS


@register
class CredentialLure(Check):
    """The long-tail phish: no vendor needed, just urgency about an account and a link to 'fix' it."""

    name = "credential_lure"
    description = "wording that threatens an account or asks to verify it, with a link to follow"
    outcomes = frozenset(CREDENTIAL_KINDS)

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        c = inp.content
        brand = primary(inp)
        linked = any(link.kind in ("href", "text", "annotation") for link in c.links)
        if (brand is None and owned_brands(inp)) or not linked:
            return []
        text = f"{c.subject}\n{c.text_of()}"
        for outcome, pattern in vocabulary(inp).credential.items():
            m = pattern.search(text)
            if m:
                return [self.finding(outcome, b, f"\"{m.group()}\" with a link", "body") for b in [brand]]
        return []
