"""Applies an action plan through the milter API: the only code calling addheader/chgheader/quarantine/setreply."""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Protocol

import Milter

from brandguard.actions import ActionPlan, tempfail_plan

if TYPE_CHECKING:
    from brandguard.app import App
    from brandguard.model import MessageContext
    from brandguard.pipeline import Outcome

log = logging.getLogger("brandguard")
# pymilter's answers, typed (pymilter has no type information)
CONTINUE: int = Milter.CONTINUE
ACCEPT: int = Milter.ACCEPT
REJECT: int = Milter.REJECT
TEMPFAIL: int = Milter.TEMPFAIL


class MilterContext(Protocol):
    """The milter calls the actuator makes: Milter.Base's, which Session inherits."""

    def setreply(self, rcode: str, xcode: str | None = None, msg: str | None = None, *ml: str) -> object: ...
    def addheader(self, field: str, value: str, idx: int = -1) -> object: ...
    def chgheader(self, field: str, idx: int, value: str) -> object: ...
    def quarantine(self, reason: str) -> object: ...


def _setreply(session: MilterContext, code: str, xcode: str, text: str) -> None:
    # libmilter silently drops a reply containing a lone '%'
    session.setreply(code, xcode, text.replace("%", "%%"))


def execute(session: MilterContext, plan: ActionPlan) -> int:
    """Apply `plan` to the milter context and return the pymilter status code."""
    if plan.result in ("reject", "tempfail"):
        reply = plan.reply
        if reply is None:  # actions.plan() and tempfail_plan() always give one; the session answers on_error
            raise ValueError(f"{plan.result} plan without a reply")
        _setreply(session, reply.code, reply.xcode, reply.text)
        return REJECT if plan.result == "reject" else TEMPFAIL
    # Highest index first, so removing one header never shifts the index of the next to remove.
    for name, index in sorted(plan.strip_headers, key=lambda t: (t[0].lower(), -t[1])):
        session.chgheader(name, index, "")
    for name, value in plan.add_headers:
        if name == "Authentication-Results":
            session.addheader(name, value, 0)  # RFC 8601: prepend, above the headers it describes
        else:
            session.addheader(name, value)
    if plan.new_subject is not None:
        session.chgheader("Subject", 1, plan.new_subject)
    if plan.quarantine_reason is not None:
        session.quarantine(plan.quarantine_reason)
    return ACCEPT


def apply(session: MilterContext, outcome: Outcome, ctx: MessageContext, app: App) -> int:
    """Apply the pipeline's outcome and write the per-message log line."""
    app.log_decision(ctx, outcome)
    return execute(session, outcome.plan)


def on_error(session: MilterContext, app: App, ctx: MessageContext, started: float) -> int:
    """The failure boundary: log once with the queue id, count it, answer per on_error."""
    qid = ctx.envelope.queue_id or "-"
    log.exception("internal error on message %s; answering %s", qid, app.settings.on_error.value)
    app.record_error("eom", time.monotonic() - started)
    if app.settings.on_error.value == "accept":
        return ACCEPT
    return execute(session, tempfail_plan())
