"""Whether a display name is the sender's own name, spelt by its From domain."""
from __future__ import annotations

import pytest

from brandguard.content.sendername import org_words, own_name


@pytest.mark.parametrize(
    "display, domain, expected",
    [
        pytest.param("OfficeWorld", "officeworld-shop.example", "OfficeWorld", id="shop"),
        pytest.param("BrightPath IT Billing", "brightpath-it.example", "BrightPath", id="reseller-with-role"),
        pytest.param("Northfield IT Security", "it.northfield.example", "Northfield", id="subdomain"),
        pytest.param("Blue Ridge Dental", "blueridge.example", "Blue", id="a-word-in-the-label"),
        pytest.param("Ace Tri Shop", "acetri.example", "Ace Tri", id="short-words-run-together"),
        pytest.param("Scroll Community", "scrol.io", "", id="look-alike-is-no-own-name"),
        pytest.param("Account Services", "acct-services.example", "", id="roles-only"),
        pytest.param("Secure Mail", "securemail-alerts.com", "", id="common-words-only"),
        pytest.param("Riverside Dental", "mailer.example", "", id="domain-elsewhere"),
        pytest.param("x@officeworld-shop.example", "officeworld-shop.example", "", id="address-as-name"),
        pytest.param("", "officeworld-shop.example", "", id="no-display-name"),
    ],
)
def test_own_name(display, domain, expected):
    assert own_name(display, domain) == expected


def test_org_words_drop_roles_and_generic_words():
    assert org_words("Chase Online Security Team") == ["Chase"]
