"""suspicious_link: links to raw IP addresses, free hosting / serverless platforms or URL shorteners."""
from __future__ import annotations

import re
from functools import lru_cache

from pydantic import Field

from brandguard.checks._brands import owned_brands, suspects
from brandguard.checks._lexicon import vocabulary
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding

# Free hosting (where anyone can publish a page in a minute, without a domain: phishing kits live there) and URL
# shorteners are vocabulary: free_hosting and url_shorteners in policies/vocabulary/60-links.yaml.
_IP = re.compile(r"^(?:\d{1,3}\.){3}\d{1,3}$|^\[?[0-9a-f:]+:[0-9a-f:]*\]?$", re.I)
_ORDER = ("ip_host", "free_hosting", "shortener")


@lru_cache(maxsize=64)
def _domain_set(domains: tuple[str, ...]) -> frozenset[str]:
    return frozenset(d.lower().rstrip(".") for d in domains)


def _in_any(host: str, domains: frozenset[str]) -> bool:
    """urls.in_domain(host, d) for any d, by looking up the host and each of its parents."""
    host = host.lower().rstrip(".")
    if host in domains:
        return True
    dot = host.find(".")
    while dot >= 0:
        if host[dot + 1:] in domains:
            return True
        dot = host.find(".", dot + 1)
    return False


class SuspiciousLinkParams(CheckParams):
    hosting: list[str] = Field(default_factory=list, description="free hosting / serverless domains, added to the "
                               "vocabulary's free_hosting")
    shorteners: list[str] = Field(default_factory=list, description="URL shortener domains, added to the "
                                  "vocabulary's url_shorteners")


@register
class SuspiciousLink(Check):
    """Brands link to their own domains; a bare IP, a throw-away hosting page or a hidden target is a kit's address."""

    name = "suspicious_link"
    description = "a link goes to a raw IP address, a free hosting or serverless platform, or through a URL shortener"
    outcomes = frozenset(_ORDER)
    Params = SuspiciousLinkParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        params = SuspiciousLinkParams.of(params)
        c, cat = inp.content, inp.catalogue
        brands = suspects(inp, "body")
        if not brands and owned_brands(inp):
            return []  # a brand's own mail through its own shortener (t.co) or CDN
        found: dict[str, str] = {}
        v = vocabulary(inp)
        hosting = v.free_hosting | _domain_set(tuple(params.hosting))
        shorteners = v.url_shorteners | _domain_set(tuple(params.shorteners))
        for link in c.links:
            host = link.host
            if link.kind not in ("href", "text", "annotation") or not host or (cat and cat.brands_for_domain(host)):
                continue
            if _IP.match(host):
                found.setdefault("ip_host", host)
            elif _in_any(host, hosting):
                found.setdefault("free_hosting", host)
            elif _in_any(host, shorteners):
                found.setdefault("shortener", host)
        if not found:
            return []
        outcome = next(o for o in _ORDER if o in found)
        brand = next(iter(brands), None)
        return [self.finding(outcome, brand, f"link to {found[outcome]} ({outcome.replace('_', ' ')})", "url")]
