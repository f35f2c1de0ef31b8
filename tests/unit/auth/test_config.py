"""AuthSettings: defaults, closed schema, validation errors with file:line."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from brandguard.auth.config import AuthSettings
from brandguard.errors import ConfigError
from brandguard.policy.yamlio import load_yaml, validate


def test_defaults_use_system_resolver_and_rfc7489():
    s = AuthSettings()
    assert s.nameservers == [] and s.port == 53
    assert (s.query_timeout, s.message_dns_budget) == (2.0, 8.0)
    assert s.dmarc_mode == "rfc7489" and s.authserv_id  # the host's name: test_authserv_id.py
    assert s.enable_spf and s.enable_dkim and s.enable_dmarc and s.enable_arc


def test_every_field_is_described():
    missing = [name for name, f in AuthSettings.model_fields.items() if not f.description]
    assert missing == []


def test_sealers_are_normalised():
    s = AuthSettings(trusted_arc_sealers=["Lists.Example.ORG."])
    assert s.trusted_arc_sealers == ["lists.example.org"]


@pytest.mark.parametrize("data", [
    pytest.param({"nameserver": ["127.0.0.1"]}, id="unknown-key"),
    pytest.param({"nameservers": ["dns.example.com"]}, id="nameserver-not-an-ip"),
    pytest.param({"port": 0}, id="port-zero"),
    pytest.param({"query_timeout": 0}, id="zero-timeout"),
    pytest.param({"message_dns_budget": -1}, id="negative-budget"),
    pytest.param({"dmarc_mode": "dmarc2"}, id="unknown-dmarc-mode"),
    pytest.param({"authserv_id": "mx; spf=pass"}, id="authserv-id-injection"),
    pytest.param({"trusted_arc_sealers": ["not a domain"]}, id="sealer-not-a-domain"),
    pytest.param({"cache_max_entries": -5}, id="negative-cache-size"),
])
def test_invalid_settings_are_refused(data):
    with pytest.raises(ValidationError):
        AuthSettings(**data)


def test_yaml_errors_name_file_line_and_path(tmp_path):
    path = tmp_path / "brandguard.yaml"
    path.write_text("auth:\n  port: 53\n  nameservers: [nope]\n  dmarc_mod: dmarcbis\n")
    doc = load_yaml(path)
    with pytest.raises(ConfigError) as err:
        validate(doc, AuthSettings, data=doc.data["auth"], prefix=("auth",))
    assert err.value.problems[0].startswith(f"{path}:3: auth.nameservers[0]:")
    assert err.value.problems[1] == f"{path}:4: auth.dmarc_mod: unknown key"
