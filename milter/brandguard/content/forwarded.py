"""Messages a mail carries: who wrote the ones it forwards, and whose own mail a bounce returns."""
from __future__ import annotations

import re
from email.header import decode_header, make_header
from email.message import Message

from brandguard.addresses import parse_addresses
from brandguard.content import fastfind
from brandguard.model import MessageContext

_FORWARD_MARK = re.compile(
    r"(-{3,}\s*(forwarded message|original message|mensagem encaminhada|weitergeleitete nachricht)\s*-{3,}"
    r"|begin forwarded message:)", re.I)
_FORWARD_FROM = re.compile(r"^[>*\s]*(?:from|de|von|van|da|fr[åa])\s*:\s*\*?\s*(.+)$", re.I | re.M)
# "Fw: ..." / "ENC: ..." whose body opens with the quoted headers ("De: ... Enviado: ... Assunto: ...")
_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|fw|wg|tr|rv|enc|doorst)\s*:", re.I)
_FORWARD_HEAD = 3000

def decode_header_value(value: str) -> str:
    """RFC 2047-decoded header text; the raw value when it cannot be decoded."""
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        return value



Forwarded = tuple[tuple[str, ...], tuple[str, ...]]  # (addresses, display names)
NOT_FORWARDED: Forwarded = ((), ())


def forwarded_senders(body: str, attached: list[str], subject: str) -> Forwarded:
    """(addresses, display names) of the senders of forwarded or attached messages."""
    found = [pairs[0] for a in attached if a and (pairs := parse_addresses([decode_header_value(a)]))]
    mark = next(fastfind.finditer(_FORWARD_MARK, fastfind.forward_mark_starts(body), body), None)
    start = mark.end() if mark else 0 if _FORWARD_SUBJECT.match(subject) else -1
    if start >= 0:
        for m in _FORWARD_FROM.finditer(body, start, start + _FORWARD_HEAD if not mark else len(body)):
            addr = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", m.group(1))
            if addr:
                # "McAfee Department <x@y.example> Enviado: ..." : the name is what precedes the address
                name = m.group(1)[: addr.start()].strip(" \t\"'<[(:*")
                found.append((name[:100], addr.group()))
    pairs = [(n, a.lower()) for n, a in found if "@" in a]
    return tuple(dict.fromkeys(a for _, a in pairs)), tuple(dict.fromkeys(n for n, _ in pairs if n))


_REPORTERS = frozenset({"mailer-daemon", "postmaster"})


def returned_to(ctx: MessageContext, sender: str, tree: Message) -> frozenset[str]:
    """The addressees of a delivery report (a multipart/report or mail from MAILER-DAEMON / postmaster): the
    message it returns to them is their own; empty for any other mail."""
    report = tree.get_content_type() == "multipart/report" or sender.split("@")[0].lower() in _REPORTERS
    if not report:
        return frozenset()
    to = [a.lower() for _, a in parse_addresses([decode_header_value(v) for v in ctx.header_values("To")]) if a]
    return frozenset([r.lower() for r in ctx.envelope.rcpts] + to)
