"""The Starlette application of `brandguard web`: security headers, sessions, static CSS, the routes."""
from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brandguard.holdqueue import clean
from brandguard.metrics import WebMetrics
from brandguard.web import admin, user
from brandguard.web.auth import Accounts, RateLimit
from brandguard.web.config import WebSettings
from brandguard.web.helper import Actions, Queue

HERE = Path(__file__).resolve().parent
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # digest links carry their token in the path: no page may hand it on as a Referer
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds the headers above to every response, the static CSS and error pages included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in HEADERS if h[0] not in names)]
            await send(message)

        await self.app(scope, receive, with_headers)


def _finalize(value: object) -> object:
    # every {{ }} of every page: held mail's subjects and addresses come straight from the queue records,
    # and a bidi override or control character in them must show as an escape, not reorder the page
    return clean(value) if isinstance(value, str) else value


def templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, finalize=_finalize)
    return Jinja2Templates(env=env)


def create_app(settings: WebSettings, queue: Queue, secret: bytes, metrics: WebMetrics | None = None,
               scanner: Any = None) -> Starlette:
    """The web application; `queue` reaches the hold queue, `secret` signs sessions and links."""
    metrics = metrics or WebMetrics()

    async def metrics_page(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    routes = [*admin.routes(), *user.routes(), Route("/healthz", healthz),
              Mount("/static", StaticFiles(directory=HERE / "static"), name="static")]
    if settings.metrics:
        routes.append(Route("/metrics", metrics_page))
    session_key = hmac.new(secret, b"brandguard web sessions v1", hashlib.sha256).hexdigest()
    app = Starlette(routes=routes, middleware=[
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=session_key, session_cookie="brandguard_session",
                   max_age=settings.session_hours * 3600, same_site="strict", https_only=settings.cookie_secure),
    ])
    app.state.settings = settings
    app.state.queue = queue
    app.state.actions = Actions(queue, metrics)
    app.state.secret = secret
    app.state.metrics = metrics
    app.state.templates = templates()
    app.state.accounts = Accounts(settings.accounts_file)
    app.state.login_limit = RateLimit(settings.login_attempts, settings.login_window)
    app.state.link_limit = RateLimit(settings.link_attempts, settings.link_window)
    app.state.scanner = scanner
    return app
