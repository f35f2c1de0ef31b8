"""Two brandguard milters behind a real Postfix, sharing a real redis-server: what one learns, the other knows."""
from __future__ import annotations

import pytest

from fixtures.mail import make_message, marker, send
from fixtures.support import poll

pytestmark = pytest.mark.e2e

NUMBER = "+1 (888) 310-5521"
LURE = ("Dear customer,\nyour Trend Micro Maximum Security subscription was renewed and $399.99 was charged to your "
        f"account today.\nIf you did not authorise this charge, call our billing desk at {NUMBER} within 24 hours "
        "to cancel and receive a full refund.\nThank you, Trend Micro Support Team\n")
WEAK = "Hello,\nyour order 55120 is processed. Questions: 888.310.5521\nThanks\n"


def held_with(postfix, token: str) -> list[dict]:
    return [q for q in postfix.held()
            if token in postfix.cmd("postcat", "-c", str(postfix.conf), "-hq", q["queue_id"]).stdout]


def test_a_lure_held_by_one_mta_tags_its_weak_variant_at_another(postfix, brandguard_factory, redis_factory):
    store = redis_factory()
    shared = {"campaign": {"store": store.url, "learn": True}}
    sock = f"unix:{postfix.down_sock}"  # the listener nothing else uses: one milter at a time, as two MTAs would

    first = brandguard_factory(sock, extra=shared, name="mta1").start()
    weak_before = marker()
    send(postfix.ports["down"], make_message(f"Your order {weak_before}", body=WEAK))
    assert postfix.sink.wait_for(weak_before)["X-Brandguard-Verdict"] == "accept"

    lure = marker()
    send(postfix.ports["down"], make_message(f"Trend Micro renewal {lure}", display="Trend Micro Billing",
                                             sender="billing.trendmicro@gmail.com", body=LURE),
         sender="billing.trendmicro@gmail.com")
    held = poll(lambda: held_with(postfix, lure), 30, "the lure on the hold queue")
    poll(lambda: store.client().exists("brandguard:campaign:i:phone:+18883105521"), 20, "the number learnt")
    assert first.stop() == 0

    second = brandguard_factory(sock, extra=shared, name="mta2").start()
    weak_after = marker()
    send(postfix.ports["down"], make_message(f"Your order {weak_after}", body=WEAK))
    got = postfix.sink.wait_for(weak_after)
    assert got["X-Brandguard-Verdict"] == "tag", got["X-Brandguard-Rules"]
    assert "campaign_match" in got["X-Brandguard-Rules"]
    assert second.stop() == 0
    postfix.cmd("postsuper", "-c", str(postfix.conf), "-d", held[0]["queue_id"])
