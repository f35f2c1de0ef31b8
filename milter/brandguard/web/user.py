"""The pages a digest link opens: one recipient's own held message, to release or to ask the admin about."""
from __future__ import annotations

import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from brandguard.web import auth, links
from brandguard.web.admin import page, refused

log = logging.getLogger("brandguard.web")


async def _checked(request: Request) -> tuple[links.Link, dict[str, Any]] | Response:
    """The link and its message, or the refusal page; the same answer for every kind of bad link."""
    state = request.app.state
    addr = auth.client_address(request, state.settings.forwarded_from)
    if state.link_limit.blocked(addr):
        state.metrics.refused_links.labels(reason="rate_limited").inc()
        return refused(request, 429, "Too many requests; try again later.")
    state.link_limit.hit(addr)
    try:
        link = links.verify(links.link_key(state.secret), request.path_params["token"])
    except links.LinkError as exc:
        state.metrics.refused_links.labels(reason="expired" if str(exc) == "expired" else "invalid").inc()
        log.warning("digest link refused from %s: %s", addr, exc)
        return refused(request, 403, "This link is not valid (it was changed, or it has expired).")
    record = await run_in_threadpool(state.queue.record, link.queue_id)
    if record is None or not record.get("brandguard"):
        state.metrics.refused_links.labels(reason="not_held").inc()
        return refused(request, 410, "This message is no longer held: it was released or deleted.")
    if link.recipient not in {str(r).lower() for r in record.get("recipients", [])}:
        # cannot happen with a link we signed for this message; checked anyway, as the queue id is reused
        state.metrics.refused_links.labels(reason="not_recipient").inc()
        return refused(request, 403, "This link is not valid (it was changed, or it has expired).")
    return link, record


async def show(request: Request) -> Response:
    checked = await _checked(request)
    if isinstance(checked, Response):
        return checked
    link, record = checked
    return page(request, "link.html", link=link, m=record, token=request.path_params["token"])


async def confirm(request: Request) -> Response:
    checked = await _checked(request)
    if isinstance(checked, Response):
        return checked
    link, record = checked
    form = await request.form()
    if not auth.csrf_ok(request, form.get("csrf")):
        return refused(request, 403, "The form expired; open the link from the digest again.")
    state = request.app.state
    if link.action == "release":
        result = (await run_in_threadpool(state.actions.act, "release", [link.queue_id], link.recipient, "digest"))
        ok = bool(result) and result[0].ok
    else:
        from brandguard.web.digest import mail_request

        ok = await run_in_threadpool(mail_request, state.settings.digest, link, record)
        state.actions.request(link.queue_id, link.recipient, ok)
    return page(request, "link_done.html", 200 if ok else 502, link=link, m=record, ok=ok)


def routes() -> list[Route]:
    return [Route("/u/{token:str}", show, methods=["GET"]), Route("/u/{token:str}", confirm, methods=["POST"])]
