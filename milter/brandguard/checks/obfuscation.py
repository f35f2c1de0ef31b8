"""obfuscation: text hidden or disguised from filters (split names, reordered text, styled digits, hidden HTML)."""
from __future__ import annotations

import re

from pydantic import Field

from brandguard.checks._brands import claims, owned_brands, suspects
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.content.model import Content
from brandguard.content.normalize import is_mixed_script
from brandguard.model import Finding


def _plain(text: str) -> str:
    return re.sub(r"[\W_]", "", text.lower())


def _only_in_domains(c: Content, variant: str) -> bool:
    """The odd spelling is written only inside domain names ("paypa1-secure.com"): a domain is named, as news
    names the look-alikes it warns about, and lookalike_domain judges the ones a reader can click."""
    v = variant.lower()
    hosts = [link.url.lower() for link in c.links if link.kind in ("bare", "text")]
    if not hosts:
        return False
    texts = [c.display_name, c.subject, *(t.text for t in c.texts)]
    return sum(t.lower().count(v) for t in texts) <= sum(h.count(v) for h in hosts)


_ORDER = ("confusable_brand", "phone_obfuscated", "bidi", "split_letters", "zero_width", "styled_text", "hidden_text")
# "C.a.l.l.e.d", "P-A-Y-M-E-N-T": one letter at a time between dots, dashes or underscores, to dodge word filters
_SPLIT = re.compile(r"(?<![^\W\d_])(?:[^\W\d_][._\-]){4,}[^\W\d_](?![^\W\d_])")


class ObfuscationParams(CheckParams):
    min_zero_width: int = Field(2, ge=1, description="invisible characters inside words")
    min_bidi: int = Field(1, ge=1, description="bidi embedding/override/isolate controls")
    min_styled: int = Field(8, ge=1, description="maths-bold, full-width or enclosed characters")
    min_split_letters: int = Field(5, ge=3, description="letters of one word split by dots, dashes or underscores")
    min_hidden_chars: int = Field(600, ge=1, description="characters of HTML text hidden from the reader")


@register
class Obfuscation(Check):
    """Legitimate senders do not disguise their own name or number; each trick is listed in the evidence."""

    name = "obfuscation"
    description = "brand names or numbers disguised (look-alike letters, digits for letters, invisible or hidden text)"
    outcomes = frozenset(_ORDER)
    Params = ObfuscationParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        params = ObfuscationParams.of(params)
        c = inp.content
        out: list[Finding] = []
        for brand, claim in claims(inp).items():
            b = inp.catalogue.brands[brand]
            spellings = {_plain(n) for n in b.names + b.exact_names}
            odd = [v for v in claim.variants if _plain(v) not in spellings and not _only_in_domains(c, v)]
            if odd:
                # matched only through the confusable skeleton: "N0rton", "PayPaI", Cyrillic "о"
                mixed = " (mixed scripts)" if any(is_mixed_script(v) for v in odd) else ""
                out.append(self.finding("confusable_brand", brand, f"written \"{odd[0]}\"{mixed}", claim.where))
        if owned_brands(inp) and not suspects(inp, "body"):
            return out  # a brand's own newsletter: preheaders and RTL product names are not disguise
        n = c.counters
        phone = next((p for p in c.phones if p.obfuscated), None)
        split = next((m.group() for t in (c.display_name, c.subject) for m in _SPLIT.finditer(t)
                      if (len(m.group()) + 1) // 2 >= params.min_split_letters), None)
        checks = (
            ("phone_obfuscated", phone is not None, f"phone written as \"{phone.raw}\"" if phone else ""),
            ("bidi", n.bidi >= params.min_bidi, f"{n.bidi} bidi control characters"),
            ("split_letters", split is not None, f"word spelled letter by letter: \"{split}\""),
            ("zero_width", n.zero_width >= params.min_zero_width, f"{n.zero_width} invisible characters inside words"),
            ("styled_text", n.styled >= params.min_styled, f"{n.styled} styled (maths/full-width) characters"),
            ("hidden_text", n.hidden_chars >= params.min_hidden_chars,
             f"{n.hidden_chars} hidden characters: \"{c.hidden_text[:80]}\""),
        )
        out += [self.finding(outcome, None, ev, "body") for outcome, hit, ev in checks if hit]
        return out
