"""What the campaign memory hands to checks and to the metrics: plain data, importable from anywhere."""
from __future__ import annotations

import time
from dataclasses import dataclass

from brandguard.campaign.store import Seen

KINDS = ("phone", "address", "link_host", "attachment", "text_fuzzy")


@dataclass(frozen=True)
class Indicator:
    """One value a scam carries that its next variant is likely to carry too."""

    kind: str  # one of KINDS
    value: str  # E.164, lower-case address or host, hex SHA-256, TLSH digest
    where: str = ""  # where in the message, for the evidence


@dataclass(frozen=True)
class Indicators:
    """What a message could teach and what the lookup compares; `refused` says what is never learnt, and why."""

    items: tuple[Indicator, ...] = ()
    refused: tuple[tuple[Indicator, str], ...] = ()

    def of(self, kind: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.items if i.kind == kind)

    def __bool__(self) -> bool:
        return bool(self.items)


NONE = Indicators()


@dataclass(frozen=True)
class Match:
    """An indicator of this message that confirmed scams carried too."""

    kind: str
    value: str
    count: int
    first_seen: float
    last_seen: float
    source: str
    distance: int = 0  # text_fuzzy: TLSH distance to the nearest remembered text

    @classmethod
    def of(cls, seen: Seen, distance: int = 0) -> Match:
        return cls(seen.kind, seen.value, seen.count, seen.first_seen, seen.last_seen, seen.source, distance)


@dataclass(frozen=True)
class CampaignFacts:
    """What the memory knows of a message's indicators (the default: nothing)."""

    matches: tuple[Match, ...] = ()
    indicators: Indicators = NONE
    available: bool = True  # False when the store could not be asked


NOTHING = CampaignFacts()


@dataclass(frozen=True)
class CampaignEvents:
    """One message's dealings with the store, carried back to the milter process for its metrics."""

    store: str = ""
    hits: tuple[str, ...] = ()  # indicator kinds matched
    errors: tuple[str, ...] = ()  # operations that failed or were skipped: lookup, learn
    latency: tuple[tuple[str, float], ...] = ()  # (operation, seconds)
    learned: int = 0  # indicators taught

    def __add__(self, other: CampaignEvents) -> CampaignEvents:
        return CampaignEvents(self.store or other.store, self.hits + other.hits, self.errors + other.errors,
                              self.latency + other.latency, self.learned + other.learned)


def describe(m: Match) -> str:
    """'+18883105521 seen in 14 confirmed scams since 2026-12-01' (the evidence of campaign_match)."""
    day = time.strftime("%Y-%m-%d", time.gmtime(m.first_seen))
    what = m.value if m.kind != "text_fuzzy" else f"text like a known scam's (distance {m.distance})"
    if m.kind == "attachment":
        what = f"attachment sha256:{m.value[:16]}"
    scams = "confirmed scam" if m.count == 1 else "confirmed scams"
    return f"{what} seen in {m.count} {scams} since {day}"

