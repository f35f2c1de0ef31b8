"""Admin login, sessions, CSRF, security headers and the login rate limit of `brandguard web`."""
from __future__ import annotations

import io

import pytest

from brandguard.cli import main
from brandguard.web.auth import Accounts
from unit.web.fakes import PASSWORD

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")


def value(metrics, name: str, **labels) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_pages_need_a_login(web):
    client, _, _ = web()
    for path in ("/", "/m/ABCDEF123"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.post("/act", data={"action": "release", "ids": "ABCDEF123"}, follow_redirects=False).status_code == 303


def test_login_sets_a_strict_session_cookie(web, csrf):
    client, _, _ = web()
    r = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf(client)},
                    follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "brandguard_session=" in cookie
    for flag in ("httponly", "secure", "samesite=strict"):
        assert flag in cookie
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("path", [
    pytest.param("/login", id="login-page"),
    pytest.param("/static/style.css", id="static-css"),
    pytest.param("/u/not-a-token", id="refused-link"),
])
def test_every_response_has_the_strict_headers(web, path):
    client, _, _ = web()
    r = client.get(path)
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_pages_carry_no_script(logged_in):
    client, queue, _ = logged_in()
    queue.add("ABCDEF1234")
    for path in ("/", "/m/ABCDEF1234", "/login"):
        assert "<script" not in client.get(path).text.lower()


def test_wrong_password_is_refused_and_counted(web, csrf):
    client, _, metrics = web()
    r = client.post("/login", data={"username": "admin", "password": "nope", "csrf": csrf(client)})
    assert r.status_code == 401 and "Wrong user name or password" in r.text
    r = client.post("/login", data={"username": "nobody", "password": PASSWORD, "csrf": csrf(client)})
    assert r.status_code == 401
    assert value(metrics, "brandguard_web_failed_logins_total", reason="password") == 2
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_without_csrf_token_is_refused(web):
    client, _, metrics = web()
    client.get("/login")
    r = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 403
    assert value(metrics, "brandguard_web_failed_logins_total", reason="csrf") == 1
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_rate_limit_holds_even_the_right_password(web, csrf):
    client, _, metrics = web(login_attempts=3)
    for _ in range(3):
        assert client.post("/login", data={"username": "admin", "password": "x", "csrf": csrf(client)}).status_code == 401
    r = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf(client)})
    assert r.status_code == 429
    assert value(metrics, "brandguard_web_failed_logins_total", reason="rate_limited") == 1


@pytest.mark.parametrize("form", [
    pytest.param({}, id="no-token"),
    pytest.param({"csrf": "forged"}, id="forged-token"),
])
def test_actions_without_the_sessions_csrf_token_change_nothing(logged_in, form):
    client, queue, _ = logged_in()
    queue.add("ABCDEF1234")
    r = client.post("/act", data={"action": "release", "ids": "ABCDEF1234", "confirm": "yes", **form})
    assert r.status_code == 403
    r = client.post("/m/ABCDEF1234/allow", data={"domain": "example.org", "reason": "x", **form})
    assert r.status_code == 403
    assert [c for c in queue.calls if c[0] != "held"] == []


@pytest.mark.parametrize("peer, expected", [
    pytest.param("10.1.2.3", 200, id="from-the-proxy"),
    pytest.param("192.0.2.1", 303, id="header-from-elsewhere-ignored"),
])
def test_trusted_proxy_header_only_from_its_addresses(web, peer, expected):
    client, _, _ = web(peer=peer, trusted_proxy={"header": "X-Remote-User", "addresses": ["10.0.0.0/8"]})
    r = client.get("/", headers={"X-Remote-User": "carol"}, follow_redirects=False)
    assert r.status_code == expected
    if expected == 200:
        assert "carol" in r.text


@pytest.mark.parametrize("forwarded_from, status", [
    pytest.param(["10.0.0.0/8"], 401, id="listed-proxy-each-client-counted-apart"),
    pytest.param([], 429, id="unlisted-proxy-header-ignored"),
])
def test_forwarded_for_is_believed_only_from_listed_proxies(web, csrf, forwarded_from, status):
    client, _, _ = web(peer="10.0.0.5", login_attempts=2, forwarded_from=forwarded_from)
    for n in range(3):
        r = client.post("/login", data={"username": "admin", "password": "x", "csrf": csrf(client)},
                        headers={"X-Forwarded-For": f"198.51.100.{n}"})
    assert r.status_code == status


def test_passwd_writes_an_argon2_line(tmp_path, monkeypatch):
    (tmp_path / "web.yaml").write_text("accounts_file: accounts\n")
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["web", "--config", str(tmp_path / "web.yaml"), "--passwd", "alice", "--password-stdin"]) == 0
    [line] = (tmp_path / "accounts").read_text().splitlines()
    assert line.startswith("alice:$argon2id$")
    assert Accounts(tmp_path / "accounts").check("alice", "a long enough password")
    assert not Accounts(tmp_path / "accounts").check("alice", "wrong")
