"""A fake hold queue and test mail for the web unit tests."""
from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage

from brandguard.web.helper import Outcome

SECRET = b"k" * 64
PASSWORD = "correct horse battery"


def mail(subject: str, body: str, html: str | None = None, sender: str = "Alice <alice@example.org>") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "bob@example.net"
    msg["Subject"] = subject
    msg["X-Brandguard-Verdict"] = "quarantine"
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


@dataclass
class FakeQueue:
    """The hold queue as the CLI reports it; records what was asked of it."""

    messages: dict[str, tuple[dict, bytes]] = field(default_factory=dict)
    calls: list[tuple] = field(default_factory=list)

    def add(self, qid: str, subject: str = "Minutes", body: str = "Hello", *, html: str | None = None,
            recipients: tuple[str, ...] = ("bob@example.net",), brands: tuple[str, ...] = ("norton",),
            score: float = 12.5, ours: bool = True, raw: bytes | None = None, sender: str = "alice@example.org"):
        rec = {"queue_id": qid, "arrival_time": 1_790_000_000 + len(self.messages), "arrived": "2026-09-21T14:13:20+00:00",
               "size": 100, "sender": sender, "recipients": list(recipients), "subject": subject,
               "brandguard": ours, "verdict": "quarantine" if ours else None, "score": score,
               "rules": ["test-quarantine"], "brands": list(brands)}
        self.messages[qid] = (rec, raw if raw is not None else mail(subject, body, html))
        return rec

    def held(self, filters):
        self.calls.append(("held", dict(filters)))
        return [rec for rec, _ in self.messages.values() if rec["brandguard"]]

    def record(self, qid):
        return dict(self.messages[qid][0]) if qid in self.messages else None

    def raw(self, qid):
        return self.messages[qid][1]

    def act(self, verb, ids):
        self.calls.append((verb, list(ids)))
        out = []
        for q in ids:
            ok = q in self.messages and self.messages[q][0]["brandguard"]
            if ok:
                del self.messages[q]
            out.append(Outcome(q, ok, "released" if ok else "no such message on the hold queue"))
        return out

    def allow(self, domain, brands, reason):
        self.calls.append(("allow", domain, list(brands), reason))
        return True, f"allowed {domain}"
