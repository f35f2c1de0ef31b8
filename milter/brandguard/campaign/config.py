"""`campaign:` settings: where the campaign memory lives, how long it remembers and who may teach it."""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_STATE_DIR = Path("/var/lib/brandguard")


class CampaignSettings(BaseModel):
    """Indicators of confirmed scams (numbers, addresses, hosts, attachments, text) remembered across messages."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = Field(True, description="look up and learn indicators; false: campaign_match finds nothing")
    store: str = Field("sqlite", description="sqlite (<state_dir>/campaign.sqlite), sqlite:///ABSOLUTE/PATH, or "
                       "redis://HOST:PORT/DB (also rediss://, unix://; Valkey speaks the same protocol) for a fleet")
    ttl_days: float = Field(30, gt=0, description="an indicator not taught again for this long is forgotten")
    learn: bool = Field(True, description="learn from this milter's own confident verdicts")
    learn_min_score: float = Field(15.0, ge=0, description="a verdict teaches when its score without campaign_match "
                                   "reaches this (the default policy quarantines at 10) and it quarantines or rejects")
    learn_per_sender_per_hour: int = Field(20, ge=0, description="messages one sender domain may teach per hour")
    max_per_kind: int = Field(10, ge=1, le=100, description="indicators of each kind taken from one message")
    fuzzy_candidates: int = Field(5000, ge=0, le=100_000, description="most recent text fingerprints compared "
                                  "with each message")
    fuzzy_refresh_seconds: float = Field(30.0, ge=0, description="how long a process reuses the fingerprints it "
                                         "read from the store")
    timeout_seconds: float = Field(0.25, gt=0, le=10, description="per store operation; a slower store is "
                                   "skipped for that message (counted), never a temporary failure")
    retry_seconds: float = Field(10.0, ge=0, description="after a store error, skip the store this long")

    @field_validator("store")
    @classmethod
    def _store(cls, v: str) -> str:
        if v == "sqlite" or v.startswith(("redis://", "rediss://", "unix://")):
            return v
        if v.startswith("sqlite:///") and len(v) > len("sqlite:///"):
            return v
        raise ValueError("expected sqlite, sqlite:///ABSOLUTE/PATH or redis://HOST:PORT/DB")

    def store_kind(self) -> str:
        """sqlite or redis (the metrics' label)."""
        return "sqlite" if self.store.startswith("sqlite") else "redis"

    def sqlite_path(self, state_dir: Path) -> Path:
        if self.store == "sqlite":
            return state_dir / "campaign.sqlite"
        return Path("/" + self.store[len("sqlite:///"):].lstrip("/"))
