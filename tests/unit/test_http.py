"""HTTP server: /metrics, /healthz, /readyz, lifecycle and port 0."""
from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry

from brandguard.http import MetricsServer
from brandguard.metrics import Metrics, MetricsSettings


class Ready:
    """Mutable readiness the tests flip."""

    def __init__(self) -> None:
        self.state: object = False

    def __call__(self) -> object:
        if isinstance(self.state, Exception):
            raise self.state
        return self.state


@pytest.fixture
def ready() -> Ready:
    return Ready()


@pytest.fixture
def server(ready: Ready) -> Iterator[MetricsServer]:
    registry = CollectorRegistry()
    Metrics(registry, checks=["c"], rules=["r"], brands=["b"]).record_error("auth")
    with MetricsServer(registry, MetricsSettings(port=0), ready) as srv:
        yield srv


def get(url: str, method: str = "GET") -> tuple[int, str, bytes]:
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def test_binds_loopback_and_reports_the_port(server):
    assert server.host == "127.0.0.1"
    assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}"


def test_metrics_exposes_the_registry(server):
    status, ctype, body = get(server.url + "/metrics")
    assert status == 200 and ctype == CONTENT_TYPE_LATEST
    text = body.decode()
    assert 'brandguard_errors_total{stage="auth"} 1.0' in text
    assert 'brandguard_messages_total{disposition="reject",mode="enforce"} 0.0' in text


def test_healthz_is_200_even_when_not_ready(server):
    assert get(server.url + "/healthz")[::2] == (200, b"ok\n")


@pytest.mark.parametrize(
    ("state", "status", "body"),
    [
        (False, 503, b"not ready\n"),
        (True, 200, b"ready\n"),
        ({"policy_loaded": True, "milter_listening": False}, 503,
         b"not ready\npolicy_loaded: ok\nmilter_listening: no\n"),
        ({"policy_loaded": True, "milter_listening": True}, 200,
         b"ready\npolicy_loaded: ok\nmilter_listening: ok\n"),
        ({}, 503, b"not ready\n"),
    ],
    ids=["false", "true", "milter-not-listening", "all-conditions", "no-conditions"],
)
def test_readyz_follows_the_readiness_callable(server, ready, state, status, body):
    ready.state = state
    assert get(server.url + "/readyz")[::2] == (status, body)


def test_readyz_is_503_when_the_callable_raises(server, ready):
    ready.state = RuntimeError("policy lock")
    status, _, body = get(server.url + "/readyz")
    assert status == 503 and b"policy lock" in body


def test_unknown_path_is_404_and_head_has_no_body(server):
    assert get(server.url + "/nope")[0] == 404
    assert get(server.url + "/metrics?x=1", method="HEAD")[::2] == (200, b"")


def test_stop_releases_the_port_and_is_idempotent():
    srv = MetricsServer(CollectorRegistry(), MetricsSettings(port=0))
    port = srv.start()
    with pytest.raises(RuntimeError):
        srv.start()
    srv.stop()
    srv.stop()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    with pytest.raises(RuntimeError):
        _ = srv.port


def test_accepts_a_metrics_object_and_defaults_to_not_ready():
    metrics = Metrics()
    with MetricsServer(metrics, MetricsSettings(port=0)) as srv:
        assert srv.registry is metrics.registry
        assert get(srv.url + "/readyz")[0] == 503
        assert b"brandguard_build_info" in get(srv.url + "/metrics")[2]


def test_default_settings_bind_loopback_9899():
    srv = MetricsServer(CollectorRegistry())
    assert (srv.host, srv.requested_port) == ("127.0.0.1", 9899)
