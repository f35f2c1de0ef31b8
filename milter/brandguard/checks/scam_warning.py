"""scam_warning: mail about a scam (a security bulletin, an abuse-desk forward, a newsletter) that asks nothing itself."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from pydantic import Field

from brandguard.checks._lexicon import near, vocabulary
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import get, register
from brandguard.content import fastfind
from brandguard.content.urls import host_of, in_domain, org_domain
from brandguard.model import Finding, domain_of
from brandguard.policy.vocabulary import Vocabulary

# Structure, not vocabulary: where a forwarded message starts, a quoted line, a quotation in marks.
_FORWARD = re.compile(
    r"-{3,}\s*(?:forwarded message|original message|mensagem encaminhada|weitergeleitete nachricht|message transf[ée]r[ée]"
    r"|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht|urspr[üu]ngliche nachricht|message d'origine)\s*-{3,}"
    r"|begin forwarded message:|転送(?:された)?メッセージ", re.I)
_QUOTED = re.compile(r"^[ \t]*>.*$|\"[^\"\n]{1,400}\"|“[^”]{1,400}”|«[^»]{1,400}»|„[^“”]{1,400}[“”]|「[^」]{1,400}」"
                     r"|『[^』]{1,400}』", re.M)
# every alternative of _QUOTED needs one of these: `re` would try its alternation at each character of a text with none
_QUOTE_MARKS = (">", '"', "“", "«", "„", "「", "『")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+|\n")
_LIST_ADDRESS = re.compile(r"<(?:mailto:)?([^<>\s]+)>")
_IP = re.compile(r"[\d.]+|\[?[0-9a-f]*:[0-9a-f:]*\]?")
_LONG_PARAGRAPH = 600  # longer ones (a whole HTML mail without blocks) are judged sentence by sentence
_CREDENTIAL_ASKS = ("mailbox_quota", "password_expiry", "account_verify", "verify_request", "payment_update")


class ScamWarningParams(CheckParams):
    min_warnings: int = Field(2, ge=1, le=10, description="different warning phrases the message's own text holds")
    window: int = Field(160, ge=20, le=2000, description="characters around a phone number searched for a call to "
                        "action and for the organisation's own domain")


@dataclass(frozen=True)
class _Text:
    """One source's text, with the quoted and the warning parts blanked out: what the sender asks in its own voice."""

    source: str
    text: str
    own: str  # quoted material blanked (same length as text): where warnings are counted
    asks: str  # quoted material and paragraphs holding a warning blanked: where a request counts


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def _units(text: str) -> Iterator[tuple[int, int]]:
    """Paragraphs, and sentences of a paragraph too long to be one thought."""
    start = 0
    for end in [m.start() for m in _PARAGRAPH.finditer(text)] + [len(text)]:
        if end - start <= _LONG_PARAGRAPH:
            yield start, end
        else:
            cut = start
            for m in _SENTENCE.finditer(text, start, end):
                yield cut, m.start()
                cut = m.end()
            yield cut, end
        start = end


def _forward_mark(text: str) -> re.Match[str] | None:
    """_FORWARD.search(text); in ASCII text (where no 転送 can be) tried only where a '---' or 'begin ' starts."""
    if text.isascii():
        return next(fastfind.finditer(_FORWARD, fastfind.forward_mark_starts(text), text), None)
    return _FORWARD.search(text)


def _split(source: str, text: str, quoted_whole: bool, v: Vocabulary) -> _Text:
    if quoted_whole:
        blank = " " * len(text)
        return _Text(source, text, blank, blank)
    mark = _forward_mark(text)
    quoted = any(q in text for q in _QUOTE_MARKS)
    spans = [(m.start(), m.end()) for m in _QUOTED.finditer(text, 0, mark.start() if mark else len(text))] if quoted else []
    own = _blank(text, spans + ([(mark.start(), len(text))] if mark else []))
    # one scan of the whole text says whether any paragraph can hold a warning: most mail has none
    warned = [(a, b) for a, b in _units(own) if v.warning.search(own, a, b)] if v.warning.possible(own) else []
    return _Text(source, text, own, _blank(own, warned))


def _attached_message(inp: CheckInput) -> bool:
    return any(p.get_content_type() == "message/rfc822" for p in inp.mime.walk())


def _texts(inp: CheckInput, v: Vocabulary, attached: bool) -> list[_Text]:
    c = inp.content
    out = [_split("subject", c.subject, False, v)]
    for part in c.texts:
        # an attached message is the specimen, whatever it says; other attachments speak for the sender
        out.append(_split(part.source, part.text, attached and part.source == "attachment", v))
    return out


def _forwarded(inp: CheckInput, texts: list[_Text]) -> bool:
    return bool(inp.content.forwarded_from) or any(t.source == "body" and _forward_mark(t.text) for t in texts)


def _online(inp: CheckInput) -> bool:
    return inp.auth.checked


def _own_organisation(inp: CheckInput, org: str) -> str | None:
    """The From is the recipients' own organisation, proven (online) or consistent with the envelope (offline)."""
    c, env = inp.content, inp.ctx.envelope
    rcpts = [domain_of(r) for r in env.rcpts]
    if not rcpts or any(org_domain(d) != org for d in rcpts):
        return None
    if _online(inp):
        dmarc = inp.auth.dmarc
        if env.auth_authen or (dmarc.result == "pass" and org_domain(dmarc.from_domain or c.from_domain) == org):
            return f"from {c.from_domain} to its own organisation ({org}), " + (
                "SASL-authenticated" if env.auth_authen else "DMARC pass")
        return None
    if c.return_path_domain and org_domain(c.return_path_domain) == org:
        return f"from {c.from_domain} to its own organisation ({org}), envelope sender agrees (offline)"
    return None


def _list(inp: CheckInput, org: str, v: Vocabulary) -> tuple[str, str] | None:
    """A list (List-Id, else List-Post) run by the sender's or the envelope sender's organisation, proven or consistent."""
    c, cat = inp.content, inp.catalogue
    # a newsletter without List-Id still carries List-Unsubscribe (bulk senders must, RFC 8058): its host is the list's
    value = (inp.ctx.first_header("List-Id") or inp.ctx.first_header("List-Post")
             or inp.ctx.first_header("List-Unsubscribe") or "")
    m = _LIST_ADDRESS.search(value)
    target = m.group(1) if m else ""
    host = domain_of(target) if "@" in target else host_of(target) if "://" in target else target.lower().rstrip(".")
    if not host or "." not in host or cat.is_freemail(host):
        return None
    lorg = org_domain(host)
    rp_org = org_domain(c.return_path_domain) if c.return_path_domain else ""
    if lorg not in (org, rp_org):
        return None
    if _online(inp):
        ok = any(org_domain(d) == lorg for d in inp.auth.authenticated_domains())
    else:
        esp = any(in_domain(c.return_path_domain, d) for d in v.esp_domains) if rp_org else False
        ok = rp_org == lorg or (org == lorg and esp)
    if not ok:
        return None
    return f"list {host} run by {lorg}" + ("" if _online(inp) else " (offline: envelope sender agrees)"), lorg


def _sender_disguised(inp: CheckInput, orgs: set[str]) -> str | None:
    """A brand in the display name, a Reply-To elsewhere, a look-alike sender: not how bulletins are sent."""
    c, cat = inp.content, inp.catalogue
    if any(claim.level == "display_name" for claim in inp.attribution.suspects.values()):
        return "a brand in the display name"
    if any(cat.is_freemail(domain_of(a)) or org_domain(domain_of(a)) not in orgs for a in c.reply_to):
        return "Reply-To elsewhere"
    look = get("lookalike_domain")
    if look.evaluate(inp, look.Params.model_validate({"links": False})):
        return "look-alike sender"
    return None


def _paragraph(text: str, start: int, end: int, reach: int) -> str:
    """The paragraph around text[start:end], at most `reach` characters each way."""
    before = _PARAGRAPH.split(text[max(0, start - reach):start])[-1]
    after = _PARAGRAPH.split(text[end:end + reach])[0]
    return f"{before} {after}"


def _own_number(t: _Text, start: int, end: int, org: str, window: int, v: Vocabulary) -> bool:
    """The organisation's own line: its domain (servicedesk@org) or name beside the number, in a paragraph that
    tells no lure story of its own ("if you already called, ring the service desk on ..." is help, not a lure)."""
    around = _paragraph(t.text, start, end, window).lower()
    label = org.split(".")[0]
    if org not in around and not (len(label) >= 4 and re.search(rf"\b{re.escape(label)}\b", around)):
        return False
    story = _paragraph(t.asks, start, end, 2 * window)
    return not any(lex.search(story) for lex in (v.cancel, v.charge, v.amount, v.gift_or_crypto, v.access_request,
                                                 v.topics["security_alert"]))


def _asks(inp: CheckInput, texts: list[_Text], org: str, v: Vocabulary, window: int, attached: bool) -> str | None:
    """What the message asks in its own voice: a number to call, remote access, credentials, a kit's link."""
    c, cat = inp.content, inp.catalogue
    by_source: dict[str, list[_Text]] = {}
    for t in texts:
        by_source.setdefault(t.source, []).append(t)
    for phone in c.phones:
        if cat.phone_owners(phone.e164) or v.dial_in.search(phone.context):
            continue  # a brand's published number, a meeting's dial-in
        if phone.where == "display_name":
            return f"{phone.raw} in the display name"
        spots = [(t, m.start(), m.end()) for t in by_source.get(phone.where, [])
                 for m in re.finditer(re.escape(phone.raw), t.text)]
        if not spots and v.call.search(phone.context):
            return f"{phone.raw} ({phone.where}) with a call to action"  # not found again: judged by its context
        for t, start, end in spots:
            if not t.asks[start:end].strip() or _own_number(t, start, end, org, window, v):
                continue  # quoted, in a paragraph that warns, or the organisation's own line
            call = near(v.call, t.asks, start, end, window)
            if call:
                return f"\"{call.group()}\" {phone.raw} ({t.source})"
    for t in texts:
        hit = v.access_request.search(t.asks) or next(
            (m for k in _CREDENTIAL_ASKS if (m := v.credential[k].search(t.asks))), None)
        if hit:
            return f"\"{hit.group()}\" ({t.source})"
    bad = v.remote_tool_hosts | v.url_shorteners | v.free_hosting
    # links of an attached message belong to the specimen, as its words do
    clickable = tuple(link for link in c.links if link.kind in ("href", "annotation")
                      and not (attached and link.where == "attachment"))
    for link in c.links:
        own_text = link in clickable or any(link.url in t.asks for t in by_source.get(link.where, []))
        if own_text and (any(in_domain(link.host, d) for d in bad) or _IP.fullmatch(link.host)):
            return f"a link to {link.host}"
    if clickable:
        # a bulletin names the look-alike domains it warns about; it does not make them a link to click
        look = get("lookalike_domain")
        links_only = replace(c, links=clickable, from_domain="", reply_to=(), return_path_domain="")
        if look.evaluate(replace(inp, content=links_only), look.Params.model_validate({"links": True})):
            return "a link to a look-alike domain"
    return None


@register
class ScamWarning(Check):
    """Security bulletins quote lures (a brand, a number, a renewal story) to warn about them: they trip every lure
    check while asking nothing. This finds them by who sends them and what they do not ask, never by the words alone."""

    name = "scam_warning"
    description = ("mail about a scam (the recipients' own organisation's bulletin or abuse-desk forward, or a list's "
                   "post) that warns and asks for no call, access or sign-in of its own; free-mail, look-alike or "
                   "foreign senders never qualify, but a compromised account of the organisation could")
    outcomes = frozenset({"own_organisation_bulletin", "abuse_forward", "list_bulletin"})
    Params = ScamWarningParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        params = ScamWarningParams.of(params)
        c, cat = inp.content, inp.catalogue
        if not c.from_domain or cat.is_freemail(c.from_domain):
            return []
        org, v = org_domain(c.from_domain), vocabulary(inp)
        sender, outcome, orgs = _own_organisation(inp, org), "own_organisation_bulletin", {org}
        if sender is None:
            listed = _list(inp, org, v)
            if listed is None:
                return []
            (sender, list_org), outcome = listed, "list_bulletin"
            orgs.add(list_org)  # a list's Reply-To is the list
        attached = _attached_message(inp)
        texts = _texts(inp, v, attached)
        warnings = sorted({" ".join(m.group().lower().split()) for t in texts for m in v.warning.finditer(t.own)})
        if len(warnings) < params.min_warnings or _sender_disguised(inp, orgs):
            return []
        if _asks(inp, texts, org, v, params.window, attached):
            return []
        if outcome == "own_organisation_bulletin" and (attached or _forwarded(inp, texts)):
            outcome = "abuse_forward"
        shown = ", ".join(f'"{w}"' for w in warnings[:4])
        return [self.finding(outcome, None, f"{sender}; warns ({shown}), asks nothing of its own", "body")]
