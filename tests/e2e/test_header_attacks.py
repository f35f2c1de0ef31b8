"""Header-composition attacks (Chen et al., "Composition Kills", USENIX Security 2020): detected or neutralised."""
# Scan-level cases run the shipped policy with SPF/DKIM/DMARC over in-memory zones (microsoft.com publishes
# DMARC p=reject; the attacker owns evil.example); where Postfix's own reading of the header block matters,
# the case also goes through the private Postfix.
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from brandguard.auth import Authenticator
from brandguard.errors import NotMailError
from brandguard.mailfile import context_from_bytes
from brandguard.model import Action, Envelope
from brandguard.scan import build_scanner
from fixtures.dns import DkimKey, FakeResolver, mail_domain
from fixtures.mail import SENDER_DOMAIN, marker, send
from fixtures.postfix import MYHOSTNAME

ROOT = Path(__file__).resolve().parents[2]
ATTACKS = ROOT / "tests" / "data" / "attacks"
ATTACKER = Envelope(client_addr="203.0.113.5", helo="mail.evil.example", mail_from="bounce@evil.example",
                    rcpts=("bob@example.net",))


@pytest.fixture(scope="module")
def keys():
    return {d: DkimKey.generate(d, "s1") for d in ("microsoft.com", "evil.example")}


@pytest.fixture(scope="module")
def app(keys, tmp_path_factory):
    zones = mail_domain("microsoft.com", spf="v=spf1 ip4:192.0.2.0/24 -all", dmarc="v=DMARC1; p=reject",
                        dkim_keys=[keys["microsoft.com"]])
    zones.merge(mail_domain("evil.example", spf="v=spf1 ip4:203.0.113.0/24 -all", dkim_keys=[keys["evil.example"]]))
    settings = tmp_path_factory.mktemp("attacks") / "settings.yaml"
    settings.write_text("auth: {authserv_id: brandguard}\n")  # the id forged-authentication-results.eml claims
    scanner = build_scanner(str(settings), policy=str(ROOT / "policies" / "default.yaml"))
    scanner.pipeline.authenticator = Authenticator(FakeResolver(zones), scanner.settings.auth)
    return scanner


def scan(app, keys, name: str):
    raw = (ATTACKS / f"{name}.eml").read_bytes()
    envelope = ATTACKER
    if name == "dkim-other-domain":  # the attacker signs with its own domain's valid key
        raw = keys["evil.example"].sign(raw)
    elif name == "dkim-replay-extra-from":  # a genuine brand signature, then a From of the attacker on top
        raw = b"From: Billing <billing@evil.example>\r\n" + keys["microsoft.com"].sign(raw)
    elif name == "null-mail-from-helo":
        envelope = replace(ATTACKER, mail_from="", helo="microsoft.com")
    elif name == "ambiguous-domain-comment":
        envelope = replace(ATTACKER, mail_from="bounce@microsoft.com(.evil.example)")
    return app.process(context_from_bytes(raw, envelope=envelope, limit=app.settings.body_scan_limit))


def findings(outcome) -> set[str]:
    return {f"{f.check}/{f.outcome}" for f in outcome.verdict.findings}


# name -> (findings that must all be present, DMARC from_problem or None, other expectation)
STRUCTURE = {
    "multiple-from": ({"message_structure/multiple_from"}, "multiple_from"),
    "from-multiple-addresses": ({"message_structure/multiple_addresses"}, "multiple_addresses"),
    "from-absent-sender-present": ({"message_structure/no_from"}, "no_from"),
    "from-empty": ({"message_structure/unparseable_from"}, "unparseable"),
    "encoded-word-address": ({"message_structure/unparseable_from"}, "unparseable"),
    "quoted-pair-at": ({"message_structure/unparseable_from"}, "unparseable"),
    "route-portion": ({"message_structure/multiple_addresses"}, "unparseable"),
    "comment-in-address": ({"message_structure/multiple_addresses", "display_name_address_spoof/address_in_name"},
                           "multiple_addresses"),
    "dkim-replay-extra-from": ({"message_structure/multiple_from"}, "multiple_from"),
}


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in STRUCTURE])
def test_ambiguous_from_is_a_structure_finding_and_a_dmarc_from_problem(app, keys, name):
    wanted, problem = STRUCTURE[name]
    outcome = scan(app, keys, name)
    assert wanted <= findings(outcome), sorted(findings(outcome))
    assert outcome.auth.dmarc.from_problem == problem
    assert outcome.auth.dmarc.result != "pass"
    assert outcome.verdict.action.rank >= Action.TAG.rank


@pytest.mark.parametrize("name", [
    pytest.param("null-mail-from-helo", id="null-mail-from-helo"),
    pytest.param("spf-other-domain", id="spf-other-domain"),
    pytest.param("dkim-other-domain", id="dkim-other-domain"),
    pytest.param("ambiguous-domain-comment", id="ambiguous-domain-comment"),
])
def test_unaligned_identifiers_fail_dmarc_and_the_brand_reject_policy_applies(app, keys, name):
    outcome = scan(app, keys, name)
    dmarc = outcome.auth.dmarc
    assert (dmarc.result, dmarc.from_domain, dmarc.disposition) == ("fail", "microsoft.com", "reject")
    assert not dmarc.spf_aligned and not dmarc.dkim_aligned
    assert "dmarc-reject" in outcome.verdict.rule_ids and outcome.verdict.action is Action.REJECT
    if name == "spf-other-domain":
        assert outcome.auth.spf.result == "pass"  # SPF passed, for the wrong domain
    if name == "dkim-other-domain":
        assert [(s.result, s.domain) for s in outcome.auth.dkim] == [("pass", "evil.example")]
    if name == "ambiguous-domain-comment":
        assert all(s.result != "pass" for s in outcome.auth.dkim)


@pytest.mark.parametrize("name, wanted", [
    pytest.param("display-name-address", "display_name_address_spoof/address_in_name", id="display-name-address"),
    pytest.param("idn-homograph", "lookalike_domain/confusable", id="idn-homograph"),
    pytest.param("sender-header-precedence", "freemail_brand_claim/display_name", id="sender-header-precedence"),
])
def test_what_the_reader_sees_is_checked_against_the_real_sender(app, keys, name, wanted):
    outcome = scan(app, keys, name)
    assert wanted in findings(outcome), sorted(findings(outcome))
    assert "microsoft" in outcome.verdict.brands
    assert outcome.auth.dmarc.from_domain != "microsoft.com"
    assert outcome.verdict.action.rank >= Action.QUARANTINE.rank


@pytest.mark.parametrize("name", [
    pytest.param("quoted-local-part", id="quoted-local-part"),
    pytest.param("from-folded-into-previous", id="from-folded-into-previous"),
])
def test_brand_text_outside_the_author_domain_is_not_taken_as_the_sender(app, keys, name):
    """Neutralised: the author DMARC and the checks use is evil.example, so the brand claim is foreign."""
    outcome = scan(app, keys, name)
    assert outcome.auth.dmarc.from_domain == "evil.example"
    assert any(f.check == "sender_not_brand" and f.brand == "microsoft" for f in outcome.verdict.findings)
    assert outcome.verdict.action.rank >= Action.TAG.rank


def test_forged_verdict_and_authentication_results_are_ignored_and_stripped(app, keys):
    outcome = scan(app, keys, "forged-authentication-results")
    assert outcome.auth.dmarc.result != "pass" and outcome.auth.spf.domain != "microsoft.com"  # own facts, not its
    stripped = {name.lower() for name, _ in outcome.plan.strip_headers}
    assert {"authentication-results", "x-brandguard-verdict", "x-brandguard-score"} <= stripped
    added = dict(outcome.plan.add_headers)
    assert "dmarc=pass" not in added.get("Authentication-Results", "")


def test_space_prefixed_first_from_is_not_mail_for_scan(app):
    """scan refuses it (no header line); through Postfix the same bytes become a message without headers."""
    with pytest.raises(NotMailError):
        context_from_bytes((ATTACKS / "from-space-prefixed.eml").read_bytes())


def test_every_attack_file_is_covered():
    covered = set(STRUCTURE) | {
        "null-mail-from-helo", "spf-other-domain", "dkim-other-domain", "ambiguous-domain-comment",
        "display-name-address", "idn-homograph", "sender-header-precedence", "quoted-local-part",
        "from-folded-into-previous", "forged-authentication-results", "from-space-prefixed"}
    assert {p.stem for p in ATTACKS.glob("*.eml")} == covered and len(covered) >= 18


# --- through the real Postfix: its reading of the header block is what the milter sees ----------------


def _verdict_at_sink(postfix, m: str):
    got = postfix.sink.wait_for(m)
    return got["X-Brandguard-Verdict"], got["X-Brandguard-Rules"] or ""


@pytest.mark.e2e
def test_space_prefixed_first_from_reaches_the_milter_without_a_from(postfix, brandguard_unix):
    m = marker()
    raw = (b" From: Alice <alice@example.org>\r\nFrom: Bob <bob@example.org>\r\nTo: bob@example.net\r\n"
           b"Subject: " + m.encode() + b"\r\n\r\nhello\r\n")
    send(postfix.ports["main"], raw)
    verdict, rules = _verdict_at_sink(postfix, m)
    assert "message_structure" in rules and verdict in {"tag", "accept"}


@pytest.mark.e2e
def test_two_from_headers_both_reach_the_milter(postfix, brandguard_unix):
    m = marker()
    raw = (b"From: Alice <alice@example.org>\r\nFrom: Bob <bob@strict.example>\r\nTo: bob@example.net\r\n"
           b"Subject: " + m.encode() + b"\r\n\r\nhello\r\n")
    send(postfix.ports["main"], raw)
    verdict, rules = _verdict_at_sink(postfix, m)
    assert "message_structure" in rules and verdict == "tag"


# A-R headers claiming the authserv-id brandguard shares with the private Postfix (its myhostname), in the
# spellings RFC 8601 allows: comments, a version, other case, a quoted-string, folding, a lower-case field name.
FORGED_AR = (
    f"Authentication-Results: {MYHOSTNAME}; dkim=pass header.d=paypal.com; spf=pass; dmarc=pass",
    "Authentication-Results: (verified) MX.Brandguard.Test 1;\r\n\tdkim=pass header.d=paypal.com",
    f'authentication-results: "{MYHOSTNAME}" (ours);\r\n dmarc=pass header.from=paypal.com',
)
FOREIGN_AR = "Authentication-Results: relay.other.example; dkim=pass header.d=example.org"


@pytest.mark.e2e
def test_every_authentication_results_claiming_our_id_is_removed_and_others_kept(postfix, brandguard_unix):
    """RFC 8601 section 5: ours are removed wherever they are and however spelled; another id's are kept."""
    m = marker()
    head = [FORGED_AR[0], FOREIGN_AR, FORGED_AR[1], f"From: Alice <alice@{SENDER_DOMAIN}>", FORGED_AR[2],
            "To: bob@example.net", f"Subject: {m}", "Message-ID: <" + m + "@example.org>"]
    send(postfix.ports["main"], ("\r\n".join(head) + "\r\n\r\nhello\r\n").encode())
    got = postfix.sink.wait_for(m)
    ar = [" ".join(v.split()) for v in got.get_all("Authentication-Results")]
    assert len(ar) == 2, ar
    ours, kept = ar
    assert ours.startswith(f"{MYHOSTNAME};") and "paypal.com" not in ours
    assert f"spf=pass smtp.mailfrom={SENDER_DOMAIN}" in ours
    assert kept == FOREIGN_AR.split(": ", 1)[1]
    assert b"paypal.com" not in postfix.sink.find(m)[0]["data"]
