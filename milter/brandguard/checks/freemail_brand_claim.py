"""freemail_brand_claim: a free-mail address (gmail.com, outlook.*) presents itself as a brand."""
from __future__ import annotations

import re
from collections.abc import Sequence

from brandguard.checks._brands import brand_name, domain_is_brands, suspects
from brandguard.checks._lexicon import vocabulary
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.content.model import Phone
from brandguard.model import Finding
from brandguard.policy.vocabulary import Vocabulary


def _alert(text: str, v: Vocabulary) -> re.Match[str] | None:
    """The account stories a brand tells its customers: a sign-in alert, "verify your identity"."""
    return v.topics["security_alert"].search(text) or v.credential["account_verify"].search(text)


def brand_voice(text: str, phones: Sequence[Phone], v: Vocabulary) -> str | None:
    """What makes a message read as the brand's own, as evidence text; None for a personal note.

    Receipts and renewals name an amount or a phone number next to a transaction word; alerts tell an
    account story. Each branch returns a string, so no caller can mistake a tuple of phones for a match.
    """
    deal = v.transaction.search(text)
    if deal is not None:
        amount = v.amount.search(text)
        if amount is not None:
            return amount.group()
        if phones:
            return f"{deal.group()} ... {phones[0].raw}"
    alert = _alert(text, v)
    return alert.group() if alert is not None else None


# a reply's subject prefix (en, de, nl, sv/da/no, pt, it): a forward ("ENC:", "Fwd:") passes on somebody else's words
_REPLY = re.compile(r"^\s*(?:re|aw|antw|sv|res|r)\s*(?:\[\d+\])?\s*:", re.I)
_SYSTEM = frozenset({"postmaster", "mailer-daemon", "no-reply", "noreply", "do-not-reply", "donotreply"})


@register
class FreemailBrandClaim(Check):
    """Brands never send from free-mail; but people mention brands, so body claims need the brand's voice."""

    name = "freemail_brand_claim"
    description = "a free-mail sender uses a brand name in its display name or address, or writes as the brand"
    outcomes = frozenset({"display_name", "brand_voice"})

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        c, cat = inp.content, inp.catalogue
        if not c.from_domain or not cat.is_freemail(c.from_domain):
            return []
        text = f"{c.subject}\n{c.text_of()}"
        # a reply in a thread (In-Reply-To or References) is a person writing back, not a brand's notice: people tell
        # each other what a brand charged them; the content checks still read a hijacked thread's lure
        replying = bool(_REPLY.match(c.subject)) and bool(
            inp.ctx.header_values("In-Reply-To") or inp.ctx.header_values("References"))
        voice = None if replying else brand_voice(text, c.phones, vocabulary(inp))
        local = c.from_address.split("@")[0]
        out = []
        for brand, claim in suspects(inp, "body").items():
            name = brand_name(inp, brand)
            if local in _SYSTEM and domain_is_brands(inp, c.from_domain, brand):
                continue  # postmaster@outlook.com bounces come from Microsoft; users cannot hold these names
            if claim.level == "display_name":
                out.append(self.finding("display_name", brand, f"{claim.describe(name)}; sent from free-mail "
                                        f"{c.from_address}", claim.where))
            elif voice:
                out.append(self.finding("brand_voice", brand, f"{claim.describe(name)} with "
                                        f"\"{voice}\" from free-mail {c.from_address}", claim.where))
        return out
