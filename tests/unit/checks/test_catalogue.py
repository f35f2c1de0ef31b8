"""The brand catalogue: the shipped files load, and broken files report every problem with file:line."""
from __future__ import annotations

from pathlib import Path

import pytest

from brandguard.errors import PolicyError
from brandguard.policy.catalogue import load_catalogue
from brandguard.policy.yamlio import load_yaml

POLICIES = Path(__file__).resolve().parents[3] / "policies"
VENDORS = ["trendmicro", "microsoft", "norton", "mcafee", "geeksquad", "paypal", "apple", "amazon", "webroot", "avast",
           "kaspersky", "bitdefender", "malwarebytes", "eset", "intuit", "coinbase", "netflix", "docusign", "adobe",
           "google"]


@pytest.fixture(scope="module")
def shipped():
    return load_catalogue(sorted((POLICIES / "brands").glob("*.yaml")), POLICIES / "freemail.yaml")


def test_shipped_catalogue(shipped):
    assert len(shipped.brands) >= 150
    assert set(VENDORS) <= set(shipped.brands)
    first = load_yaml(POLICIES / "brands" / "10-vendors.yaml").data["brands"][0]["id"]
    assert first == "trendmicro"


@pytest.mark.parametrize(
    "host, brands",
    [("email.norton.com", ("norton",)), ("norton.com.evil.example", ()), ("accountprotection.microsoft.com",
                                                                         ("microsoft",))],
)
def test_sender_lookup(shipped, host, brands):
    assert shipped.sender_brands(host) == brands


@pytest.mark.parametrize(
    "domain, free",
    [("gmail.com", True), ("yahoo.co.uk", True), ("outlook.fr", True), ("tenant.onmicrosoft.com", True),
     ("norton.com", False), ("yahoofinance.example", False)],
)
def test_freemail(shipped, domain, free):
    assert shipped.is_freemail(domain) is free


@pytest.mark.parametrize(
    "text, brand",
    [("Your Trend Micro Maximum Security renewal", "trendmicro"), ("Windows Defender alert", "microsoft"),
     ("GEEK SQUAD", "geeksquad"), ("NortonLifeLock", "norton"), ("Apple ID locked", "apple")],
)
def test_names(shipped, text, brand):
    assert brand in {b for hit in shipped.find_names(text) for b in hit.owners}


def test_brand_domains_are_not_freemail_sending_domains(shipped):
    for brand in shipped.brands.values():
        free = [d for d in brand.domains if shipped.is_freemail(d)]
        assert not free, f"{brand.id} sends from free-mail {free}"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_every_problem_reported_with_file_and_line(tmp_path):
    a = _write(tmp_path, "a.yaml", "version: 1\nbrands:\n  - id: acme\n    name: Acme\n    domains: [acme.example]\n")
    b = _write(tmp_path, "b.yaml", "version: 1\nbrands:\n  - id: acme\n    name: Acme again\n"
                                   "  - id: Bad-Id\n    name: X\n    phones: [{number: '555'}]\n    colour: red\n")
    free = _write(tmp_path, "free.yaml", "version: 1\ndomains: ['http://gmail.com']\n")
    with pytest.raises(PolicyError) as err:
        load_catalogue([a, b], free)
    problems = err.value.problems
    assert any(f"{b}:" in p and "unknown key" in p and "colour" in p for p in problems)
    assert any(f"{b}:" in p and "brands[1].id" in p for p in problems)
    assert any(f"{b}:" in p and "E.164" in p for p in problems)
    assert any(f"{free}:2:" in p for p in problems)


def test_duplicate_brand_id_names_both_files(tmp_path):
    a = _write(tmp_path, "a.yaml", "version: 1\nbrands:\n  - id: acme\n    name: Acme\n")
    b = _write(tmp_path, "b.yaml", "version: 1\nbrands:\n  - {id: zed, name: Zed}\n  - id: acme\n    name: Acme 2\n")
    with pytest.raises(PolicyError) as err:
        load_catalogue([a, b], None)
    (problem,) = err.value.problems
    assert problem.startswith(f"{b}:4:") and f"{a}:3" in problem and "'acme'" in problem


def test_exact_case_alias_clash(tmp_path):
    a = _write(tmp_path, "a.yaml", "version: 1\nbrands:\n  - {id: apple, name: Apple, aliases: [apple], "
                                   "exact_case: [Apple]}\n")
    with pytest.raises(PolicyError, match="exact_case"):
        load_catalogue([a], None)


def test_an_admin_adds_a_brand_in_their_own_file(tmp_path):
    extra = _write(tmp_path, "90-local.yaml", "version: 1\nbrands:\n  - id: acmebank\n    name: Acme Bank\n"
                                               "    domains: [acmebank.example]\n")
    cat = load_catalogue(sorted((POLICIES / "brands").glob("*.yaml")) + [extra], POLICIES / "freemail.yaml")
    assert cat.sender_brands("mail.acmebank.example") == ("acmebank",)
    assert extra in cat.sources
