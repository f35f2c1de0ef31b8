"""The admin pages: login, the held list with filters and paging, a message with its evidence, the actions."""
from __future__ import annotations

import argparse
import logging
import re
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from brandguard.allow import domain as parse_domain
from brandguard.errors import BrandguardError
from brandguard.quarantine import parse_age
from brandguard.web import auth, text
from brandguard.web.helper import FILTERS

log = logging.getLogger("brandguard.web")
# a catalogue id; never something the allow command could read as an option
BRAND_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    state = request.app.state
    context.update(request=request, csrf=auth.csrf_token(request),
                   admin=auth.admin(request, state.settings.trusted_proxy))
    response: Response = state.templates.TemplateResponse(request, name, context, status_code=status)
    return response


def refused(request: Request, status: int, why: str) -> Response:
    return page(request, "error.html", status, why=why)


async def login_form(request: Request) -> Response:
    return page(request, "login.html")


async def login(request: Request) -> Response:
    state = request.app.state
    addr = auth.client_address(request, state.settings.forwarded_from)
    if state.login_limit.blocked(addr):
        state.metrics.failed_logins.labels(reason="rate_limited").inc()
        log.warning("login refused for %s: too many failed attempts", addr)
        return page(request, "login.html", 429, error="Too many failed logins; try again later.")
    form = await request.form()
    if not auth.csrf_ok(request, form.get("csrf")):
        state.metrics.failed_logins.labels(reason="csrf").inc()
        return refused(request, 403, "The form expired; reload the page and try again.")
    name, password = str(form.get("username", ""))[:200], str(form.get("password", ""))[:1000]
    if not await run_in_threadpool(state.accounts.check, name, password):
        state.login_limit.hit(addr)
        state.metrics.failed_logins.labels(reason="password").inc()
        log.warning("failed login for %r from %s", name, addr)
        return page(request, "login.html", 401, error="Wrong user name or password.")
    request.session.clear()  # a new session (and CSRF token) for the logged-in admin
    request.session["admin"] = name
    log.info("admin %r logged in from %s", name, addr)
    return RedirectResponse("/", status_code=303)


async def logout(request: Request) -> Response:
    form = await request.form()
    if auth.csrf_ok(request, form.get("csrf")):
        request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _admin(request: Request) -> str | None:
    return auth.admin(request, request.app.state.settings.trusted_proxy)


async def held_list(request: Request) -> Response:
    if not _admin(request):
        return RedirectResponse("/login", status_code=303)
    state = request.app.state
    filters = {k: request.query_params.get(k, "").strip()[:200] for k in FILTERS}
    if filters["older_than"]:
        try:
            parse_age(filters["older_than"])
        except argparse.ArgumentTypeError as exc:
            return refused(request, 400, f"Older than: {exc}")
    try:
        held = await run_in_threadpool(state.queue.held, filters)
    except BrandguardError as exc:
        return refused(request, 502, f"The hold queue cannot be read: {exc}")
    held.sort(key=lambda m: m.get("arrival_time", 0))
    size = state.settings.page_size
    pages = max(1, -(-len(held) // size))
    try:
        number = min(pages, max(1, int(request.query_params.get("page", "1"))))
    except ValueError:
        number = 1
    query = urlencode({k: v for k, v in filters.items() if v})
    return page(request, "list.html", held=held[(number - 1) * size:number * size], total=len(held),
                number=number, pages=pages, filters=filters, query=query)


async def message(request: Request) -> Response:
    if not _admin(request):
        return RedirectResponse("/login", status_code=303)
    state, qid = request.app.state, request.path_params["qid"]
    record = await run_in_threadpool(state.queue.record, qid)
    if record is None:
        return refused(request, 404, "No such message on the hold queue.")
    try:
        raw = await run_in_threadpool(state.queue.raw, qid)
    except BrandguardError as exc:
        return refused(request, 502, f"The message cannot be read: {exc}")
    shown = await run_in_threadpool(text.show, raw, state.settings.max_body_chars)
    explained = await run_in_threadpool(text.explain_held, request.app, qid, raw)
    sender = str(record.get("sender") or "")
    return page(request, "message.html", m=record, shown=shown, ex=explained,
                sender_domain=sender.rpartition("@")[2].lower())


async def act(request: Request) -> Response:
    who = _admin(request)
    if not who:
        return RedirectResponse("/login", status_code=303)
    form = await request.form()
    if not auth.csrf_ok(request, form.get("csrf")):
        return refused(request, 403, "The form expired; reload the page and try again.")
    verb = form.get("action")
    ids = [str(i) for i in form.getlist("ids")][:500]
    if verb not in ("release", "delete") or not ids:
        return refused(request, 400, "Choose messages and an action.")
    state = request.app.state
    if form.get("confirm") != "yes":
        held = {m["queue_id"]: m for m in await run_in_threadpool(state.queue.held, {})}
        return page(request, "confirm.html", verb=verb, chosen=[held.get(i, {"queue_id": i}) for i in ids])
    results = await run_in_threadpool(state.actions.act, str(verb), ids, who)
    return page(request, "result.html", verb=verb, results=results)


async def allow(request: Request) -> Response:
    who = _admin(request)
    if not who:
        return RedirectResponse("/login", status_code=303)
    form = await request.form()
    if not auth.csrf_ok(request, form.get("csrf")):
        return refused(request, 403, "The form expired; reload the page and try again.")
    try:
        sender = parse_domain(str(form.get("domain", ""))[:300])
    except argparse.ArgumentTypeError as exc:
        return refused(request, 400, str(exc))
    brands = [str(b) for b in form.getlist("brand") if str(b)][:20]
    if not all(BRAND_ID.match(b) for b in brands):
        return refused(request, 400, "Brands are catalogue ids such as norton or paypal.")
    reason = " ".join(str(form.get("reason", "")).split())[:300]
    if not reason:
        return refused(request, 400, "Give a reason: it is logged with every message the entry exempts.")
    ok, output = await run_in_threadpool(request.app.state.actions.allow, sender, brands, reason, who)
    return page(request, "allowed.html", 200 if ok else 400, ok=ok, output=output, domain=sender, brands=brands)


def routes() -> list[Route]:
    return [Route("/login", login_form, methods=["GET"]), Route("/login", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]), Route("/", held_list),
            Route("/m/{qid:str}", message), Route("/act", act, methods=["POST"]),
            Route("/m/{qid:str}/allow", allow, methods=["POST"])]
