"""A message's campaign indicators: the scammer's numbers, addresses, hosts, attachments and text fingerprint."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import tlsh

from brandguard.campaign.facts import Indicator, Indicators
from brandguard.checks._lexicon import vocabulary
from brandguard.content.model import Content
from brandguard.model import domain_of

if TYPE_CHECKING:
    from brandguard.policy.catalogue import Catalogue

MIN_TEXT = 200  # characters: TLSH needs some, and a two-line note is too common to fingerprint
MAX_TEXT = 200_000
# ASCII digits; other scripts' digits rarely vary in a template. A bytes table on the UTF-8 text: str.translate
# looks each character up in a dict, and no byte of a multi-byte UTF-8 sequence is an ASCII digit.
_DIGITS = bytes.maketrans(b"123456789", b"000000000")


class _Collector:
    def __init__(self, max_per_kind: int):
        self.max = max_per_kind
        self.items: dict[tuple[str, str], Indicator] = {}
        self.refused: dict[tuple[str, str], tuple[Indicator, str]] = {}

    def add(self, kind: str, value: str, where: str, refused: str = "") -> None:
        key = (kind, value)
        if not value or key in self.items or key in self.refused:
            return
        if refused:
            self.refused[key] = (Indicator(kind, value, where), refused)
        elif sum(1 for k, _ in self.items if k == kind) < self.max:
            self.items[key] = Indicator(kind, value, where)

    def result(self) -> Indicators:
        return Indicators(tuple(self.items.values()), tuple(self.refused.values()))


def _platform_phones(cat: Catalogue) -> frozenset[str]:
    return frozenset(p for pl in (cat.platforms.entries if cat.platforms else ()) for p in pl.phones)


def _common_hosts(cat: Catalogue) -> tuple[frozenset[str], frozenset[str]]:
    """(hosts whose subdomains are anyone's, hosts only whose own name is anyone's).

    A shortener, a mail provider's click tracker, a redirector or a remote-access tool's download site carries
    ham as much as scams; on free hosting only the bare service is shared, a kit's subdomain is its own.
    """
    v = vocabulary(cat)
    shared = v.url_shorteners | v.esp_domains | v.remote_tool_hosts | frozenset(r.host for r in v.open_redirectors)
    return shared | cat.freemail_exact, v.free_hosting


def _host_refusal(host: str, cat: Catalogue) -> str:
    # the same hosts (trackers, CDNs, the brands' own) come back in every message: judged once per policy load
    memo: dict[str, str] = cat.derived("campaign_host_refusals", lambda _: {})
    why = memo.get(host)
    if why is None:
        if len(memo) >= 50_000:
            memo.clear()
        why = memo[host] = _judge_host(host, cat)
    return why


def _judge_host(host: str, cat: Catalogue) -> str:
    shared, hosting = cat.derived("campaign_common_hosts", _common_hosts)
    owners = cat.brands_for_domain(host)
    if owners:
        return f"a domain of {owners[0]}"
    if cat.platforms and cat.platforms.matching([host]):
        return "a platform's own domain"
    labels = host.split(".")
    if any(".".join(labels[i:]) in shared for i in range(len(labels))) or cat.is_freemail(host):
        return "a shared service (shortener, mail provider, redirector, tool site)"
    if host in hosting or host.startswith("www.") and host[4:] in hosting:
        return "a free hosting service itself"
    return ""


def _phones(c: Content, cat: Catalogue, out: _Collector) -> None:
    platform = cat.derived("campaign_platform_phones", _platform_phones)
    for p in c.phones:
        owners = cat.phone_owners(p.e164)
        why = f"an official number of {owners[0]}" if owners else ("a platform's own number" if p.e164 in platform
                                                                     else "")
        out.add("phone", p.e164, p.where, why)


def _addresses(c: Content, cat: Catalogue, out: _Collector) -> None:
    if c.from_address and cat.is_freemail(c.from_domain):
        out.add("address", c.from_address.lower(), "from")
    for addr in c.reply_to:
        addr = addr.lower()
        d = domain_of(addr)
        if not d:
            continue
        owners = cat.brands_for_domain(d)
        why = f"a domain of {owners[0]}" if owners else ("a platform's own domain" if cat.platforms and
                                                         cat.platforms.matching([d]) else "")
        out.add("address", addr, "reply_to", why)


def _links(c: Content, cat: Catalogue, out: _Collector) -> None:
    for link in c.links:
        host = link.host.lower().rstrip(".")
        if host:
            out.add("link_host", host, link.where, _host_refusal(host, cat))


def _attachments(c: Content, out: _Collector) -> None:
    # digested by the content stage, which decoded them anyway; inline pictures (a brand's logo) are left out there
    for digest, name in c.binary_parts:
        out.add("attachment", digest, name)


def fingerprint(text: str) -> str:
    """The TLSH digest of visible text, case, spacing and digits folded; '' when there is too little text.

    Digits are folded because a campaign's variants differ in exactly those: amounts, order and invoice numbers.
    """
    # str methods, not regular expressions: this runs on every message's whole text
    folded = " ".join(text[:MAX_TEXT * 2].split()).lower()[:MAX_TEXT]
    if len(folded) < MIN_TEXT:
        return ""
    digest = str(tlsh.hash(folded.encode("utf-8", "replace").translate(_DIGITS)))
    return "" if not digest or digest == "TNULL" else digest


def distance(a: str, b: str) -> int:
    """TLSH distance: 0 the same text, under about 50 the same template reworded here and there."""
    return int(tlsh.diff(a, b))


def parsed(digest: str) -> Any:
    """A digest as a TLSH object: comparing objects is six times faster than parsing both digests each time,
    and each message is compared with thousands of remembered texts."""
    t = tlsh.Tlsh()
    t.fromTlshStr(digest)
    return t


def extract(content: Content, cat: Catalogue, max_per_kind: int = 10) -> Indicators:
    """Every indicator of one message, with what was refused (official numbers, brands' and shared hosts)."""
    out = _Collector(max_per_kind)
    _phones(content, cat, out)
    _addresses(content, cat, out)
    _links(content, cat, out)
    _attachments(content, out)
    out.add("text_fuzzy", fingerprint(content.text_of()), "text")
    return out.result()
