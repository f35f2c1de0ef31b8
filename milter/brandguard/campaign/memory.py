"""The campaign memory: look a message's indicators up, learn them from confident verdicts and admins, forget."""
from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brandguard.campaign import indicators as ind
from brandguard.campaign.config import CampaignSettings
from brandguard.campaign.facts import NONE, CampaignEvents, CampaignFacts, Indicator, Indicators, Match
from brandguard.campaign.store import SQLiteStore, Store
from brandguard.content.model import Content
from brandguard.model import Action, AuthResults, MessageContext, Verdict

if TYPE_CHECKING:
    from brandguard.isolation import Guard
    from brandguard.policy.catalogue import Catalogue
    from brandguard.policy.loader import Policy

log = logging.getLogger("brandguard")
CHECK = "campaign_match"  # its own findings do not make a verdict confident enough to teach
FUZZY_LOOKUP_DISTANCE = 100  # nearest fingerprints reported up to this; the check's parameter decides what counts
EXPIRE_EVERY = 3600.0  # seconds between sweeps of expired indicators, per process


def source_id(ctx: MessageContext) -> str:
    """How a learnt message is named for `forget`: its Message-ID, else a hash of its body.

    The Message-ID survives the hold queue, `quarantine show --raw` and a saved copy, so an admin can forget a
    message by file or queue id, and a release forgets it wherever it was learnt (the queue id is kept too).
    """
    mid = " ".join((ctx.first_header("Message-ID") or "").split()).strip("<>")
    return mid[:250] if mid else "sha256:" + hashlib.sha256(ctx.body).hexdigest()[:32]


def allowlisted(policy: Policy, ctx: MessageContext, auth: AuthResults) -> bool:
    """An allow entry of the policy matches the message: whatever it says never teaches."""
    from brandguard.policy import engine

    return engine.allowlisted(policy, ctx, auth)


class CampaignMemory:
    """The memory of one process; every store failure is caught, counted and answered with 'nothing known'."""

    def __init__(self, settings: CampaignSettings, store: Store, *, read_only: bool = False,
                 clock: Callable[[], float] = time.time):
        self.settings, self.store, self.read_only, self.clock = settings, store, read_only, clock
        self._down_until = 0.0  # after an error the store is left alone a while: no per-message timeouts
        self._prints: tuple[float, list[tuple[str, Any]]] = (-1e18, [])  # (digest, parsed) as last read
        self._last_expire = 0.0

    @classmethod
    def open(cls, settings: CampaignSettings, state_dir: Path, *, read_only: bool = False) -> CampaignMemory:
        store: Store
        if settings.store_kind() == "redis":
            from brandguard.campaign.redisstore import RedisStore

            store = RedisStore(settings.store, timeout=settings.timeout_seconds, read_only=read_only)
        else:
            store = SQLiteStore(settings.sqlite_path(state_dir), timeout=settings.timeout_seconds, read_only=read_only)
        return cls(settings, store, read_only=read_only)

    @property
    def ttl(self) -> float:
        return self.settings.ttl_days * 86400

    def indicators(self, content: Content, catalogue: Catalogue) -> Indicators:
        return ind.extract(content, catalogue, self.settings.max_per_kind)

    @contextmanager
    def _timed(self, op: str, events: list[CampaignEvents]) -> Iterator[None]:
        t = time.monotonic()
        try:
            yield
        finally:
            events.append(CampaignEvents(self.store.kind, latency=((op, time.monotonic() - t),)))

    def _usable(self, op: str, events: list[CampaignEvents]) -> bool:
        if time.monotonic() < self._down_until:
            events.append(CampaignEvents(self.store.kind, errors=(op,)))
            return False
        return True

    def _failed(self, op: str, events: list[CampaignEvents]) -> None:
        self._down_until = time.monotonic() + self.settings.retry_seconds
        events.append(CampaignEvents(self.store.kind, errors=(op,)))
        log.warning("campaign store (%s) failed on %s; checks go on without it for %.0fs", self.store.kind, op,
                    self.settings.retry_seconds, exc_info=True)

    def lookup(self, found: Indicators) -> tuple[CampaignFacts, CampaignEvents]:
        """What confirmed scams share with `found`; 'nothing known' (and an error event) when the store fails."""
        events: list[CampaignEvents] = []
        if not self.settings.enabled or not found:
            return CampaignFacts(indicators=found), CampaignEvents(self.store.kind)
        if not self._usable("lookup", events):
            return CampaignFacts(indicators=found, available=False), sum(events, CampaignEvents())
        since = self.clock() - self.ttl
        try:
            with self._timed("lookup", events):
                exact = [(i.kind, i.value) for i in found.items if i.kind != "text_fuzzy"]
                matches = [Match.of(s) for s in self.store.lookup(exact, since)]
                matches += self._fuzzy(found.of("text_fuzzy"), since)
        except Exception:  # noqa: BLE001 - any store or client failure: the message is judged without the memory
            self._failed("lookup", events)
            return CampaignFacts(indicators=found, available=False), sum(events, CampaignEvents())
        hits = tuple(dict.fromkeys(m.kind for m in matches))
        return CampaignFacts(tuple(matches), found), sum(events, CampaignEvents(self.store.kind, hits=hits))

    def _fuzzy(self, prints: tuple[Indicator, ...], since: float) -> list[Match]:
        if not prints or not self.settings.fuzzy_candidates:
            return []
        fetched, known = self._prints
        if time.monotonic() - fetched > self.settings.fuzzy_refresh_seconds:
            known = [(d, ind.parsed(d)) for d in self.store.fingerprints(since, self.settings.fuzzy_candidates)]
            self._prints = (time.monotonic(), known)
        out = []
        for p in prints:
            mine = ind.parsed(p.value)
            nearest = min(((int(mine.diff(obj)), d) for d, obj in known), default=None)
            if nearest is not None and nearest[0] <= FUZZY_LOOKUP_DISTANCE:
                out += [Match.of(s, nearest[0]) for s in self.store.lookup([("text_fuzzy", nearest[1])], since)]
        return out

    def confident(self, verdict: Verdict) -> bool:
        """A verdict that may teach: quarantine or reject (would-, in monitor mode) on the strength of the other checks."""
        action = verdict.would_action or verdict.action
        score = verdict.score - sum(h.score for h in verdict.hits if h.id == CHECK)
        return not verdict.error and action.rank >= Action.QUARANTINE.rank and score >= self.settings.learn_min_score

    def learn_from_verdict(self, ctx: MessageContext, auth: AuthResults, found: Indicators, verdict: Verdict,
                           policy: Policy) -> CampaignEvents:
        """Teach `found` when the milter's verdict is confident, the sender not allowlisted and within its rate."""
        if self.read_only or not self.settings.enabled or not self.settings.learn or not found:
            return CampaignEvents(self.store.kind)
        if not self.confident(verdict) or allowlisted(policy, ctx, auth):
            return CampaignEvents(self.store.kind)
        sender = (ctx.envelope.mail_from_domain or "-").lower()
        return self.teach(found, source_id(ctx), ctx.envelope.queue_id, sender=sender)

    def teach(self, found: Indicators, source: str, queue_id: str = "", *, sender: str | None = None) -> CampaignEvents:
        """Remember `found` as taught by message `source`; `sender` None is an admin (no rate limit)."""
        events: list[CampaignEvents] = []
        if self.read_only or not found.items or not self._usable("learn", events):
            return sum(events, CampaignEvents(self.store.kind))
        now = self.clock()
        try:
            with self._timed("learn", events):
                if sender is None:
                    self.store.ban([source], now)  # an admin's confirmation lifts an earlier release's ban
                elif self.store.banned(source, now):
                    return sum(events, CampaignEvents(self.store.kind))  # released by an admin: never teaches
                if sender is not None and self.store.bump(f"sender:{sender}", 3600, now) > \
                        self.settings.learn_per_sender_per_hour:
                    return sum(events, CampaignEvents(self.store.kind))
                self.store.teach([(i.kind, i.value) for i in found.items], source, queue_id, now, self.ttl)
                if now - self._last_expire > EXPIRE_EVERY:
                    self._last_expire = now
                    self.store.expire(now - self.ttl)
        except Exception:  # noqa: BLE001 - learning is best effort: the verdict stands without it
            self._failed("learn", events)
            return sum(events, CampaignEvents(self.store.kind))
        self._prints = (-1e18, [])  # this process sees its own lessons at once
        return sum(events, CampaignEvents(self.store.kind, learned=len(found.items)))

    def forget(self, source: str = "", queue_id: str = "") -> int:
        """Remove what message `source` (or the message of `queue_id`) taught, and keep it from teaching again
        for the TTL (a released copy elsewhere in the fleet); raises when the store fails."""
        sources = ([source] if source else []) + (self.store.sources_of(queue_id) if queue_id else [])
        n = self.store.forget(source, queue_id)
        self.store.ban(sources, self.clock() + self.ttl)
        self._prints = (-1e18, [])
        return n

    def counts(self) -> dict[str, int]:
        """Indicators per kind within the TTL (the metrics' gauge and `campaign stats`)."""
        return self.store.stats(self.clock() - self.ttl)

    def close(self) -> None:
        self.store.close()


    # --- the pipeline's two steps, guarded: a bug here leaves the message judged without the memory ----------

    def guarded_lookup(self, guard: Guard, content: Content,
                       catalogue: Catalogue) -> tuple[CampaignFacts, CampaignEvents]:
        found = guard.run("campaign", self.indicators, content, catalogue, default=NONE)
        return guard.run("campaign", self.lookup, found, default=(CampaignFacts(indicators=found), CampaignEvents()))

    def guarded_learn(self, guard: Guard, ctx: MessageContext, auth: AuthResults, facts: CampaignFacts,
                      verdict: Verdict, policy: Policy) -> CampaignEvents:
        return guard.run("campaign", self.learn_from_verdict, ctx, auth, facts.indicators, verdict, policy,
                         default=CampaignEvents())
