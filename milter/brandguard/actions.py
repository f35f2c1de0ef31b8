"""Verdict → action plan: headers to add and strip, subject prefix, quarantine reason, SMTP reply."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from brandguard.model import Action, MessageContext, Reply, Verdict

OUR_HEADERS = ("X-Brandguard-Verdict", "X-Brandguard-Score", "X-Brandguard-Rules", "X-Brandguard-Brands",
               "X-Brandguard-Reason", "X-Brandguard-Degraded")
_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(frozen=True)
class ActionPlan:
    """Everything the actuator must do, as data; `result` is the milter answer."""

    result: str  # accept | reject | tempfail
    add_headers: tuple[tuple[str, str], ...] = ()
    strip_headers: tuple[tuple[str, int], ...] = ()  # (name, 1-based index among headers of that name)
    new_subject: str | None = None
    quarantine_reason: str | None = None
    reply: Reply | None = None


def safe_header_value(value: str, limit: int = 900) -> str:
    """No CR, LF or other control characters may reach a header we write, whatever the mail said.

    Raw 8-bit bytes of the original (kept as surrogates) become U+FFFD: libmilter takes UTF-8 only.
    """
    text = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _UNSAFE.sub(" ", text).strip()[:limit]


def strip_list(
    ctx: MessageContext, authserv_id: str | None, claims_our_id: Callable[[str, str], bool] | None = None,
) -> tuple[tuple[str, int], ...]:
    """Forged X-Brandguard-* headers, and Authentication-Results claiming our authserv-id."""
    ours = {h.lower() for h in OUR_HEADERS}
    counts: dict[str, int] = {}
    out: list[tuple[str, int]] = []
    for name, value in ctx.headers:
        key = name.lower()
        counts[key] = counts.get(key, 0) + 1
        if key in ours or key.startswith("x-brandguard-"):
            out.append((name, counts[key]))
        elif key == "authentication-results" and authserv_id and claims_our_id and claims_our_id(value, authserv_id):
            out.append((name, counts[key]))
    return tuple(out)


def plan(
    verdict: Verdict,
    ctx: MessageContext,
    *,
    subject_prefix: str | None = None,
    authres_header: str | None = None,
    strip: tuple[tuple[str, int], ...] = (),
) -> ActionPlan:
    """Turn a verdict into the concrete milter actions."""
    if verdict.action is Action.REJECT:
        return ActionPlan(result="reject", reply=verdict.reply or Reply())
    label = verdict.action.value
    if verdict.would_action is not None:
        label += f" (would-{verdict.would_action.value})"
    headers = [
        ("X-Brandguard-Verdict", label),
        ("X-Brandguard-Score", f"{verdict.score:.2f}"),
        ("X-Brandguard-Rules", ",".join(verdict.rule_ids) or "none"),
    ]
    if verdict.brands:
        headers.append(("X-Brandguard-Brands", ",".join(verdict.brands)))
    if verdict.degraded:
        # the verdict was reached without these steps: a reader of the headers should know it is partial
        headers.append(("X-Brandguard-Degraded", ",".join(verdict.degraded)))
    if authres_header:
        headers.insert(0, ("Authentication-Results", authres_header))
    new_subject = None
    if verdict.action in (Action.TAG, Action.QUARANTINE) and subject_prefix:
        subject = ctx.first_header("Subject") or ""
        if not subject.lstrip().startswith(subject_prefix):
            new_subject = f"{subject_prefix} {subject.strip()}".strip()
    reason = None
    if verdict.action is Action.QUARANTINE:
        reason = safe_header_value(verdict.reason or "brandguard", 200)
        # Postfix neither stores nor logs the milter's quarantine text: keep it with the message
        headers.append(("X-Brandguard-Reason", reason))
    return ActionPlan(
        result="accept",
        add_headers=tuple((n, safe_header_value(v)) for n, v in headers),
        strip_headers=strip,
        new_subject=safe_header_value(new_subject) if new_subject else None,
        quarantine_reason=reason,
    )


def tempfail_plan(text: str = "brandguard is temporarily unable to process this message") -> ActionPlan:
    return ActionPlan(result="tempfail", reply=Reply("451", "4.7.1", safe_header_value(text, 200)))
