"""Applies an action plan through the milter API: the only code calling addheader/chgheader/quarantine/setreply."""
from __future__ import annotations

import logging
import time

import Milter

from brandguard.actions import ActionPlan, tempfail_plan

log = logging.getLogger("brandguard")


def _setreply(session, code: str, xcode: str, text: str) -> None:
    # libmilter silently drops a reply containing a lone '%'
    session.setreply(code, xcode, text.replace("%", "%%"))


def execute(session, plan: ActionPlan) -> int:
    """Apply `plan` to the milter context and return the pymilter status code."""
    if plan.result == "reject":
        reply = plan.reply
        _setreply(session, reply.code, reply.xcode, reply.text)
        return Milter.REJECT
    if plan.result == "tempfail":
        reply = plan.reply
        _setreply(session, reply.code, reply.xcode, reply.text)
        return Milter.TEMPFAIL
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
    return Milter.ACCEPT


def apply(session, outcome, ctx, app) -> int:
    """Apply the pipeline's outcome and write the per-message log line."""
    app.log_decision(ctx, outcome)
    return execute(session, outcome.plan)


def on_error(session, app, ctx, started: float) -> int:
    """The failure boundary: log once with the queue id, count it, answer per on_error."""
    qid = ctx.envelope.queue_id or "-"
    log.exception("internal error on message %s; answering %s", qid, app.settings.on_error.value)
    app.record_error("eom", time.monotonic() - started)
    if app.settings.on_error.value == "accept":
        return Milter.ACCEPT
    return execute(session, tempfail_plan())
