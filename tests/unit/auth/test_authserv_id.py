"""The authserv-id: the host's name by default, and every inbound Authentication-Results claiming it removed."""
from __future__ import annotations

from pathlib import Path

import pytest

from brandguard.actions import strip_list
from brandguard.auth.authres import claims_our_id
from brandguard.auth.config import AuthSettings, host_authserv_id
from brandguard.mailfile import context_from_bytes
from brandguard.model import Envelope, MessageContext
from brandguard.scan import build_scanner
from brandguard.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[3]


def names(fqdn, hostname="mx"):
    """Stand-ins for socket.getfqdn / socket.gethostname (a string, or an exception to raise)."""
    def source(value):
        def call():
            if isinstance(value, Exception):
                raise value
            return value
        return call
    return {"getfqdn": source(fqdn), "gethostname": source(hostname)}


@pytest.mark.parametrize("fqdn, hostname, expected", [
    pytest.param("mx.example.org", "mx", "mx.example.org", id="fqdn"),
    pytest.param("mx.example.org.", "mx", "mx.example.org", id="fqdn-trailing-dot"),
    pytest.param("localhost", "vm", "vm", id="container-hosts-file"),
    pytest.param("localhost.localdomain", "mx", "mx", id="localdomain"),
    pytest.param("ip6-localhost", "mx", "mx", id="ip6-localhost"),
    pytest.param("127.0.0.1", "mx", "mx", id="address"),
    pytest.param(OSError("resolver gone"), "mx", "mx", id="fqdn-raises"),
    pytest.param("bad name!", "mx", "mx", id="fqdn-not-a-token"),
    pytest.param("localhost", "localhost", "localhost", id="nothing-better"),
])
def test_host_name_default(fqdn, hostname, expected):
    assert host_authserv_id(**names(fqdn, hostname)) == expected


def test_host_name_that_cannot_be_an_id_asks_for_the_setting():
    with pytest.raises(ValueError, match="set auth.authserv_id"):
        host_authserv_id(**names(OSError("x"), ""))


def test_default_is_this_host_and_an_explicit_id_wins(tmp_path):
    assert AuthSettings().authserv_id == Settings().auth.authserv_id == host_authserv_id()
    assert AuthSettings(authserv_id="MX.Example.ORG").authserv_id == "MX.Example.ORG"
    p = tmp_path / "settings.yaml"
    p.write_text("auth: {authserv_id: mx.example.org}\n")
    assert load_settings(p).auth.authserv_id == "mx.example.org"
    p.write_text("auth: {authserv_id: null}\n")  # spelled out, the default
    assert load_settings(p).auth.authserv_id == host_authserv_id()


def test_schema_documents_the_default_without_a_machine_name():
    prop = Settings.model_json_schema()["properties"]
    field = AuthSettings.model_json_schema()["properties"]["authserv_id"]
    assert "auth" in prop and field["default"] is None and "host's name" in field["description"]


@pytest.mark.parametrize(("value", "claims"), [
    pytest.param("mx.example.org; dkim=pass header.d=paypal.com; spf=pass; dmarc=pass", True, id="issue-15"),
    pytest.param("MX.EXAMPLE.ORG; dmarc=pass", True, id="upper-case"),
    pytest.param("mx.example.org 1; dmarc=pass", True, id="version"),
    pytest.param("mx.example.org 1 (v1); dmarc=pass", True, id="version-and-comment"),
    pytest.param("mx.example.org(c);dmarc=pass", True, id="comment-no-space"),
    pytest.param("(a (nested; mx.other.example) \\) c)\r\n\tmx.example.org; dmarc=pass", True, id="nested-comment"),
    pytest.param("\tmx.example.org\r\n ; dmarc=pass", True, id="folded-before-semicolon"),
    pytest.param("mx.example.org.evil.example; dmarc=pass", False, id="ours-as-prefix"),
    pytest.param("example.org; dmarc=pass", False, id="parent-domain"),
    pytest.param("mx.exаmple.org; dmarc=pass", False, id="confusable-letter"),
    pytest.param("(mx.example.org) relay.example; dmarc=pass", False, id="ours-only-in-a-comment"),
])
def test_claims_the_host_name(value, claims):
    assert claims_our_id(value, "mx.example.org") is claims


def test_every_claiming_header_is_listed_with_its_index_among_its_name():
    headers = (
        ("Authentication-Results", "mx.example.org; dkim=pass header.d=paypal.com; spf=pass; dmarc=pass"),
        ("Received", "from x"),
        ("Authentication-Results", "relay.other.example; dkim=pass header.d=example.org"),
        ("authentication-results", "(forged)\r\n MX.Example.Org 1;\r\n\tdmarc=pass"),
        ("X-Brandguard-Verdict", "accept"),
        ("Authentication-Results", '"mx.example.org"; spf=pass'),
    )
    ctx = MessageContext(envelope=Envelope(), headers=headers, body=b"")
    assert strip_list(ctx, "mx.example.org", claims_our_id) == (
        ("Authentication-Results", 1), ("authentication-results", 3), ("X-Brandguard-Verdict", 1),
        ("Authentication-Results", 4))


def test_pipeline_with_the_default_id_strips_a_forged_header_of_this_host():
    app = build_scanner(policy=str(ROOT / "policies" / "default.yaml"))
    ours = app.settings.auth.authserv_id
    raw = (f"Authentication-Results: {ours}; dkim=pass header.d=paypal.com; spf=pass; dmarc=pass\r\n"
           "Authentication-Results: relay.other.example; spf=pass\r\n"
           "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: lunch\r\n\r\nhi\r\n").encode()
    outcome = app.process(context_from_bytes(raw))
    assert outcome.plan.strip_headers == (("Authentication-Results", 1),)
