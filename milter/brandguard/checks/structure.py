"""message_structure: From headers that authentication cannot bind to one domain, and broken MIME."""
from __future__ import annotations

from brandguard.addresses import parse_addresses
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding


@register
class MessageStructure(Check):
    """Zero or several From headers or addresses are the classic DMARC bypasses (Chen et al. 2020)."""

    name = "message_structure"
    description = "From header missing, repeated or holding several addresses; MIME defects"
    outcomes = frozenset({"no_from", "multiple_from", "multiple_addresses", "unparseable_from", "mime_defects"})
    needs_content = False

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        ctx = inp.ctx
        out: list[Finding] = []
        froms = ctx.header_values("From")
        if not froms:
            out.append(self.finding("no_from", evidence="no From header", where="from"))
        elif len(froms) > 1:
            out.append(self.finding("multiple_from", evidence=f"{len(froms)} From headers", where="from"))
        else:
            addrs = [a for _, a in parse_addresses(froms) if a]
            # "x@a.example <x@a.example>" parses as two identical addresses: common in real vendor mail
            if len({a.lower() for a in addrs}) > 1:
                out.append(self.finding("multiple_addresses", evidence=", ".join(addrs[:3]), where="from"))
            elif not addrs or "@" not in addrs[0]:
                out.append(self.finding("unparseable_from", evidence=froms[0][:80], where="from"))
        defects = list(inp.mime.defects)
        for part in inp.mime.walk():
            defects.extend(part.defects)
        if defects:
            kinds = sorted({type(d).__name__ for d in defects})
            out.append(self.finding("mime_defects", evidence=", ".join(kinds)[:200], where="mime"))
        return out
