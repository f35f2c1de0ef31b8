"""action_lure: the story that makes a reader click (parcel fee, lapsed protection, document, wallet, sign-in alert)."""
from __future__ import annotations

from brandguard.checks._brands import brand_name, owned_brands, primary
from brandguard.checks._lexicon import vocabulary
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding
from brandguard.policy.vocabulary import TOPIC_NAMES


@register
class ActionLure(Check):
    """Scams change brands and wording monthly but retell a handful of stories; each is matched in several languages."""

    name = "action_lure"
    description = "a parcel fee, lapsed protection, document to sign, wallet to verify, expiring points or sign-in alert"
    outcomes = frozenset(TOPIC_NAMES)

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        c = inp.content
        brand = primary(inp)
        if brand is None and owned_brands(inp):
            return []  # a company's own notices tell these stories honestly
        if not c.phones and not any(link.kind in ("href", "text", "annotation") for link in c.links):
            return []  # no way to act on the story: news or a discussion
        text = f"{c.subject}\n{c.text_of()}"
        v = vocabulary(inp)
        for topic, pattern in v.topics.items():
            m = pattern.search(text)
            if m:
                urgent = v.urgency.search(text)
                who = f"{brand_name(inp, brand)}: " if brand else ""
                ev = f"{who}\"{' '.join(m.group().split())[:80]}\"" + (f", urged \"{urgent.group()}\"" if urgent else "")
                return [self.finding(topic, brand, ev, "body")]
        return []
