"""Settings of `brandguard web` and `brandguard digest`: one closed YAML schema, errors with file:line."""
from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from brandguard.errors import ConfigError, SettingsError
from brandguard.policy.yamlio import load_yaml, validate

DEFAULT_WEB_SETTINGS = Path("/etc/brandguard/web.yaml")
ReleaseMode = Literal["release", "request"]


class TrustedProxy(BaseModel):
    """A reverse proxy that authenticates admins itself and names them in a header."""

    model_config = ConfigDict(extra="forbid")
    header: str = Field("X-Remote-User", description="request header carrying the admin's user name")
    addresses: list[str] = Field(description="proxy addresses (IPs or networks) whose header is believed")

    @field_validator("addresses")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        return networks(v)


def networks(v: list[str]) -> list[str]:
    for a in v:
        ipaddress.ip_network(a, strict=False)  # ValueError names the bad one
    return v


class ModeRule(BaseModel):
    """Digest links for matching messages release directly or ask the admin; the first matching rule wins."""

    model_config = ConfigDict(extra="forbid")
    brands: list[str] | None = Field(None, description="any of these brands (default: any message)")
    min_score: float | None = Field(None, description="score at least this (default: any score)")
    mode: ReleaseMode

    def matches(self, brands: list[str], score: float | None) -> bool:
        if self.brands is not None and not set(self.brands) & set(brands):
            return False
        return self.min_score is None or (score is not None and score >= self.min_score)


class DigestSettings(BaseModel):
    """`digest:` the daily mail to each recipient with held mail."""

    model_config = ConfigDict(extra="forbid")
    smtp_host: str = Field("127.0.0.1", description="relay the digests are sent through")
    smtp_port: int = Field(25, ge=1, le=65535)
    sender: str = Field("postmaster@localhost", alias="from", description="From: and envelope sender of digests")
    admin_address: str | None = Field(None, description="where release requests are mailed (default: logged only)")
    link_base_url: str = Field("https://localhost/", description="public URL of the web service, as users reach it")
    link_lifetime_hours: int = Field(72, ge=1, le=24 * 30, description="hours a digest link stays valid")
    default_mode: ReleaseMode = Field("request", description="mode for messages no rule matches")
    modes: list[ModeRule] = Field(default_factory=list, description="per brand or score: release or request")

    def mode_for(self, brands: list[str], score: float | None) -> ReleaseMode:
        return next((r.mode for r in self.modes if r.matches(brands, score)), self.default_mode)


class WebSettings(BaseModel):
    """The settings file of `brandguard web` and `brandguard digest` (/etc/brandguard/web.yaml)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    listen: str = Field("127.0.0.1", description="address to bind (loopback: put a TLS reverse proxy in front)")
    port: int = Field(8898, ge=0, le=65535)
    accounts_file: Path | None = Field(None, description="'name:argon2-hash' lines (brandguard web passwd)")
    trusted_proxy: TrustedProxy | None = None
    forwarded_from: list[str] = Field(default_factory=list, description="proxies (IPs or networks) whose "
                                      "X-Forwarded-For names the client, for rate limits and logs")
    secret_key_file: Path = Field(Path("/var/lib/brandguard-web/secret.key"),
                                  description="signs sessions and digest links; created when missing")
    cookie_secure: bool = Field(True, description="Secure session cookie (off only for plain-HTTP testing)")
    session_hours: int = Field(8, ge=1, le=168)
    postfix_config_dir: str = Field("/etc/postfix", description="given to postqueue/postcat/postsuper as -c")
    helper_prefix: list[str] = Field(default_factory=list, description="run queue and allow commands through "
                                     "this, e.g. [sudo, -n]; empty runs them directly (root)")
    brandguard_command: list[str] = Field(["brandguard"], description="the CLI the helper prefix runs")
    brandguard_config: Path | None = Field(None, description="the daemon's settings (its policy; explanations)")
    page_size: int = Field(50, ge=5, le=500)
    max_body_chars: int = Field(100_000, ge=1000, description="plain text shown of a held message's body")
    login_attempts: int = Field(5, ge=1, description="failed logins per address per login_window")
    login_window: int = Field(300, ge=1, description="seconds")
    link_attempts: int = Field(30, ge=1, description="digest link requests per address per link_window")
    link_window: int = Field(300, ge=1, description="seconds")
    metrics: bool = Field(True, description="serve /metrics (scrape it on loopback; do not proxy it)")
    digest: DigestSettings = Field(default_factory=DigestSettings)

    @field_validator("forwarded_from")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        return networks(v)


def load_web_settings(path: str | Path | None) -> WebSettings:
    """Read and validate the web settings; relative paths are resolved against the file's folder."""
    if path is None:
        return WebSettings()
    try:
        doc = load_yaml(path)
        if not isinstance(doc.data, dict):
            raise ConfigError(f"{doc.path}:1: web settings must be a mapping")
        s = validate(doc, WebSettings)
    except ConfigError as exc:
        raise SettingsError(exc.problems) from None
    base = Path(path).resolve().parent
    update = {k: base / v for k in ("accounts_file", "secret_key_file", "brandguard_config")
              if isinstance(v := getattr(s, k), Path) and not v.is_absolute()}
    return s.model_copy(update=update)


def secret_key(path: Path) -> bytes:
    """The signing key; a new random one is written (0600) when the file does not exist."""
    try:
        key = path.read_bytes().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32).encode()
        with open(path, "xb", opener=lambda p, f: os.open(p, f, 0o600)) as fh:
            fh.write(key + b"\n")
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read the secret key: {exc.strerror or exc}") from None
    if len(key) < 32:
        raise SettingsError(f"{path}: the secret key must be at least 32 characters")
    return key
