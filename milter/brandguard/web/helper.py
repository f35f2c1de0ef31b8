"""The hold queue and allow list as the web user reaches them (`brandguard quarantine|allow`), audited."""
from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from brandguard.errors import QuarantineError
from brandguard.holdqueue import QUEUE_ID, clean
from brandguard.metrics import WebMetrics

Runner = Callable[..., subprocess.CompletedProcess[bytes]]
FILTERS = ("brand", "rule", "recipient", "sender", "older_than")
log = logging.getLogger("brandguard.audit")


@dataclass
class Outcome:
    """One queue id's result of a release or delete."""

    queue_id: str
    ok: bool
    detail: str


class Queue(Protocol):
    """What the pages need of the hold queue (CliQueue; a fake in unit tests)."""

    def held(self, filters: dict[str, str]) -> list[dict[str, Any]]: ...
    def record(self, queue_id: str) -> dict[str, Any] | None: ...
    def raw(self, queue_id: str) -> bytes: ...
    def act(self, verb: str, queue_ids: list[str]) -> list[Outcome]: ...
    def allow(self, domain: str, brands: list[str], reason: str) -> tuple[bool, str]: ...


class CliQueue:
    """`brandguard quarantine ...` and `brandguard allow ...` as subprocesses, behind `prefix`."""

    # The web process holds no rights over Postfix's queue. It runs the commands an admin runs in a shell,
    # through a prefix such as `sudo -n` that deploy/sudoers.d/brandguard-web limits to exactly these; so a
    # release from the browser takes the shell's code path: same id checks, same refusal of holds
    # brandguard did not make, same postsuper calls.

    def __init__(self, prefix: list[str], command: list[str], config_dir: str, settings: str | None = None,
                 run: Runner | None = None, timeout: float = 300) -> None:
        self.prefix, self.command, self.config_dir, self.settings = prefix, command, config_dir, settings
        self._run = run or subprocess.run
        self.timeout = timeout

    def _call(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        argv = [*self.prefix, *self.command, *args]
        try:
            return self._run(argv, capture_output=True, timeout=self.timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise QuarantineError(f"{' '.join(argv[:4])} ...: {exc}") from None

    def _quarantine(self, action: str, *args: str) -> subprocess.CompletedProcess[bytes]:
        return self._call("quarantine", action, "--config-dir", self.config_dir, *args)

    def held(self, filters: dict[str, str]) -> list[dict[str, Any]]:
        # --opt=value: a value that starts with "-" stays a value and cannot become an option
        args = [f"--{key.replace('_', '-')}={filters[key]}" for key in FILTERS if filters.get(key)]
        proc = self._quarantine("list", "--json", *args)
        if proc.returncode != 0:
            raise QuarantineError(_err(proc))
        try:
            return [json.loads(line) for line in proc.stdout.decode("utf-8", "replace").splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise QuarantineError(f"cannot read `quarantine list --json`: {exc}") from None

    def record(self, queue_id: str) -> dict[str, Any] | None:
        if not QUEUE_ID.match(queue_id):
            return None
        proc = self._quarantine("show", "--json", queue_id)
        if proc.returncode != 0:
            return None
        try:
            rec: dict[str, Any] = json.loads(proc.stdout.decode("utf-8", "replace"))
        except json.JSONDecodeError:
            return None
        return rec

    def raw(self, queue_id: str) -> bytes:
        if not QUEUE_ID.match(queue_id):
            raise QuarantineError(f"{queue_id[:40]!r}: not a Postfix queue id")
        proc = self._quarantine("show", "--raw", queue_id)
        if proc.returncode != 0:
            raise QuarantineError(_err(proc))
        return proc.stdout

    def act(self, verb: str, queue_ids: list[str]) -> list[Outcome]:
        """`release` or `delete` the ids; only brandguard's own holds (the CLI refuses the others)."""
        ids = [q for q in dict.fromkeys(queue_ids) if QUEUE_ID.match(q)]
        if not ids:
            return []
        proc = self._quarantine(verb, *ids)
        out_lines = proc.stdout.decode("utf-8", "replace").splitlines()
        err_lines = proc.stderr.decode("utf-8", "replace").splitlines()
        done = "released" if verb == "release" else "deleted"
        results = []
        for q in ids:
            ok = any(line.startswith(f"{q}: {done}") for line in out_lines)
            why = next((line.split(": ", 1)[-1] for line in err_lines if line.startswith(f"{q}: ")), "")
            results.append(Outcome(q, ok, done if ok else (why or _err(proc))))
        return results

    def allow(self, domain: str, brands: list[str], reason: str) -> tuple[bool, str]:
        # in this order, which deploy/sudoers.d/brandguard-web matches
        args = ["allow", *(["--config", self.settings] if self.settings else []), f"--sender-domain={domain}",
                f"--reason={reason}", *(["--brand", *brands] if brands else [])]
        proc = self._call(*args)
        text = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip()
        return proc.returncode == 0, text


def _err(proc: subprocess.CompletedProcess[bytes]) -> str:
    return proc.stderr.decode("utf-8", "replace").strip()[-500:] or f"exit {proc.returncode}"


def audit(action: str, source: str, actor: str, target: str, ok: bool, detail: str = "") -> None:
    # key=value, values escaped: the subject or sender in `detail` is written by whoever sent the mail
    log.info("audit action=%s source=%s actor=%s target=%s result=%s%s", action, source, clean(actor)[:200],
             clean(target)[:300], "ok" if ok else "failed", f" detail={clean(detail)[:300]!r}" if detail else "")


@dataclass
class Actions:
    """The queue's write operations, audited and counted."""

    queue: Queue
    metrics: WebMetrics

    def act(self, verb: str, queue_ids: list[str], actor: str, source: str = "web") -> list[Outcome]:
        results = self.queue.act(verb, queue_ids)
        for r in results:
            audit(verb, source, actor, r.queue_id, r.ok, "" if r.ok else r.detail)
            self.metrics.action(verb, source, r.ok)
        return results

    def allow(self, domain: str, brands: list[str], reason: str, actor: str) -> tuple[bool, str]:
        ok, text = self.queue.allow(domain, brands, f"{reason} (via brandguard web, by {actor})")
        audit("allow", "web", actor, f"{domain} for {','.join(brands) or 'all brands'}", ok, "" if ok else text)
        self.metrics.action("allow", "web", ok)
        return ok, text

    def request(self, queue_id: str, recipient: str, ok: bool = True) -> None:
        audit("request", "digest", recipient, queue_id, ok)
        self.metrics.action("request", "digest", ok)
