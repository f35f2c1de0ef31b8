"""Which brands a message claims, which brand (if any) provably sent it, and so which are impersonated."""
from __future__ import annotations

import re
from dataclasses import dataclass

from brandguard.checks._lexicon import FORWARD_SUBJECT
from brandguard.checks.base import CheckInput
from brandguard.content.names import compact
from brandguard.content.urls import in_domain
from brandguard.model import domain_of

LEVELS = {"body": 1, "subject": 2, "display_name": 3}
_ORDER = ("display_name", "from_address", "subject", "body", "attachment", "pdf", "docx", "ics", "ocr")


@dataclass(frozen=True)
class Claim:
    """The strongest place a brand is named, with how often it is named in all."""

    brand: str
    level: str  # display_name | subject | body
    where: str  # display_name, from_address, subject, body, attachment, pdf, docx, ics, ocr
    text: str  # the words as written
    count: int = 1
    variants: tuple[str, ...] = ()  # distinct spellings seen (at most 10), for obfuscation evidence

    def at_least(self, level: str) -> bool:
        return LEVELS[self.level] >= LEVELS[level]

    def describe(self, brand_name: str) -> str:
        more = f", {self.count} mentions" if self.count > 1 else ""
        return f'{brand_name} named as "{self.text}" in {self.where}{more}'


def _level(where: str) -> str:
    return "display_name" if where in ("display_name", "from_address") else "subject" if where == "subject" else "body"


def _in_address(text: str, start: int, end: int) -> bool:
    lo = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start), text.rfind("<", 0, start))
    hi = min((i for i in (text.find(" ", end), text.find("\n", end), text.find(">", end)) if i != -1), default=len(text))
    return "@" in text[lo + 1:hi]


_REPLY = re.compile(r"^\s*(?:re|aw|sv|antw|fwd?|wg|tr|rv|enc)\s*(?:\[\d+\])?\s*:", re.I)
_SPACED = re.compile(r"\b(?:\w ){3,}\w\b")


def _in_local(token: str, local: str) -> bool:
    """'mcafee.billing', 'nortonsupport' hold the brand; 'stripes' does not hold 'stripe'."""
    start = local.find(token)
    if start < 0:
        return False
    before = re.search(r"[a-z]*$", local[:start]).group()
    after = re.match(r"[a-z]*", local[start + len(token):]).group()
    return all(not part or len(part) >= 4 for part in (before, after))


def claims(inp: CheckInput) -> dict[str, Claim]:
    """Every catalogue brand named in the message, strongest place first; memoised per message."""
    c, cat = inp.content, inp.catalogue
    if c is None or cat is None:
        return {}
    key = f"claims:{id(cat)}"
    if key in c.memo:
        return c.memo[key]
    found: dict[str, list[tuple[str, str]]] = {}
    # "Re: Dell laptops" is a thread about Dell: a reply or forward subject is no claim of the sender's
    subject_where = "body" if _REPLY.match(c.subject) else "subject"
    places = [("display_name", c.display_name), (subject_where, c.subject)] + [(t.source, t.text) for t in c.texts]
    # "C o i n b a s e": letters spaced out to dodge filters, undone for the headers
    places += [(w, _SPACED.sub(lambda m: m.group().replace(" ", ""), t)) for w, t in places[:2] if _SPACED.search(t)]
    for where, text in places:
        for hit in cat.find_names(text):
            if _in_address(text, hit.start, hit.end):
                continue  # "someone@hotmail.com" names a mailbox, not the brand
            for brand in hit.owners:
                found.setdefault(brand, []).append((where, hit.text))
    local = compact(c.from_address.split("@")[0]) if "@" in c.from_address else ""
    for brand in cat.brands.values():
        if any(len(t) >= 5 and _in_local(compact(t), local) for t in brand.tokens):
            found.setdefault(brand.id, []).append(("from_address", c.from_address))
    out = {}
    for brand, places_ in found.items():
        where, text = min(places_, key=lambda p: _ORDER.index(p[0]))
        variants = tuple(dict.fromkeys(t for w, t in places_ if w != "from_address"))[:10]
        out[brand] = Claim(brand, _level(where), where, text, len(places_), variants)
    c.memo[key] = out
    return out


def authenticated_brands(inp: CheckInput) -> set[str]:
    """Brands whose domain (or a subdomain) the message is authenticated as."""
    cat = inp.catalogue
    out: set[str] = set()
    for d in inp.auth.authenticated_domains():
        if not cat.is_freemail(d):
            out.update(cat.brands_for_domain(d))
    return out


def owned_brands(inp: CheckInput) -> set[str]:
    """Brands the sender is: authenticated as, or (offline only) From / Return-Path in the brand's domains."""
    cat, c = inp.catalogue, inp.content
    if cat is None:
        return set()
    key = f"owned:{id(cat)}"
    if c is not None and key in c.memo:
        return c.memo[key]
    out = authenticated_brands(inp)
    if not inp.auth.checked:
        from_domain = c.from_domain if c is not None else domain_of(inp.ctx.first_header("From") or "")
        rp = c.return_path_domain if c is not None else inp.ctx.envelope.mail_from_domain
        for d in (from_domain, rp):
            if d and not cat.is_freemail(d):
                out.update(cat.sender_brands(d))
    if c is not None:
        c.memo[key] = out
    return out


def forwarded_brands(inp: CheckInput) -> set[str]:
    """Brands whose own domain appears as the From of a forwarded message (a user forwarding a receipt)."""
    cat, c = inp.catalogue, inp.content
    out: set[str] = set()
    for addr in c.forwarded_from if c is not None else ():
        out.update(cat.sender_brands(domain_of(addr)))
    return out


def suspects(inp: CheckInput, min_level: str = "body") -> dict[str, Claim]:
    """Claimed brands that did not send the message: the impersonation candidates, strongest first.

    Brands named in the display name or subject all count. Brands named only in the text count only
    when nothing is named in the headers, and then only the most-named one: a scam borrows one brand,
    while newsletters and receipts mention many in passing.
    """
    all_claims = claims(inp)
    if not all_claims:
        return {}
    owned = owned_brands(inp)
    fwd = forwarded_brands(inp)
    is_forward = bool(fwd) and bool(FORWARD_SUBJECT.match(inp.content.subject))
    kept = {}
    for brand, claim in all_claims.items():
        if brand in owned:
            continue
        if brand in fwd and (is_forward or claim.level == "body"):
            continue  # a forwarded message from the brand's domain: the forwarder claims nothing
        kept[brand] = claim
    header = {b: c for b, c in kept.items() if c.level != "body"}
    if owned:
        # a brand's own mail naming partners ("pay with Visa", "AirPods order") is not impersonation
        chosen = {b: c for b, c in header.items() if c.level == "display_name"}
    elif header:
        chosen = header
    else:
        body = sorted(kept.items(), key=lambda kv: (-kv[1].count, kv[0]))
        chosen = dict(body[:1])
    out = {b: c for b, c in chosen.items() if c.at_least(min_level)}
    return dict(sorted(out.items(), key=lambda kv: (-LEVELS[kv[1].level], -kv[1].count, kv[0])))


def primary(inp: CheckInput) -> str | None:
    """The one brand a lure is attributed to: strongest claim, then most mentions."""
    return next(iter(suspects(inp, "body")), None)


def brand_name(inp: CheckInput, brand: str) -> str:
    b = inp.catalogue.brands.get(brand)
    return b.name if b else brand


def domain_is_brands(inp: CheckInput, host: str, brand: str) -> bool:
    b = inp.catalogue.brands.get(brand)
    return bool(b) and any(in_domain(host, d) for d in b.domains | b.web_domains)
