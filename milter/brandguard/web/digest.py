"""`brandguard digest --send`: each recipient gets the list of their held mail, with signed release links."""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
import time
from collections import defaultdict
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from brandguard.holdqueue import clean
from brandguard.metrics import WebMetrics
from brandguard.web import links
from brandguard.web.config import DigestSettings
from brandguard.web.helper import Queue

log = logging.getLogger("brandguard.digest")
MAX_LISTED = 200  # per recipient; a flood of held mail gives one long digest, not a mail bomb


def by_recipient(held: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """brandguard's holds grouped by recipient (lower case), oldest first."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in sorted(held, key=lambda m: m.get("arrival_time", 0)):
        if m.get("brandguard"):
            for r in dict.fromkeys(str(r).lower() for r in m.get("recipients", [])):
                out[r].append(m)
    return dict(out)


def _quoted(text: str, limit: int) -> str:
    one_line = " ".join(str(text).split())
    return clean(one_line[:limit] + ("..." if len(one_line) > limit else ""))


def compose(s: DigestSettings, key: bytes, recipient: str, held: list[dict[str, Any]],
            now: float | None = None) -> EmailMessage:
    """The digest of `recipient`: sender, subject and date of each message (escaped, cut short) and a link to
    the release page of that one message for that one recipient; never a link to the held content."""
    now = time.time() if now is None else now
    expires = int(now + s.link_lifetime_hours * 3600)
    base = s.link_base_url.rstrip("/")
    lines = [f"{len(held)} message(s) to {recipient} are held by the mail filter as likely impersonation of a",
             "vendor's support (tech-support or callback scams). They are not delivered unless released.",
             "Do not call phone numbers or open links from mail you did not expect.", ""]
    for n, m in enumerate(held[:MAX_LISTED], 1):
        mode = s.mode_for(list(m.get("brands", [])), m.get("score"))
        token = links.sign(key, links.Link(mode, m["queue_id"], recipient, expires))
        arrived = dt.datetime.fromtimestamp(m.get("arrival_time", 0), dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines += [f"{n}. {arrived}  from {_quoted(m.get('sender') or '<>', 100)}",
                  f"   Subject: {_quoted(m.get('subject', ''), 100)}",
                  f"   {'Release it' if mode == 'release' else 'Ask the administrator to release it'}: {base}/u/{token}",
                  ""]
    if len(held) > MAX_LISTED:
        lines.append(f"... and {len(held) - MAX_LISTED} more; ask your administrator.")
    lines.append(f"The links work for {s.link_lifetime_hours} hours and only for {recipient}.")
    msg = EmailMessage()
    msg["From"] = s.sender
    msg["To"] = recipient
    msg["Subject"] = f"Held mail: {len(held)} message(s) for {recipient}"
    msg["Date"] = formatdate(now)
    msg["Message-ID"] = make_msgid("brandguard-digest")
    msg["Auto-Submitted"] = "auto-generated"
    text = "\n".join(lines)
    # not quoted-printable: its soft line breaks would cut the links, and some readers do not join them again
    msg.set_content(text, cte="7bit" if text.isascii() else "8bit")
    return msg


def _send(s: DigestSettings, msg: EmailMessage, to: str) -> None:
    with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=60) as smtp:
        smtp.send_message(msg, from_addr=s.sender, to_addrs=[to])


def send_digests(s: DigestSettings, queue: Queue, key: bytes, metrics: WebMetrics) -> tuple[int, int]:
    """One digest per recipient with held mail; (sent, failed)."""
    sent = failed = 0
    for rcpt, held in by_recipient(queue.held({})).items():
        try:
            _send(s, compose(s, key, rcpt, held), rcpt)
            sent += 1
            metrics.digests.labels(result="sent").inc()
            log.info("digest sent to %s: %d held message(s)", clean(rcpt), len(held))
        except (OSError, smtplib.SMTPException) as exc:
            failed += 1
            metrics.digests.labels(result="failed").inc()
            log.error("digest to %s failed: %s", clean(rcpt), exc)
    return sent, failed


def mail_request(s: DigestSettings, link: links.Link, record: dict[str, Any]) -> bool:
    """Tell the admin a recipient asks for a message; logged only when no admin_address is set."""
    log.info("release requested by %s for %s", clean(link.recipient), link.queue_id)
    if not s.admin_address:
        return True
    msg = EmailMessage()
    msg["From"] = s.sender
    msg["To"] = s.admin_address
    msg["Subject"] = f"Release requested: {link.queue_id} by {clean(link.recipient)[:100]}"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(f"{link.recipient} asks for the release of held message {link.queue_id}\n"
                    f"from {_quoted(record.get('sender') or '<>', 200)}\n"
                    f"subject {_quoted(record.get('subject', ''), 200)}\n\n"
                    f"Review it in brandguard web: {s.link_base_url.rstrip('/')}/m/{link.queue_id}\n")
    try:
        _send(s, msg, s.admin_address)
        return True
    except (OSError, smtplib.SMTPException) as exc:
        log.error("release request mail to %s failed: %s", s.admin_address, exc)
        return False
