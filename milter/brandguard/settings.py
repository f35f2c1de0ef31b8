"""Daemon settings: one closed YAML schema, every error reported at once with file, line and key."""
from __future__ import annotations

import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from brandguard.auth.config import AuthSettings
from brandguard.campaign.config import DEFAULT_STATE_DIR, CampaignSettings
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


# Settings of the process models that analysis_processes replaced (docs/CONTRACTS.md, "Process model")
REMOVED_IN = "0.2"
REMOVED = {
    "workers": "use analysis_processes",
    "analysis_concurrency": "each analysis process takes one message at a time; use analysis_processes",
}


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask, e.g. a container's cpuset), 1 to 64."""
    return min(64, max(1, len(os.sched_getaffinity(0))))


class OnError(StrEnum):
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
    analysis_processes: Annotated[int, WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1, "maximum": 64},
                                                                 {"const": "auto"}]})] = Field(
        "auto", ge=1, le=64, validate_default=True, description="processes that analyse the messages, one at a "
        "time each, while the milter process speaks the protocol; an analysis past message_time_budget is killed "
        "and replaced (docs/CONTRACTS.md). auto: one per CPU core this process may run on (read as a number when "
        "the settings load)"
    )
    watch_policy: bool = Field(True, description="reload the policy when its files change")
    watch_interval: float = Field(2.0, gt=0, description="seconds between policy file checks")
    allow_root: bool = Field(False, description="permit running as root (not recommended)")
    log: LogSettings = Field(default_factory=LogSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    content: ContentSettings = Field(default_factory=ContentSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    state_dir: Path = Field(DEFAULT_STATE_DIR, description="where brandguard keeps state between runs (the campaign "
                            "memory's SQLite file); systemd's StateDirectory=brandguard")
    campaign: CampaignSettings = Field(default_factory=CampaignSettings)

    @field_validator("analysis_processes", mode="before")
    @classmethod
    def _cores(cls, value: object) -> object:
        # resolved here, so that everything downstream sees a number
        return usable_cores() if value == "auto" else value

    @model_validator(mode="wrap")
    @classmethod
    def _removed_settings(cls, data: object, handler: ModelWrapValidatorHandler[Settings]) -> Settings:
        # named with their replacement rather than "unknown key"; every other error is still reported with them
        if not isinstance(data, dict) or not REMOVED.keys() & data.keys():
            return handler(data)
        # reads "file:line: workers: removed in 0.2: use analysis_processes (see docs/CONTRACTS.md)"
        errors: list[InitErrorDetails] = [
            {"type": PydanticCustomError("removed_setting", "removed in {version}: {instead} (see docs/CONTRACTS.md)",
                                         {"version": REMOVED_IN, "instead": REMOVED[key]}),
             "loc": (key,), "input": data[key]} for key in REMOVED if key in data]
        try:
            handler({k: v for k, v in data.items() if k not in REMOVED})
        except ValidationError as exc:
            # as custom errors with their message as written: from_exception_data cannot rebuild every
            # built-in type (path_type raised KeyError), and the message is all validation_problems() reads
            errors += [{"type": PydanticCustomError(e["type"], e["msg"]), "loc": e["loc"], "input": e["input"]}
                       for e in exc.errors()]
        raise ValidationError.from_exception_data(cls.__name__, errors)


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
    if not settings.state_dir.is_absolute():
        settings = settings.model_copy(update={"state_dir": (Path(path).resolve().parent / settings.state_dir).resolve()})
    return settings
