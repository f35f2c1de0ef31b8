"""platforms.yaml: the shipped file loads, broken files report file:line, local.d adds platforms, reloads see edits."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from brandguard.content import extract
from brandguard.content.config import ContentSettings
from brandguard.content.platform import user_fields
from brandguard.errors import PolicyError
from brandguard.mailfile import context_from_bytes
from brandguard.policy.loader import load_policy
from brandguard.policy.platforms import load_platforms
from brandguard.policy.store import PolicyStore
from brandguard.policy.yamlio import load_yaml
from unit.checks.factory import mail

POLICIES = Path(__file__).resolve().parents[3] / "policies"
REQUIRED = {"paypal", "intuit_quickbooks", "square", "stripe", "freshbooks", "zoho_invoice", "xero", "wave", "docusign",
            "adobe_acrobat_sign", "dropbox_sign", "google_calendar", "google_docs_drive_forms", "microsoft_365",
            "apple_icloud_calendar", "zoom", "eventbrite"}

GOOD = """\
version: 1
platforms:
  - id: invoicer
    name: Invoicer
    brands: [paypal]
    domains: [invoicer.example]
    phones: [{number: "+18005550100", source: test}]
    fields:
      - {name: business_name, source: display_name, kind: identity}
      - {name: note, source: body, after: 'note from seller:', until: 'pay now'}
"""


@pytest.fixture(scope="module")
def shipped():
    return load_policy(POLICIES / "default.yaml").catalogue


def test_shipped_platforms_load_with_their_brands(shipped):
    entries = {p.id: p for p in shipped.platforms.entries}
    assert REQUIRED <= set(entries)
    assert entries["paypal"].brands == {"paypal"} and "+18882211161" in entries["paypal"].phones
    assert POLICIES / "platforms.yaml" in shipped.sources  # hashed and watched with the policy


@pytest.mark.parametrize(
    "hosts, platforms",
    [
        pytest.param({"paypal.com"}, {"paypal"}, id="from"),
        pytest.param({"calendar-server.bounces.google.com"}, {"google_calendar", "google_docs_drive_forms"},
                     id="return-path-subdomain"),
        pytest.param({"notification.intuit.com"}, {"intuit_quickbooks"}, id="quickbooks"),
        pytest.param({"gmail.com", "icloud.com", "zoho.com", "tenant.onmicrosoft.com"}, set(), id="people-send-here"),
        pytest.param({"paypal.com.evil.example"}, set(), id="suffix-is-not-a-subdomain"),
    ],
)
def test_platform_lookup(shipped, hosts, platforms):
    assert {p.id for p in shipped.platforms.matching(hosts)} == platforms


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "platforms.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "bad, line, says",
    [
        pytest.param(GOOD.replace("'note from seller:'", "'(?<=x)note'"), 10, "invalid RE2 regex", id="re2-syntax"),
        pytest.param(GOOD.replace("after: 'note from seller:', until: 'pay now'", "capture: 'note: (.*)'"), 10,
                     "group named field", id="capture-without-field-group"),
        pytest.param(GOOD.replace("after: 'note from seller:'", "capture: '(?P<field>x)', after: 'y'"), 10,
                     "not both", id="capture-and-markers"),
        pytest.param(GOOD.replace("brands: [paypal]", "brands: [nosuchbrand]"), 5, "unknown brand", id="brand"),
        pytest.param(GOOD.replace("source: display_name", "source: headers"), 9, "fields[0].source", id="source"),
        pytest.param(GOOD.replace("domains: [invoicer.example]", "domains: ['https://x.example/']"), 6,
                     "not a domain name", id="domain"),
        pytest.param(GOOD.replace("    name: Invoicer\n", "    name: Invoicer\n    colour: red\n"), 5, "unknown key",
                     id="closed-schema"),
        pytest.param(GOOD + GOOD.split("platforms:\n", 1)[1], 11, "already defined at", id="duplicate-id"),
    ],
)
def test_broken_platform_files_name_file_and_line(tmp_path, shipped, bad, line, says):
    path = _write(tmp_path, bad)
    with pytest.raises(PolicyError) as err:
        load_platforms([path], [], shipped.brands)
    assert any(p.startswith(f"{path}:{line}:") and says in p for p in err.value.problems), err.value.problems


def _policy_dir(tmp_path: Path) -> Path:
    dest = tmp_path / "policies"
    shutil.copytree(POLICIES, dest)
    return dest / "default.yaml"


def test_local_file_adds_a_platform_and_its_errors_name_the_local_file(tmp_path):
    main = _policy_dir(tmp_path)
    local = main.parent / "local.d" / "50-platforms.yaml"
    local.write_text(GOOD)
    assert "invoicer" in {p.id for p in load_policy(main).catalogue.platforms.entries}
    local.write_text(GOOD.replace("kind: identity", "kind: person"))
    with pytest.raises(PolicyError) as err:
        load_policy(main)
    assert any(p.startswith(f"{local}:9:") and "kind" in p for p in err.value.problems), err.value.problems


def test_editing_platforms_yaml_reloads_the_policy(tmp_path):
    main = _policy_dir(tmp_path)
    store = PolicyStore(main)
    before = store.current.hash
    platforms = main.parent / "platforms.yaml"
    platforms.write_text(platforms.read_text() + GOOD.split("platforms:\n", 1)[1])
    assert store.changed()
    ok, new_hash = store.reload()
    assert ok and new_hash != before
    assert "invoicer" in {p.id for p in store.current.catalogue.platforms.entries}


def _fields(platform, raw: bytes):
    content = extract(context_from_bytes(raw), ContentSettings(ocr={"enabled": False}))
    return [(f.name, f.kind, f.text) for f in user_fields(platform, content)]


def test_fields_are_cut_by_capture_markers_and_whole_sources(tmp_path, shipped):
    (platform,) = load_platforms([_write(tmp_path, GOOD)], [], shipped.brands).entries
    raw = mail(sender="Joe's Plumbing <x@invoicer.example>",
               text="Invoice 42\nNote from seller: thanks, call me on 512 555 0147\nPay now\nFooter")
    assert _fields(platform, raw) == [("business_name", "identity", "Joe's Plumbing"),
                                      ("note", "text", "thanks, call me on 512 555 0147")]


def test_applies_when_keeps_a_shared_domains_other_mail_out(shipped):
    gcal = next(p for p in shipped.platforms.entries if p.id == "google_calendar")
    alert = mail(sender="Google <no-reply@accounts.google.com>", subject="Security alert",
                 text="A new sign-in on Windows. If this wasn't you, check activity.")
    invite = mail(sender="Google Calendar <calendar-notification@google.com>",
                  subject="Invitation: Team lunch @ Fri Mar 6, 2026 12pm",
                  text="Team lunch\nFri Mar 6\n\nBring a dish.\n\nOrganizer\nAlex\n")
    assert _fields(gcal, alert) == []
    assert ("event_title", "text", "Invitation: Team lunch @ Fri Mar 6, 2026 12pm") in _fields(gcal, invite)


def test_shipped_file_documents_every_platform():
    doc = load_yaml(POLICIES / "platforms.yaml")
    assert all(p.get("fields") for p in doc.data["platforms"])
