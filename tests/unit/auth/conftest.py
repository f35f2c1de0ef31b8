"""Shared auth test data: DKIM keys generated once per session, messages, settings."""
from __future__ import annotations

import pytest

from fixtures.dns import DkimKey


@pytest.fixture(scope="session")
def rsa_key() -> DkimKey:
    return DkimKey.generate("example.com", "rsa1")


@pytest.fixture(scope="session")
def ed_key() -> DkimKey:
    return DkimKey.generate("example.com", "ed1", "ed25519-sha256")


@pytest.fixture(scope="session")
def list_key() -> DkimKey:
    """The key of a mailing list that re-signs and ARC-seals what it forwards."""
    return DkimKey.generate("lists.example.org", "arc1")


MESSAGE = (
    b"From: Alice <alice@example.com>\r\n"
    b"To: Bob <bob@example.net>\r\n"
    b"Subject: invoice\r\n"
    b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    b"Message-ID: <m1@example.com>\r\n"
    b"\r\n"
    b"Hello Bob,\r\nplease find the invoice attached.\r\n"
)


@pytest.fixture
def message() -> bytes:
    return MESSAGE
