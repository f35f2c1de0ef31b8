"""Fixtures for the campaign memory: the shipped policy, mail built from parts, memories on temporary stores."""
from __future__ import annotations

from email.message import EmailMessage

import pytest

from brandguard.campaign.config import CampaignSettings
from brandguard.campaign.memory import CampaignMemory
from brandguard.campaign.store import SQLiteStore
from brandguard.policy.store import PolicyStore
from brandguard.settings import DEFAULT_POLICY

LURE_BODY = ("Dear customer,\nYour Trend Micro Maximum Security subscription has been renewed and $399.99 was charged "
             "to your account today.\nIf you did not authorise this charge, call our billing desk at +1 (888) 310-5521 "
             "within 24 hours to cancel and receive a full refund.\nInvoice TM-55120-22. Thank you, Trend Micro "
             "Support Team\n")
WEAK_BODY = "Hello,\nYour order 55120 is processed, questions: 888.310.5521\nThanks\n"


class Clock:
    """A wall clock the test moves (TTL, rate windows)."""

    def __init__(self, now: float = 1_796_000_000.0):  # 2026-12-01
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def policy():
    return PolicyStore(DEFAULT_POLICY).current


@pytest.fixture
def make_mail():
    def make(body: str, *, sender: str = "Trend Micro Billing <billing.trendmicro@gmail.com>",
             subject: str = "Trend Micro Maximum Security renewal invoice", mid: str = "<lure-1@gmail.com>",
             reply_to: str | None = None, attachments: tuple[tuple[str, str, bytes], ...] = (),
             html: str | None = None) -> bytes:
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = sender, "bob@example.net", subject
        m["Date"], m["Message-ID"] = "Tue, 01 Dec 2026 10:00:00 +0000", mid
        if reply_to:
            m["Reply-To"] = reply_to
        m.set_content(body)
        if html:
            m.add_alternative(html, subtype="html")
        for name, ctype, data in attachments:
            maintype, subtype = ctype.split("/")
            m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        return m.as_bytes()

    return make


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def memory_factory(tmp_path, clock):
    """memory(**settings) -> a CampaignMemory on an SQLite file of this test (the same file for every call)."""
    made: list[CampaignMemory] = []

    def make(path=None, **settings) -> CampaignMemory:
        s = CampaignSettings(**{"fuzzy_refresh_seconds": 0.0, **settings})
        m = CampaignMemory(s, SQLiteStore(path or tmp_path / "campaign.sqlite"), clock=clock)
        made.append(m)
        return m

    yield make
    for m in made:
        m.close()
