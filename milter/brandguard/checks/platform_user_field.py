"""platform_user_field: what a platform's user wrote (seller note, event title) names a brand, a number, a story."""
from __future__ import annotations

import re

from pydantic import Field

from brandguard.checks._lexicon import near, vocabulary
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.content.model import Phone
from brandguard.content.platform import UserField, sender_hosts, user_fields
from brandguard.model import Finding
from brandguard.policy.vocabulary import Vocabulary

# what makes a brand named in a note or title a claim rather than a mention: money leaving, a cancellation, an alert
_STORY_TOPICS = ("security_alert", "protection_expired", "crypto_wallet")
_DOMAIN_AFTER = re.compile(r"\.[a-z]", re.I)
_OCCURRENCES = 5  # places of one number looked at for a call to action


class PlatformUserFieldParams(CheckParams):
    window: int = Field(150, ge=20, le=2000, description="characters around a brand or number (within its line) "
                        "searched for a story or a call to action")


def _story(v: Vocabulary, text: str, start: int = 0, end: int | None = None) -> re.Match[str] | None:
    """A charge, cancellation, refund, alert, gift card or remote-access request in text[start:end] (v: vocabulary)."""
    end = len(text) if end is None else end
    for lexicon in (v.cancel, v.charge, v.gift_or_crypto, v.access_request, v.remote_tools,
                    *(v.topics[t] for t in _STORY_TOPICS if t in v.topics)):
        m = lexicon.search(text, start, end)
        if m:
            return m
    return None


def _lure(v: Vocabulary, text: str) -> re.Match[str] | None:
    """The callback story itself: a cancellation or refund about money, remote access, gift cards, an alert."""
    cancel = v.cancel.search(text)
    if cancel and (v.amount.search(text) or v.charge.search(text)):
        return cancel
    alert = v.topics.get("security_alert")
    return v.access_request.search(text) or v.gift_or_crypto.search(text) or (
        cancel if cancel and alert is not None and alert.search(text) else None)


def _line(text: str, start: int, end: int, window: int) -> tuple[int, int]:
    lo = max(text.rfind("\n", 0, start) + 1, start - window)
    nl = text.find("\n", end)
    return lo, min(len(text) if nl < 0 else nl, end + window)


def _in_address(text: str, start: int, end: int) -> bool:
    """'billing@norton-help.example', 'www.norton.com': a mailbox or a site, which the link checks judge."""
    lo = max(text.rfind(c, 0, start) for c in " \n\t<(\"'") + 1
    hi = min((i for i in (text.find(c, end) for c in " \n\t>)\"'") if i >= 0), default=len(text))
    token = text[lo:hi]
    label_before = start >= 2 and text[start - 1] == "." and text[start - 2].isalnum()
    return "@" in token or "/" in token or bool(_DOMAIN_AFTER.match(text, end)) or label_before


@register
class PlatformUserField(Check):
    """A platform's own domain vouches for the platform's words only; what its user typed is judged like any mail."""

    name = "platform_user_field"
    description = ("mail from a platform listed in platforms.yaml (invoices, calendar invites, signature requests) "
                   "whose user-written part names another brand, gives a phone number to call or tells a callback "
                   "story")
    outcomes = frozenset({"brand_and_phone", "phone_and_lure", "brand_and_lure", "brand_in_user_field",
                          "phone_in_user_field", "lure_in_user_field"})
    Params = PlatformUserFieldParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        params = PlatformUserFieldParams.of(params)
        cat, c = inp.catalogue, inp.content
        platforms = cat.platforms
        if platforms is None or not platforms.entries or c is None:
            return []
        matched = platforms.matching(sender_hosts(inp.ctx, inp.auth, c))
        fields = [f for p in matched for f in user_fields(p, c)]
        if not fields:
            return []
        v = vocabulary(inp)
        own_brands = frozenset[str]().union(*(p.brands for p in matched))
        own_phones = frozenset[str]().union(*(p.phones for p in matched))
        phone = self._phone(inp, v, fields, own_phones, params.window)
        # a business or organizer name holding a phone number is no name: the lure itself
        named_number = phone is not None and phone[1].kind == "identity"
        brand = self._brand(inp, v, fields, own_brands, params.window, named_number)
        lure = next(((m, f) for f in fields if (m := _lure(v, f.text))), None)
        outcome = ("brand_and_phone" if brand and phone else "phone_and_lure" if phone and lure else
                   "brand_and_lure" if brand and lure else "brand_in_user_field" if brand else
                   "phone_in_user_field" if phone else "lure_in_user_field" if lure else None)
        where = brand[2] if brand else phone[1] if phone else lure[1] if lure else None
        if outcome is None or where is None:
            return []
        names = ", ".join(p.name for p in matched if any(f.platform == p.id for f in fields))
        parts = []
        if brand:
            parts.append(f'{cat.brands[brand[0]].name} named as "{brand[1]}" in {brand[2].name}')
        if phone:
            parts.append(f"number {phone[0].e164} in {phone[1].name}")
        if lure:
            parts.append(f'"{lure[0].group()}" in {lure[1].name}')
        evidence = f"{names} mail, user-written part: " + "; ".join(parts) + f': "{" ".join(where.text.split())[:80]}"'
        return [self.finding(outcome, brand[0] if brand else None, evidence, where.source)]

    @staticmethod
    def _brand(inp: CheckInput, v: Vocabulary, fields: list[UserField], own: frozenset[str], window: int,
               named_number: bool) -> tuple[str, str, UserField] | None:
        """(brand id, words, field) of the first other brand claimed in a user field, or None.

        Small businesses are called "Apple Valley Plumbing" or "Spectrum Dental", and notes mention products: a
        brand counts beside a story (a charge, a cancellation, an alert), in a name anywhere, in a note on its line.
        """
        anywhere = named_number or any(_story(v, f.text) for f in fields)
        for f in fields:
            for hit in inp.catalogue.find_names(f.text):
                if own.intersection(hit.owners) or _in_address(f.text, hit.start, hit.end):
                    continue  # the platform's own name ("PayPal"), or a mailbox or site
                if f.kind == "identity":
                    told = anywhere
                else:
                    told = _story(v, f.text, *_line(f.text, hit.start, hit.end, window)) is not None
                if told:
                    return hit.owners[0], hit.text, f
        return None

    @staticmethod
    def _phone(inp: CheckInput, v: Vocabulary, fields: list[UserField], own: frozenset[str],
               window: int) -> tuple[Phone, UserField] | None:
        """(phone, field) of the first number in a user field offered to call that no brand publishes, or None."""
        for phone in inp.content.phones:
            if phone.e164 in own or inp.catalogue.phone_owners(phone.e164):
                continue
            for f in fields:
                pos = f.text.find(phone.raw)
                for _ in range(_OCCURRENCES):
                    if pos < 0:
                        break
                    end = pos + len(phone.raw)
                    # a meeting's dial-in number is no call to action
                    if not v.dial_in.search(f.text, max(0, pos - window), end + window) and (
                            f.kind == "identity" or near(v.call, f.text, pos, end, window)):
                        return phone, f
                    pos = f.text.find(phone.raw, end)
        return None
