"""Memoised pure functions (From parsing, organisational domain, DMARC tags) stay correct and private."""
from __future__ import annotations

from brandguard.auth.dmarc import parse_record
from brandguard.auth.orgdomain import MULTIPLE_FROM, _author_cached, author_domain, org_domain
from brandguard.model import Envelope
from fixtures.dns import context_from_bytes

ENV = Envelope(client_addr="192.0.2.1", mail_from="a@example.com")


def ctx(*froms: str):
    head = "".join(f"From: {f}\r\n" for f in froms)
    return context_from_bytes(f"{head}Subject: x\r\n\r\nbody\r\n".encode(), ENV)


def test_author_domain_is_memoised_on_the_from_values():
    _author_cached.cache_clear()
    first = author_domain(ctx("Alice <alice@Example.COM>"))
    again = author_domain(ctx("Alice <alice@Example.COM>"))
    assert first is again and first.domain == "example.com"
    assert _author_cached.cache_info().hits == 1


def test_different_from_headers_get_their_own_answers():
    assert author_domain(ctx("a@example.com", "b@example.com")).problem == MULTIPLE_FROM
    assert author_domain(ctx("a@example.com")).problem == ""
    assert author_domain(ctx()).domain == ""


def test_org_domain_memoised_and_unchanged():
    assert org_domain("mail.Example.co.uk.") == "example.co.uk"
    assert org_domain("mail.Example.co.uk.") == "example.co.uk"
    assert org_domain("co.uk") == "co.uk" and org_domain("") == ""
    assert org_domain.cache_info().hits >= 1


def test_parsed_dmarc_tags_are_a_fresh_dict_each_time():
    text = "v=DMARC1; p=reject; P=none; rua=mailto:d@example.com"
    tags = parse_record(text)
    tags["p"] = "none"
    assert parse_record(text) == {"v": "DMARC1", "p": "reject", "rua": "mailto:d@example.com"}
