"""Indicators: what a scam could teach, and what is never learnt (official numbers, brands', shared hosts)."""
from __future__ import annotations

import pytest

from brandguard.campaign.indicators import MIN_TEXT, distance, extract, fingerprint
from brandguard.content import extract as content_of
from brandguard.content.mimeparse import mime_of
from brandguard.mailfile import context_from_bytes
from unit.campaign.conftest import LURE_BODY


@pytest.fixture
def indicators_of(policy):
    def run(raw: bytes, max_per_kind: int = 10):
        ctx = context_from_bytes(raw)
        mime = mime_of(ctx)
        return extract(content_of(ctx, None, None, mime), policy.catalogue, max_per_kind)

    return run


def values(found, kind):
    return [i.value for i in found.of(kind)]


def test_a_callback_lure_yields_its_number_address_and_text(make_mail, indicators_of):
    found = indicators_of(make_mail(LURE_BODY, reply_to="refunds.desk@outlook-billing.example"))
    assert values(found, "phone") == ["+18883105521"]
    assert values(found, "address") == ["billing.trendmicro@gmail.com", "refunds.desk@outlook-billing.example"]
    assert len(values(found, "text_fuzzy")) == 1


def test_official_brand_numbers_are_refused(make_mail, indicators_of):
    found = indicators_of(make_mail(LURE_BODY.replace("+1 (888) 310-5521", "+1 888 762 8736")))
    assert values(found, "phone") == []
    assert [(i.value, why) for i, why in found.refused if i.kind == "phone"] == [
        ("+18887628736", "an official number of trendmicro")]


@pytest.mark.parametrize(("host", "kept"), [
    pytest.param("renewal-desk-trend.example", True, id="a-kit-host"),
    pytest.param("www.trendmicro.com", False, id="the-brand-own-domain"),
    pytest.param("bit.ly", False, id="a-shortener"),
    pytest.param("www.paypal.com", False, id="a-platform"),
    pytest.param("gmail.com", False, id="a-mail-provider"),
])
def test_link_hosts_of_brands_platforms_and_shared_services_are_refused(make_mail, indicators_of, host, kept):
    found = indicators_of(make_mail(LURE_BODY + f"\nManage your order: https://{host}/x/123\n"))
    assert (host in values(found, "link_host")) is kept
    assert (host in [i.value for i, _ in found.refused]) is not kept


def test_a_reply_to_in_a_brand_domain_is_refused(make_mail, indicators_of):
    found = indicators_of(make_mail(LURE_BODY, reply_to="support@trendmicro.com"))
    assert "support@trendmicro.com" not in values(found, "address")


def test_attachments_are_hashed_and_small_or_inline_images_skipped(make_mail, indicators_of):
    pdf = b"%PDF-1.4 invoice " + bytes(range(256)) * 20
    found = indicators_of(make_mail(LURE_BODY, attachments=(("invoice.pdf", "application/pdf", pdf),
                                                            ("dot.gif", "image/gif", b"GIF89a" + b"\0" * 40))))
    import hashlib

    assert values(found, "attachment") == [hashlib.sha256(pdf).hexdigest()]


def test_at_most_max_per_kind_of_each_kind(make_mail, indicators_of):
    links = "".join(f"https://host{i}.kit.example/a\n" for i in range(30))
    found = indicators_of(make_mail(LURE_BODY + links), max_per_kind=5)
    assert len(values(found, "link_host")) == 5


def test_fingerprints_of_one_template_are_near_and_short_texts_have_none():
    a = fingerprint(LURE_BODY)
    b = fingerprint(LURE_BODY.replace("399.99", "249.00").replace("TM-55120-22", "TM-88213-07")
                    .replace("Dear customer", "Dear Bob"))
    other = fingerprint("The quarterly report is attached. We reviewed the budget figures for the northern "
                        "region and found the travel costs were lower than planned, while the office rent went up "
                        "after the new lease. Please send comments before Friday so that finance can close it.")
    assert distance(a, b) < 50 < distance(a, other)
    assert fingerprint("x" * (MIN_TEXT - 1)) == ""
