"""obfuscation and org_name_mismatch; every check registered with a description, closed outcomes, typed params."""
from __future__ import annotations

import pytest

from brandguard.checks import registry
from brandguard.checks.base import CheckInput, CheckParams
from brandguard.content import extract
from brandguard.content.config import ContentSettings
from brandguard.mailfile import context_from_bytes
from brandguard.model import AuthResults
from unit.checks.factory import mail, summary

MINE = ["brand_claim", "sender_not_brand", "freemail_brand_claim", "phone_not_official", "callback_lure",
        "remote_access_lure", "payment_lure", "lookalike_domain", "reply_to_divergence", "display_name_address_spoof",
        "obfuscation", "link_text_mismatch", "org_name_mismatch", "credential_lure", "reward_lure", "action_lure",
        "suspicious_link", "sender_anomaly", "address_greeting"]


@pytest.mark.parametrize("name", MINE)
def test_registered(name):
    check = registry.get(name)
    assert check.description and check.outcomes and check.needs_content
    assert check.Params().weight == 0.0


WITH_PARAMS = [pytest.param(n, id=n) for n in registry.names() if registry.get(n).Params is not CheckParams]


@pytest.mark.parametrize("name", WITH_PARAMS)
def test_check_refuses_parameters_of_another_class(catalogue, name):
    # the loader validates each check's table with its own Params: anything else reaching a check is a wiring bug
    check = registry.get(name)
    ctx = context_from_bytes(mail(sender="Norton <billing@desk.example>", text="Call 1-808-555-0143 to cancel"))
    inp = CheckInput.build(ctx, AuthResults(), extract(ctx, ContentSettings(ocr={"enabled": False})), catalogue)
    with pytest.raises(TypeError, match=check.Params.__name__):
        check.evaluate(inp, CheckParams())


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param(mail(sender="N0rton Billing <x@desk.example>"), {("confusable_brand", "norton")},
                     id="digit-in-brand"),
        pytest.param(mail(sender="Nоrtоn <x@desk.example>"), {("confusable_brand", "norton")}, id="cyrillic-brand"),
        pytest.param(mail(subject="C o i n", sender="N o r t o n <x@desk.example>"), set(),
                     id="spaced-letters-match-the-name"),
        pytest.param(mail(text="Call 1-8OO-555-O1OO"), {("phone_obfuscated", None)}, id="letters-in-number"),
        pytest.param(mail(subject="Pay\u202eLAP"), {("bidi", None)}, id="bidi-override"),
        pytest.param(mail(text="Mc\u200bAf\u200bee renewal"), {("zero_width", None)}, id="split-name"),
        pytest.param(mail(text="𝐑𝐞𝐧𝐞𝐰𝐚𝐥 𝐧𝐨𝐭𝐢𝐜𝐞"), {("styled_text", None)}, id="maths-bold-text"),
        pytest.param(mail(text=None, html="<p>hi</p><div style='display:none'>" + "filler words " * 60 + "</div>"),
                     {("hidden_text", None)}, id="hidden-html"),
        pytest.param(mail(sender="Norton <x@desk.example>", text="plain Norton text"), set(), id="clean"),
        pytest.param(mail(subject="PayPal look-alikes", text="Beware of paypa1-secure.com and secure-paypai.com."),
                     set(), id="odd-spelling-only-inside-named-domains"),
        pytest.param(mail(subject="PayPal", text="Your PayPa1 account, see paypa1-secure.com"),
                     {("confusable_brand", "paypal")}, id="odd-spelling-also-in-the-text"),
    ],
)
def test_obfuscation(run, raw, expected):
    assert summary(run("obfuscation", raw)) == expected


def test_obfuscation_thresholds(run):
    raw = mail(text="Mc\u200bAf\u200bee renewal")
    assert run("obfuscation", raw, min_zero_width=3) == []


@pytest.mark.parametrize(
    "sender, expected",
    [
        pytest.param("Chase Online Security <alerts@secure-mail.example>", {("display_name_org", None)},
                     id="unrelated-org"),
        pytest.param("Slashdot Team <team@slashdot.org>", set(), id="org-in-domain"),
        pytest.param("John Smith <john@example.org>", set(), id="a-person"),
        pytest.param("Account Services <acct77@gmail.com>", {("role_only", None)}, id="role-on-freemail"),
        pytest.param("PayPal Service <x@desk.example>", set(), id="catalogue-brand-is-other-checks"),
    ],
)
def test_org_name_mismatch(run, sender, expected):
    assert summary(run("org_name_mismatch", mail(sender=sender))) == expected
