"""The indexed brand lookups (skeleton table, local-part tokens, look-alike hosts) equal the plain scans they replace."""
from __future__ import annotations

import random
from itertools import combinations
from pathlib import Path

import pytest

from brandguard.attribution import _in_local, _local_brands
from brandguard.checks import lookalike_domain as lk
from brandguard.checks.suspicious_link import _domain_set, _in_any
from brandguard.content.names import compact
from brandguard.content.normalize import _SKELETON_TABLE, _fold_char, skeleton
from brandguard.content.urls import in_domain, org_domain
from brandguard.policy.catalogue import load_catalogue
from brandguard.policy.vocabulary import default_vocabulary

POLICIES = Path(__file__).resolve().parents[2] / "policies"


@pytest.fixture(scope="module")
def shipped():
    return load_catalogue(sorted((POLICIES / "brands").glob("*.yaml")), POLICIES / "freemail.yaml")


def _slow_skeleton(text: str) -> str:
    out = []
    for c in text:
        f = _fold_char(c).translate(_SKELETON_TABLE)
        out.append(f if len(f) == 1 else c)
    return "".join(out)


def test_skeleton_table_equals_per_character_fold():
    rnd = random.Random(1)
    singles = [chr(cp) for cp in range(0, 0x3000)] + ["\ud800", "\udcff", "\U0001d400", "\U000e0139", "İ", "ß"]
    assert [skeleton(c) for c in singles] == [_slow_skeleton(c) for c in singles]
    for _ in range(300):
        text = "".join(chr(rnd.choice((rnd.randrange(128), rnd.randrange(0x3000), rnd.randrange(0x110000))))
                       for _ in range(rnd.randrange(40)))
        assert skeleton(text) == _slow_skeleton(text)


@pytest.mark.parametrize("host", ["bit.ly", "x.bit.ly", "evil-bit.ly", "a.b.web.app", "web.app.evil.example",
                                  "BIT.LY.", "storage.googleapis.com", "googleapis.com", "a..bit.ly", "ly", ""])
def test_domain_set_lookup_equals_in_domain(host):
    for domains in (tuple(default_vocabulary().free_hosting), tuple(default_vocabulary().url_shorteners)):
        assert _in_any(host, _domain_set(domains)) == any(in_domain(host, d) for d in domains)


def test_deletions_equal_combinations():
    for word in ("paypal", "ab", "trendmicro", "x"):
        for n in range(4):
            slow = {word} | {"".join(c for i, c in enumerate(word) if i not in drop)
                             for k in range(1, n + 1) for drop in combinations(range(len(word)), k)}
            assert lk._deletions(word, n) == slow


def test_local_part_brands_equal_scan_of_every_token(shipped):
    rnd = random.Random(2)
    tokens = sorted({t for b in shipped.brands.values() for t in b.tokens})
    locals_ = ["mcafee.billing", "nortonsupport", "stripes", "paypal-service", "noreply", ""]
    locals_ += [rnd.choice(("", "x", "info", "my.")) + rnd.choice(tokens) + rnd.choice(("", "s", "team", "-help"))
                for _ in range(300)]
    for raw in locals_:
        local = compact(raw)
        slow = [b.id for b in shipped.brands.values()
                if any(len(t) >= 5 and _in_local(compact(t), local) for t in b.tokens)]
        assert _local_brands(shipped, local) == slow, raw


def _slow_lookalike(cat, host: str, max_distance: int) -> dict[str, str]:
    """Every brand the host imitates with its strongest outcome, in order of first finding (full scan)."""
    found: dict[str, str] = {}

    def see(brand: str, outcome: str) -> None:
        if brand not in found or lk._RANK[outcome] < lk._RANK[found[brand]]:
            found[brand] = outcome

    org = org_domain(host)
    label = org.split(".")[0]
    if label.startswith("xn--"):
        try:
            label = label.encode("ascii").decode("idna")
        except UnicodeError:
            pass
    plain, skel, words = label.replace("-", ""), compact(label), [w for w in label.split("-") if w]
    parts = [(skel, plain)] + [(compact(w), w) for w in words]
    budget = lambda s: max_distance + (1 if len(s) >= 9 else 0)  # noqa: E731
    mine = [lk._deletions(p, budget(p)) for p in {skel} | {compact(w) for w in words} if len(p) <= 30]
    for brand in sorted(cat.brands):
        for token in sorted(cat.brands[brand].tokens):
            tskel = compact(token)
            if len(tskel) < 5 or all(lk._deletions(tskel, budget(tskel)).isdisjoint(d) for d in mine):
                continue
            for part, written in parts:
                if part == tskel:
                    see(brand, "brand_in_domain" if written == token else "confusable")
                elif len(part) >= 5 and lk.distance(part, tskel) <= budget(tskel):
                    see(brand, "edit_distance")
    subs = {x for part in host[: -len(org)].strip(".").split(".") if part for x in (part, *part.split("-"))}
    for brand in cat.brands.values():
        for token in sorted(brand.tokens):
            if token in subs and len(token) >= 4:
                see(brand.id, "brand_subdomain")
            elif (len(token) >= 5 and token in plain) or token in words:
                see(brand.id, "brand_in_domain")
            elif len(token) >= 5 and compact(token) in skel:
                see(brand.id, "confusable")
    return found


@pytest.mark.parametrize("max_distance", [0, 1, 2])
def test_lookalike_hosts_equal_full_scan(shipped, max_distance):
    hosts = ["paypa1.com", "paypal.com.secure-check.example", "xn--mcrosoft-thh.com", "nortom.com",
             "mcafee-renewals.com", "chasers-shop.example", "login.apple-id.evil.co.uk", "amaz0n-prime.net",
             "trendmicro-norton.example", "micorsoft.com", "a.b.c.example.org", "coinbase.secure-login.xyz"]
    index = lk._brand_tokens(shipped, max_distance)
    brands = list(shipped.brands)
    for host in hosts:
        assert lk._imitated(index, host, brands) == list(_slow_lookalike(shipped, host, max_distance).items()), host
