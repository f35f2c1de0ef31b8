"""suspicious_link: links to raw IP addresses, free hosting / serverless platforms or URL shorteners."""
from __future__ import annotations

import re
from functools import lru_cache

from pydantic import Field

from brandguard.checks._brands import owned_brands, suspects
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding

# Where anyone can publish a page in a minute, without a domain of their own: phishing kits live here.
HOSTING = (
    "cloudfunctions.net", "run.app", "web.app", "firebaseapp.com", "appspot.com", "pages.dev", "workers.dev",
    "r2.dev", "netlify.app", "vercel.app", "github.io", "glitch.me", "herokuapp.com", "azurewebsites.net",
    "core.windows.net", "storage.googleapis.com", "firebasestorage.googleapis.com", "s3.amazonaws.com",
    "amazonaws.com", "digitaloceanspaces.com", "onrender.com", "fly.dev", "repl.co", "replit.app", "surge.sh",
    "wixsite.com", "weebly.com", "godaddysites.com", "square.site", "webflow.io", "framer.app", "canva.site",
    "000webhostapp.com", "blogspot.com", "sites.google.com", "ddns.net", "duckdns.org", "no-ip.com", "hopto.org",
    "ngrok.io", "ngrok-free.app", "ipfs.io", "dweb.link", "ipfs.w3s.link", "secureserver.net", "b-cdn.net",
    "myshopify.com", "translate.goog", "trycloudflare.com", "azureedge.net", "backblazeb2.com",
)
SHORTENERS = (
    "bit.ly", "tinyurl.com", "t.co", "rb.gy", "cutt.ly", "is.gd", "shorturl.at", "ow.ly", "rebrand.ly", "t.ly",
    "tiny.cc", "s.id", "v.gd", "qrco.de", "linktr.ee", "goo.gl", "page.link", "bl.ink", "shorturl.gg", "urlz.fr",
)
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


class Params(CheckParams):
    hosting: list[str] = Field(default_factory=lambda: list(HOSTING), description="free hosting / serverless domains")
    shorteners: list[str] = Field(default_factory=lambda: list(SHORTENERS), description="URL shortener domains")


@register
class SuspiciousLink(Check):
    """Brands link to their own domains; a bare IP, a throw-away hosting page or a hidden target is a kit's address."""

    name = "suspicious_link"
    description = "a link goes to a raw IP address, a free hosting or serverless platform, or through a URL shortener"
    outcomes = frozenset(_ORDER)
    Params = Params

    def evaluate(self, inp: CheckInput, params: Params) -> list[Finding]:
        c, cat = inp.content, inp.catalogue
        brands = suspects(inp, "body")
        if not brands and owned_brands(inp):
            return []  # a brand's own mail through its own shortener (t.co) or CDN
        found: dict[str, str] = {}
        hosting, shorteners = _domain_set(tuple(params.hosting)), _domain_set(tuple(params.shorteners))
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
