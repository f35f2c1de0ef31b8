"""sender_anomaly: the From or Return-Path domain cannot exist, or its name is machine-generated."""
from __future__ import annotations

import re

from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.content.urls import has_known_tld, org_domain
from brandguard.model import Finding

_HOST = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
# letters and digits alternating four times or more in one registrable label: "ajd3qn94hcztq", not "web2mail"
_SWITCH = re.compile(r"[a-z][0-9]|[0-9][a-z]")


# Names reserved for documentation, tests and private networks (RFC 2606, 6761, 6762, 8375): not a kit's tell.
_PRIVATE = ("test", "example", "localhost", "local", "localdomain", "internal", "lan", "home.arpa", "intranet", "corp")


def valid_domain(domain: str) -> bool:
    """A name that DNS could hold under a real top-level domain (IDNs in their xn-- form), or a reserved one."""
    d = domain.lower().rstrip(".")
    if any(d == t or d.endswith("." + t) for t in _PRIVATE):
        return True
    if not d.isascii():
        try:
            d = d.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    return bool(_HOST.match(d)) and has_known_tld(d)


def generated(domain: str) -> bool:
    """The registrable label looks machine-made (throw-away domains registered in bulk)."""
    label = org_domain(domain).split(".")[0]
    return len(label) >= 10 and len(_SWITCH.findall(label)) >= 4


@register
class SenderAnomaly(Check):
    """Mail servers of real organisations have resolvable, chosen names; kits send from hostnames and junk."""

    name = "sender_anomaly"
    description = "the From or Return-Path domain cannot exist, holds two @, or has a machine-generated name"
    outcomes = frozenset({"invalid_from_domain", "invalid_return_path", "random_domain"})

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        c = inp.content
        addr, rp = c.from_address, c.return_path_domain
        out = []
        if addr and (addr.count("@") > 1 or not valid_domain(c.from_domain)):
            out.append(self.finding("invalid_from_domain", None, f"From address {addr[:80]} has no valid domain", "from"))
        if rp and rp != c.from_domain and not valid_domain(rp):
            out.append(self.finding("invalid_return_path", None, f"Return-Path domain {rp[:80]} cannot exist", "from"))
        odd = next((d for d in (c.from_domain, rp) if d and valid_domain(d) and generated(d)), None)
        if odd:
            out.append(self.finding("random_domain", None, f"sender domain {odd[:80]} has a machine-made name", "from"))
        return out  # the score counts the first; rules may look at each
