"""Small threaded HTTP server for /metrics, /healthz and /readyz."""
from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from brandguard.metrics import Metrics, MetricsSettings

log = logging.getLogger(__name__)

# True/False, or named conditions that must all hold, e.g. {"policy_loaded": True, "milter_listening": False}
Readiness = Callable[[], "bool | Mapping[str, bool]"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    registry: CollectorRegistry
    ready: Readiness


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "brandguard"

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802 - http.server API
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._reply(200, generate_latest(self.server.registry), CONTENT_TYPE_LATEST, head)
        elif path == "/healthz":
            self._reply(200, b"ok\n", "text/plain; charset=utf-8", head)
        elif path == "/readyz":
            ok, text = self._readiness()
            self._reply(200 if ok else 503, text.encode(), "text/plain; charset=utf-8", head)
        else:
            self._reply(404, b"not found\n", "text/plain; charset=utf-8", head)

    def _readiness(self) -> tuple[bool, str]:
        try:
            state = self.server.ready()
        except Exception as exc:  # readiness must answer, never crash the handler
            log.warning("readiness check raised: %r", exc)
            return False, f"not ready: readiness check failed: {exc!r}\n"
        if isinstance(state, Mapping):
            lines = "".join(f"{name}: {'ok' if good else 'no'}\n" for name, good in state.items())
            ok = bool(state) and all(state.values())
            return ok, ("ready\n" if ok else "not ready\n") + lines
        return bool(state), "ready\n" if state else "not ready\n"

    def _reply(self, status: int, body: bytes, ctype: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server API
        log.debug("%s %s", self.address_string(), format % args)


class MetricsServer:
    """Serves a registry in a background thread; `start()` returns the bound port (port 0 allowed)."""

    def __init__(
        self,
        metrics: Metrics | CollectorRegistry,
        settings: MetricsSettings | None = None,
        ready: Readiness = lambda: False,
    ) -> None:
        settings = settings or MetricsSettings()
        self.registry = metrics.registry if isinstance(metrics, Metrics) else metrics
        self.ready, self.host, self.requested_port = ready, settings.listen, settings.port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """Bound TCP port (only meaningful after start())."""
        if self._server is None:
            raise RuntimeError("MetricsServer is not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> int:
        if self._server is not None:
            raise RuntimeError("MetricsServer already started")
        server_cls = _Server6 if ":" in self.host else _Server
        server = server_cls((self.host, self.requested_port), _Handler)
        server.registry, server.ready = self.registry, self.ready
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="brandguard-http", daemon=True)
        self._thread.start()
        log.info("metrics HTTP server listening on %s:%d", self.host, self.port)
        return self.port

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> MetricsServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
