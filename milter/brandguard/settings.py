"""Daemon settings: one closed YAML schema, every error reported at once with file, line and key."""
from __future__ import annotations

import os
import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator

from brandguard.auth.config import AuthSettings
from brandguard.content.config import ContentSettings
from brandguard.errors import ConfigError, SettingsError
from brandguard.metrics import MetricsSettings
from brandguard.policy.yamlio import load_yaml, validate

PACKAGE_DIR = Path(__file__).resolve().parent
# Shipped policies: next to the source tree in a checkout, inside the package in a wheel.
_CANDIDATES = [PACKAGE_DIR.parent.parent / "policies", PACKAGE_DIR / "data" / "policies"]
SHIPPED_POLICIES = next((p for p in _CANDIDATES if (p / "default.yaml").exists()), _CANDIDATES[0])
DEFAULT_POLICY = SHIPPED_POLICIES / "default.yaml"

_SOCKET_RE = re.compile(r"^(inet:(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):\d{1,5}|inet6:\[?[0-9a-fA-F:]+\]?:\d{1,5}|unix:/.+)$")


class OnError(str, Enum):
    """What Postfix is told when brandguard itself fails on a message."""

    TEMPFAIL = "tempfail"
    ACCEPT = "accept"


class MilterSettings(BaseModel):
    """Where the milter listens and how libmilter behaves."""

    model_config = ConfigDict(extra="forbid")
    socket: str = Field("inet:127.0.0.1:8899", description="inet:HOST:PORT or unix:/absolute/path (Postfix syntax)")
    socket_mode: str = Field("0660", description="permissions of a unix socket file (octal)")
    socket_group: str | None = Field(None, description="group of a unix socket file, e.g. postfix")
    timeout: int = Field(600, ge=1, description="libmilter's read/write timeout towards the MTA, seconds")
    name: str = Field("brandguard", description="milter name given to libmilter")

    @field_validator("socket")
    @classmethod
    def _socket_syntax(cls, v: str) -> str:
        if not _SOCKET_RE.match(v):
            raise ValueError("expected inet:HOST:PORT or unix:/absolute/path")
        return v

    @field_validator("socket_mode")
    @classmethod
    def _mode_syntax(cls, v: str) -> str:
        if not re.fullmatch(r"0?[0-7]{3}", v):
            raise ValueError("expected an octal mode such as 0660")
        return v

    def libmilter_socket(self) -> str:
        """libmilter spells inet sockets PORT@HOST, Postfix HOST:PORT; settings use Postfix's."""
        if self.socket.startswith("unix:"):
            return self.socket
        kind, rest = self.socket.split(":", 1)
        host, port = rest.rsplit(":", 1)
        return f"{kind}:{port}@{host.strip('[]')}"


class LogSettings(BaseModel):
    """Logging: one line per message, as text or as a JSON decision record."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["text", "json"] = "text"
    level: Literal["debug", "info", "warning", "error"] = "info"


class Settings(BaseModel):
    """The settings file of `brandguard run` (default: built-in values)."""

    model_config = ConfigDict(extra="forbid")
    milter: MilterSettings = Field(default_factory=MilterSettings)
    policy: Path = Field(DEFAULT_POLICY, description="the policy file (brands and freemail are found from it)")
    workers: Annotated[int, WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1, "maximum": 64},
                                                      {"const": "auto"}]})] = Field(
        1, ge=1, le=64, description="milter processes sharing the listening socket (pre-forked); about one per "
        "core. auto: one per CPU core this process may run on (read as a number when the settings load)"
    )
    on_error: OnError = Field(OnError.TEMPFAIL, description="answer when brandguard fails on a message")
    on_check_error: Literal["skip", "tempfail"] = Field(
        "skip", description="when one check, content extractor or authentication method raises: skip judges the "
        "message by everything else and names the failed step in X-Brandguard-Degraded; tempfail answers 4xx"
    )
    body_scan_limit: int = Field(2_000_000, ge=1024, description="bytes of body kept for analysis")
    message_time_budget: float = Field(
        20.0, gt=0, description="seconds of analysis per message before the fallback verdict (keep below Postfix's milter_content_timeout)"
    )
    budget_fallback: Literal["accept", "tag", "tempfail"] = Field(
        "tag", description="verdict for a message whose analysis runs over budget"
    )
    analysis_concurrency: int = Field(
        1, ge=1, le=64, description="messages analysed at once per worker process; others wait, and the wait "
        "counts against message_time_budget. The GIL runs one analysis at a time anyway: 1 finishes each message "
        "before the next (bench: p50 latency 3.6 vs 14 ms and 10 % less CPU than 4) and bounds memory; raise it "
        "when OCR (a subprocess) is slow, so that other messages need not wait for it; use `workers` for cores"
    )
    analysis_processes: Annotated[int, WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0, "maximum": 64},
                                                                 {"const": "auto"}]})] = Field(
        0, ge=0, le=64, description="0: analyse in the milter process. N: in N separate processes, one message at a "
        "time each, while the milter process only speaks the protocol (no GIL shared with libmilter's session "
        "threads: bench 4-11 % more msgs/s than one process; a runaway analysis is killed and replaced). auto: one "
        "per CPU core. Not with workers > 1"
    )
    watch_policy: bool = Field(True, description="reload the policy when its files change")
    watch_interval: float = Field(2.0, gt=0, description="seconds between policy file checks")
    allow_root: bool = Field(False, description="permit running as root (not recommended)")
    log: LogSettings = Field(default_factory=LogSettings)

    @field_validator("workers", "analysis_processes", mode="before")
    @classmethod
    def _cores(cls, value):
        # resolved here, so that everything downstream sees a number
        return min(64, max(1, len(os.sched_getaffinity(0)))) if value == "auto" else value

    @field_validator("analysis_processes")
    @classmethod
    def _one_multicore_design(cls, value, info: ValidationInfo):
        if value and info.data.get("workers", 1) > 1:
            raise ValueError("analysis_processes cannot be combined with workers > 1: choose one (see the README)")
        return value
    auth: AuthSettings = Field(default_factory=AuthSettings)
    content: ContentSettings = Field(default_factory=ContentSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)


def load_settings(path: str | Path | None) -> Settings:
    """Read and validate a settings file; relative policy paths are resolved against its folder."""
    if path is None:
        return Settings()
    try:
        doc = load_yaml(path)
        if not isinstance(doc.data, dict):
            raise ConfigError(f"{doc.path}:1: settings must be a mapping")
        settings = validate(doc, Settings)
    except SettingsError:
        raise
    except ConfigError as exc:
        raise SettingsError(exc.problems) from None
    if not settings.policy.is_absolute():
        settings = settings.model_copy(update={"policy": (Path(path).resolve().parent / settings.policy).resolve()})
    return settings
