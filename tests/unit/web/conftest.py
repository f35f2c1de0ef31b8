"""A brandguard web app over a fake hold queue, with one admin account, for Starlette's TestClient."""
from __future__ import annotations

import re

import pytest
from prometheus_client import CollectorRegistry
from starlette.testclient import TestClient

from brandguard.metrics import WebMetrics
from brandguard.web.app import create_app
from brandguard.web.auth import hash_password
from brandguard.web.config import WebSettings
from unit.web.fakes import PASSWORD, SECRET, FakeQueue


@pytest.fixture(scope="session")
def scanner():
    """The shipped policy's scanner, built once (the message page scans held mail again for its evidence)."""
    from brandguard.scan import build_scanner

    return build_scanner()


@pytest.fixture
def web(tmp_path, scanner):
    """Factory: (client, queue, metrics) for a fresh app; keyword arguments become WebSettings."""

    def make(peer: str = "testclient", **settings):
        accounts = tmp_path / "accounts"
        accounts.write_text(f"admin:{hash_password(PASSWORD)}\n")
        s = WebSettings(accounts_file=accounts, secret_key_file=tmp_path / "secret", **settings)
        queue, metrics = FakeQueue(), WebMetrics(CollectorRegistry())
        app = create_app(s, queue, SECRET, metrics, scanner=scanner)
        return TestClient(app, base_url="https://testserver", client=(peer, 50000)), queue, metrics

    return make


@pytest.fixture
def csrf():
    def get(client: TestClient, path: str = "/login") -> str:
        return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)
    return get


@pytest.fixture
def logged_in(web, csrf):
    """Factory: a client with the admin logged in."""

    def make(**settings):
        client, queue, metrics = web(**settings)
        r = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf(client)},
                        follow_redirects=False)
        assert r.status_code == 303, r.text
        return client, queue, metrics

    return make
