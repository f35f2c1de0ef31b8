"""Postfix's hold queue through postqueue, postcat and postsuper: held messages with brandguard's verdict headers."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from email.header import decode_header, make_header
from typing import Any

from brandguard.errors import QuarantineError

# Short (hex) and long (enable_long_queue_ids) Postfix queue ids; also keeps "ALL" and "-" away from postsuper.
QUEUE_ID = re.compile(r"^[0-9A-Za-z]{6,20}$")
# C0/C1 controls (terminal escapes), bidi overrides (text that displays as something else), undecodable bytes.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\udc80-\udcff]")
# One object of `postqueue -j`'s output: Postfix's JSON, read as it comes (queue_id, sender, recipients, ...).
QueueEntry = dict[str, Any]


@dataclass
class Held:
    """One message on the hold queue, with the verdict brandguard wrote into its headers (if any)."""

    queue_id: str
    arrival_time: int
    size: int
    sender: str
    recipients: list[str]
    subject: str = ""
    verdict: str | None = None
    score: float | None = None
    rules: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list, repr=False)

    @classmethod
    def from_queue(cls, entry: QueueEntry, headers: list[tuple[str, str]]) -> Held:
        """From one postqueue -j object and the message's headers."""
        first: dict[str, str] = {}
        for name, value in headers:
            first.setdefault(name.lower(), value)
        try:
            score = float(first.get("x-brandguard-score", ""))
        except ValueError:
            score = None
        return cls(entry["queue_id"], int(entry.get("arrival_time", 0)), int(entry.get("message_size", 0)),
                   entry.get("sender", ""), [r.get("address", "") for r in entry.get("recipients", [])],
                   _decoded(first.get("subject", "")), first.get("x-brandguard-verdict"), score,
                   [r for r in _csv(first.get("x-brandguard-rules")) if r != "none"],
                   _csv(first.get("x-brandguard-brands")), headers)

    @property
    def ours(self) -> bool:
        """brandguard held it: its verdict says quarantine (a monitor-mode "would-quarantine" is not held)."""
        return (self.verdict or "").strip() == "quarantine"

    def record(self) -> dict[str, object]:
        out = {k: v for k, v in asdict(self).items() if k != "headers"}
        out["arrived"] = dt.datetime.fromtimestamp(self.arrival_time, dt.UTC).isoformat(timespec="seconds")
        return {**out, "brandguard": self.ours}


def _csv(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split(",") if p.strip()]


def _decoded(raw: str) -> str:
    try:
        return str(make_header(decode_header(raw)))
    except (ValueError, LookupError, UnicodeError):
        return raw


def clean(text: str) -> str:
    """Printable text only: held mail is attacker-written and must not drive the admin's terminal."""
    def escape(m: re.Match[str]) -> str:
        c = ord(m.group())
        return f"\\x{c & 0xff:02x}" if c < 0x100 or c >= 0xdc80 else f"\\u{c:04x}"
    return _CONTROL.sub(escape, text)


def parse_postqueue_json(out: str) -> list[QueueEntry]:
    """postqueue -j prints one JSON object per queued message."""
    try:
        return [json.loads(line) for line in out.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise QuarantineError(f"cannot parse postqueue -j output: {exc}") from None


def parse_headers(text: str) -> list[tuple[str, str]]:
    """(name, value) pairs up to the first empty line; folded lines are unfolded."""
    headers: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            break
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
        elif ":" in line:
            name, value = line.split(":", 1)
            headers.append((name.strip(), value.strip()))
    return headers


class PostfixQueue:
    """postqueue, postcat and postsuper against one Postfix configuration directory (root needed)."""

    def __init__(self, config_dir: str = "/etc/postfix",
                 run: Callable[..., subprocess.CompletedProcess[bytes]] | None = None) -> None:
        self.config_dir = config_dir
        self._run = run or subprocess.run

    def _cmd(self, tool: str, *args: str) -> bytes:
        argv = [tool, "-c", self.config_dir, *args]
        try:
            proc = self._run(argv, capture_output=True, timeout=120)
        except FileNotFoundError:
            raise QuarantineError(f"{tool} not found: is Postfix installed?") from None
        except subprocess.TimeoutExpired:
            raise QuarantineError(f"{' '.join(argv)} did not finish within 120 s") from None
        if proc.returncode != 0:
            # Postfix tools write their errors to the mail log, not to stderr, unless stderr is a terminal.
            why = proc.stderr.decode(errors="replace").strip() or "no message; see the Postfix mail log"
            root = "" if os.geteuid() == 0 else " (these commands need root)"
            raise QuarantineError(f"{' '.join(argv)} failed (exit {proc.returncode}): {why}{root}")
        return proc.stdout

    def held(self, only: set[str] | None = None) -> list[Held]:
        """Every message on the hold queue (or those of `only`), with its headers."""
        out = []
        for q in self.entries("hold"):
            if only is not None and q["queue_id"] not in only:
                continue
            try:
                # Without -e, postcat prints the content alone, without its "*** ..." record markers.
                raw = self._cmd("postcat", "-h", "-q", q["queue_id"])
                headers = parse_headers(raw.decode("utf-8", errors="replace"))
            except QuarantineError:
                continue  # released or deleted between the listing and now
            out.append(Held.from_queue(q, headers))
        return out

    def entries(self, queue_name: str | None = None) -> list[QueueEntry]:
        """postqueue -j objects, of one queue (hold, incoming, active, deferred) or of all."""
        out = parse_postqueue_json(self._cmd("postqueue", "-j").decode("utf-8", errors="replace"))
        return [q for q in out if queue_name is None or q.get("queue_name") == queue_name]

    def message(self, queue_id: str) -> str:
        """Headers and body; undecodable bytes survive as surrogates (encode with surrogateescape)."""
        return self._cmd("postcat", "-h", "-b", "-q", queue_id).decode("utf-8", errors="surrogateescape")

    def release(self, queue_id: str) -> None:
        # postsuper -H moves it to the deferred queue; postqueue -i delivers it now instead of at the next queue run.
        self._cmd("postsuper", "-H", queue_id)
        self._cmd("postqueue", "-i", queue_id)

    def delete(self, queue_id: str) -> None:
        self._cmd("postsuper", "-d", queue_id, "hold")  # only ever from the hold queue


