"""Brand attribution, the stage between content and checks: which brands a message claims, where, and which the sender is."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from brandguard.addresses import parse_addresses
from brandguard.checks._lexicon import FORWARD_SUBJECT
from brandguard.content.model import Content
from brandguard.content.names import compact
from brandguard.content.sendername import own_name
from brandguard.model import AuthResults, MessageContext, domain_of
from brandguard.policy.catalogue import Catalogue
from brandguard.policy.vocabulary import default_vocabulary

LEVELS = {"body": 1, "subject": 2, "display_name": 3}
_ORDER = ("display_name", "from_address", "subject", "forwarded", "signature", "body", "attachment", "pdf", "docx", "ics",
          "ocr")
# The text speaks as the brand: "© 2025 Coinbase", "Amazon Support Team", "Regards, the PayPal team". A writer
# mentioning a brand does not sign with it; a scam without a display name still does.
_ROLE = (r"(?:support(?:\s+team)?|team|security\s+team|account\s+team|customer\s+(?:service|care|support)|"
         r"billing\s+(?:team|department)|help\s*desk|notifications?|kundenservice|kundendienst|atendimento)")
_SIGNED_BEFORE = re.compile(
    r"(?:©|\(c\)|copyright)\s*(?:\d{4}\s*(?:[-–]\s*\d{4}\s*)?)?$|(?:sincerely|regards|thanks|thank\s+you|"
    r"atenciosamente|cordialmente|cordialement|grü(?:ß|ss)en|saludos)[,.!]?\s+(?:the\s+|your\s+|ihr\s+|equipe\s+|o\s+)?$",
    re.I)
_SIGNED_AFTER = re.compile(r"^\s?(?:" + _ROLE + r"\b|-team\b)", re.I)


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
    if where in ("display_name", "from_address"):
        return "display_name"
    return "subject" if where in ("subject", "forwarded", "signature") else "body"


def _signed(text: str, start: int, end: int) -> bool:
    return bool(_SIGNED_BEFORE.search(text[max(0, start - 30):start]) or _SIGNED_AFTER.match(text[end:end + 30]))


_WORD_BEFORE = re.compile(r"\b([A-Z][a-z]+)[ \u00a0]$")


def _surname(text: str, start: int, end: int, given_names: frozenset[str]) -> bool:
    """'Edward Norton', 'John McAfee': a one-word name after a first name is a person's, not the brand's."""
    if not given_names or " " in text[start:end] or not text[start:start + 1].isupper():
        return False
    m = _WORD_BEFORE.search(text, max(0, start - 20), start)
    return m is not None and m.group(1) in given_names


_MAILBOX = re.compile(r"[\w.+'-]*@[\w-]+(?:\.[\w-]+)+")


def _in_address(text: str, start: int, end: int) -> bool:
    # an address is one short word: look 100 characters each way, not to the ends of a megabyte of text
    a, b = max(0, start - 100), min(len(text), end + 100)
    lo = max(text.rfind(" ", a, start), text.rfind("\n", a, start), text.rfind("<", a, start), a - 1)
    hi = min((i for i in (text.find(" ", end, b), text.find("\n", end, b), text.find(">", end, b)) if i != -1), default=b)
    return bool(_MAILBOX.search(text, lo + 1, hi))  # "P@yPal" is a disguised name, no mailbox


_REPLY = re.compile(r"^\s*(?:re|aw|sv|antw|fwd?|wg|tr|rv|enc)\s*(?:\[\d+\])?\s*:", re.I)
_SPACED = re.compile(r"\b(?:\w ){3,}\w\b")


def _in_local(token: str, local: str) -> bool:
    """'mcafee.billing', 'nortonsupport' hold the brand; 'stripes' does not hold 'stripe'."""
    start = local.find(token)
    if start < 0:
        return False
    before = local[:start][len(local[:start].rstrip("abcdefghijklmnopqrstuvwxyz")):]
    after = local[start + len(token):]
    after = after[:len(after) - len(after.lstrip("abcdefghijklmnopqrstuvwxyz"))]
    return all(not part or len(part) >= 4 for part in (before, after))


class _LocalTokens:
    """Per catalogue: brand tokens of 5+ letters as compact skeletons, filed by their first five letters."""

    def __init__(self, cat: Catalogue):
        self.ids = list(cat.brands)
        self.by_head: dict[str, list[tuple[int, str]]] = {}
        self.short: list[tuple[int, str]] = []  # skeletons under five letters (none today) are always tried
        for pos, brand in enumerate(cat.brands.values()):
            for t in brand.tokens:
                if len(t) >= 5:
                    key = compact(t)
                    if len(key) >= 5:
                        self.by_head.setdefault(key[:5], []).append((pos, key))
                    else:
                        self.short.append((pos, key))


def _local_brands(cat: Catalogue, local: str) -> list[str]:
    """Brands with a token in the From local part, in catalogue order.

    A token can only be in `local` where its first five letters are: look those up instead of trying
    every token of every brand on every message.
    """
    index = cat.derived("local_tokens", _LocalTokens)
    tried = list(index.short)
    for i in range(len(local) - 4):
        tried += index.by_head.get(local[i:i + 5], ())
    return [index.ids[pos] for pos in sorted({pos for pos, key in tried if _in_local(key, local)})]


def discussion_list(ctx: MessageContext) -> bool:
    """A post redistributed by a discussion list (RFC 2369 List-Post, Mailman, ezmlm/Yahoo Groups' Mailing-List)."""
    return any(ctx.header_values(h) for h in ("List-Post", "Mailing-List", "X-Mailman-Version"))


def _claims(ctx: MessageContext, c: Content, cat: Catalogue) -> dict[str, Claim]:
    """Every catalogue brand named in the message, strongest place first."""
    found: dict[str, list[tuple[str, str]]] = {}
    # "Re: Dell laptops" is a thread about Dell, "[ILUG] Dell Inspiron" a list member's question: the subject of a
    # reply, a forward or a discussion-list post is a topic, no claim of the sender's. But "RE: Your declined
    # transaction (Norton)" without In-Reply-To or References is no reply, it is a disguise.
    replying = bool(_REPLY.match(c.subject)) and bool(
        ctx.header_values("In-Reply-To") or ctx.header_values("References") or FORWARD_SUBJECT.match(c.subject))
    subject_where = "body" if replying or discussion_list(ctx) else "subject"
    places = [("display_name", c.display_name), (subject_where, c.subject)] + [(t.source, t.text) for t in c.texts]
    # the sender of a forwarded message ("De: McAfee Department <x@y.example>") speaks inside the forward
    places += [("forwarded", name) for name in c.forwarded_names]
    # "C o i n b a s e": letters spaced out to dodge filters, undone for the headers
    places += [(w, _SPACED.sub(lambda m: m.group().replace(" ", ""), t)) for w, t in places[:2] if _SPACED.search(t)]
    given_names = (cat.vocabulary or default_vocabulary()).given_names
    for where, text in places:
        for hit in cat.find_names(text):
            if _in_address(text, hit.start, hit.end):
                continue  # "someone@hotmail.com" names a mailbox, not the brand
            if _surname(text, hit.start, hit.end, given_names):
                continue
            signed = where not in ("display_name", "subject") and _signed(text, hit.start, hit.end)
            for brand in hit.owners:
                found.setdefault(brand, []).append(("signature" if signed else where, hit.text))
    # a brand's own domain names its mailboxes as it likes: "msonlineservicesteam@microsoftonline.com" is Microsoft's,
    # not a claim of Steam ("services" + "team")
    own_domain = bool(c.from_domain) and bool(cat.brands_for_domain(c.from_domain)) and not cat.is_freemail(c.from_domain)
    local = compact(c.from_address.split("@")[0]) if "@" in c.from_address and not own_domain else ""
    for brand_id in _local_brands(cat, local):
        found.setdefault(brand_id, []).append(("from_address", c.from_address))
    out = {}
    for brand, places_ in found.items():
        where, text = min(places_, key=lambda p: _ORDER.index(p[0]))
        variants = tuple(dict.fromkeys(t for w, t in places_ if w != "from_address"))[:10]
        out[brand] = Claim(brand, _level(where), where, text, len(places_), variants)
    return out


def _authenticated(auth: AuthResults, cat: Catalogue) -> frozenset[str]:
    """Brands whose domain (or a subdomain) the message is authenticated as."""
    out: set[str] = set()
    for d in auth.authenticated_domains():
        if not cat.is_freemail(d):
            out.update(cat.brands_for_domain(d))
    return frozenset(out)


def _owned(ctx: MessageContext, auth: AuthResults, c: Content, cat: Catalogue,
           authenticated: frozenset[str]) -> frozenset[str]:
    """Brands the sender is: authenticated as, or (offline only) From / Return-Path in the brand's domains."""
    out = set(authenticated)
    if not auth.checked:
        from_domain, rp = c.from_domain, c.return_path_domain
        if not _well_formed_from(ctx):
            from_domain = ""  # no brand's mail system writes 'Selektiert!,(<x@brand.example>)': the name is borrowed
        for d in (from_domain, rp):
            if d and not cat.is_freemail(d):
                out.update(cat.sender_brands(d))
    return frozenset(out)


def _well_formed_from(ctx: MessageContext) -> bool:
    """Exactly one From header holding exactly one parseable address."""
    froms = ctx.header_values("From")
    if len(froms) != 1:
        return False
    addrs = {a.lower() for _, a in parse_addresses(froms) if a}
    return len(addrs) == 1 and "@" in next(iter(addrs))


def _forwarded(c: Content, cat: Catalogue) -> frozenset[str]:
    """Brands whose own domain appears as the From of a forwarded message (a user forwarding a receipt)."""
    out: set[str] = set()
    for addr in c.forwarded_from:
        out.update(cat.sender_brands(domain_of(addr)))
    return frozenset(out)


def _empty() -> Mapping[str, Claim]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Attribution:
    """Who the message claims to be and who it provably is; computed once per message, read by every check."""

    claims: Mapping[str, Claim] = field(default_factory=_empty)  # every brand named, at its strongest place
    authenticated: frozenset[str] = frozenset()  # brands whose domain the message is authenticated as
    owned: frozenset[str] = frozenset()  # authenticated, or (offline only) From / Return-Path in their domains
    forwarded: frozenset[str] = frozenset()  # brands whose own domain is the From of a forwarded message
    is_forward: bool = False  # the subject says forward ("Fwd:") and a brand's own message is inside
    suspects: Mapping[str, Claim] = field(default_factory=_empty)  # claimed, not owned: strongest first
    # the sender speaks as itself: its display name's own word is spelt by its (not free-mail) From domain, and it
    # claims no brand as its identity ("OfficeWorld" <orders@officeworld-shop.example> selling a McAfee licence)
    self_named: str = ""

    def suspected(self, min_level: str = "body") -> dict[str, Claim]:
        """The impersonation candidates claimed at `min_level` or stronger, strongest first."""
        return {b: c for b, c in self.suspects.items() if c.at_least(min_level)}

    @property
    def primary(self) -> str | None:
        """The one brand a lure is attributed to: strongest claim, then most mentions."""
        return next(iter(self.suspects), None)

    def summary(self) -> str:
        """One line for `scan --explain` and the JSON record: who is claimed where, who sent it."""
        parts = ["claimed " + (", ".join(f"{b} ({c.where})" for b, c in self.claims.items()) or "-"),
                 self.owned and "sender is " + ", ".join(sorted(self.owned)),
                 self.forwarded and "forwards a message of " + ", ".join(sorted(self.forwarded)),
                 self.self_named and f'sender speaks as itself ("{self.self_named}")']
        return "; ".join(p for p in parts if p)


EMPTY = Attribution()


def attribute(ctx: MessageContext, auth: AuthResults, content: Content, catalogue: Catalogue) -> Attribution:
    """The attribution stage: claims, ownership and impersonation suspects of one message."""
    claimed = _claims(ctx, content, catalogue)
    authenticated = _authenticated(auth, catalogue)
    owned = _owned(ctx, auth, content, catalogue, authenticated)
    fwd = _forwarded(content, catalogue)
    is_forward = bool(fwd) and bool(FORWARD_SUBJECT.match(content.subject))
    return Attribution(claims=MappingProxyType(claimed), authenticated=authenticated, owned=owned, forwarded=fwd,
                       is_forward=is_forward, suspects=MappingProxyType(_suspects(claimed, owned, fwd, is_forward)),
                       self_named=_self_named(content, catalogue, claimed))


def _self_named(c: Content, cat: Catalogue, claimed: dict[str, Claim]) -> str:
    """The sender's own name when it speaks as itself: a display name the From domain spells, no brand in it."""
    if not c.from_domain or cat.is_freemail(c.from_domain) or cat.brands_for_domain(c.from_domain):
        return ""
    if any(claim.where in ("display_name", "from_address") for claim in claimed.values()):
        return ""
    # "Ledger Live" <support@ledgerliveupdate.com> spells its own name, which is the brand's: a look-alike
    domain = compact(c.from_domain.replace(".", ""))
    if any(len(token) >= 4 and token in domain for brand in claimed for token in cat.brands[brand].tokens):
        return ""
    return own_name(c.display_name, c.from_domain)


def _suspects(claimed: dict[str, Claim], owned: frozenset[str], fwd: frozenset[str],
              is_forward: bool) -> dict[str, Claim]:
    """Claimed brands that did not send the message, strongest first.

    Brands named in the display name or subject all count. Brands named only in the text count only
    when nothing is named in the headers, and then only the most-named one: a scam borrows one brand,
    while newsletters and receipts mention many in passing.
    """
    kept = {}
    for brand, claim in claimed.items():
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
    return dict(sorted(chosen.items(), key=lambda kv: (-LEVELS[kv[1].level], -kv[1].count, kv[0])))
