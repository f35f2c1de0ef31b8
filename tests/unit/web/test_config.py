"""The web settings file: closed schema, errors with file:line, relative paths, the secret key file."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from brandguard.errors import SettingsError
from brandguard.web.config import load_web_settings, secret_key


def test_defaults_listen_on_loopback():
    s = load_web_settings(None)
    assert s.listen == "127.0.0.1" and s.cookie_secure and s.digest.default_mode == "request"


def test_errors_name_file_and_line(tmp_path):
    path = tmp_path / "web.yaml"
    path.write_text("port: 8898\nlisten_on: 0.0.0.0\ndigest:\n  default_mode: maybe\n"
                    "trusted_proxy:\n  addresses: [not-an-ip]\n")
    with pytest.raises(SettingsError) as err:
        load_web_settings(path)
    text = "\n".join(err.value.problems)
    assert f"{path}:2: listen_on: unknown key" in text
    assert f"{path}:4: digest.default_mode" in text
    assert f"{path}:6: trusted_proxy.addresses" in text


def test_relative_paths_are_read_from_the_files_folder(tmp_path):
    path = tmp_path / "web.yaml"
    path.write_text("accounts_file: accounts\nsecret_key_file: keys/secret\ndigest: {from: bg@example.org}\n")
    s = load_web_settings(path)
    assert s.accounts_file == tmp_path / "accounts" and s.secret_key_file == tmp_path / "keys/secret"
    assert s.digest.sender == "bg@example.org"


def test_secret_key_is_made_once_and_private(tmp_path):
    path = tmp_path / "k" / "secret"
    key = secret_key(path)
    assert len(key) >= 32 and secret_key(path) == key
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_short_secret_key_is_refused(tmp_path):
    (tmp_path / "secret").write_text("short")
    with pytest.raises(SettingsError, match="at least 32"):
        secret_key(tmp_path / "secret")


def test_shipped_example_loads_and_matches_the_sudoers_file():
    root = Path(__file__).resolve().parents[3]
    s = load_web_settings(root / "deploy" / "web.example.yaml")
    assert s.listen == "127.0.0.1" and s.helper_prefix == ["sudo", "-n"]
    sudoers = (root / "deploy" / "sudoers.d" / "brandguard-web").read_text()
    assert f"{s.brandguard_command[0]} quarantine list --config-dir {s.postfix_config_dir} --json" in sudoers
    assert f"allow --config {s.brandguard_config} --sender-domain=" in sudoers
    assert s.digest.mode_for(["paypal"], 5) == "request" and s.digest.mode_for([], 30) == "request"
    assert s.digest.mode_for(["norton"], 12) == "release"
