"""The vocabulary as policy data: closed schema with file:line errors, local.d additions, hot reload, fallback."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from brandguard.checks._lexicon import vocabulary
from brandguard.errors import PolicyError
from brandguard.policy.loader import load_policy
from brandguard.policy.store import PolicyStore
from brandguard.policy.vocabulary import CREDENTIAL_KINDS, LEXICONS, TOPIC_NAMES, PhraseLists, default_vocabulary
from fixtures.policies import make_policy_dir
from unit.checks.factory import mail, run_check, summary

SUPPORT = "Microsoft Support <help@pc-fix.example>"
FIXNOW = mail(sender=SUPPORT, subject="Microsoft", text="Install FixNow Connect and read us the session code so our "
              "technician can connect to your computer.")
LOCAL_TOOL = """\
    vocabulary:
      remote_access_tools:
        - {name: FixNow Connect, pattern: '\\bfix\\s*now\\s+connect\\b', hosts: [fixnow.example]}
"""


@pytest.fixture
def policy_dir(tmp_path) -> Path:
    return make_policy_dir(tmp_path / "policies", markers=False).parent


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def test_phrase_lists_are_the_lexicons_the_checks_read():
    assert LEXICONS + CREDENTIAL_KINDS + TOPIC_NAMES == tuple(PhraseLists.model_fields)
    shipped = default_vocabulary()
    assert {"mul", "de", "es", "fr", "it", "ja", "nl", "pt"} <= set(shipped.languages)
    assert all(getattr(shipped, name).phrases for name in LEXICONS)


def test_every_problem_of_a_vocabulary_file_is_reported_with_file_and_line(policy_dir):
    bad = _write(policy_dir / "vocabulary" / "90-bad.yaml", """\
        version: 1
        phrases:
          fr:
            call: ['\\bappelez\\b', 'call(?!\\s+center)']
            colour: ['x']
          ja:
            call: ['\\bお電話']
          english: {call: ['call']}
        remote_access_tools:
          - {pattern: '\\bfixnow\\b'}
        url_shorteners: [https://sho.rt/]
        open_redirectors:
          - {host: example.com, path: redirect, param: u}
    """)
    with pytest.raises(PolicyError) as err:
        load_policy(policy_dir / "default.yaml")
    text = "\n".join(err.value.problems)
    assert f"{bad}:4: phrases.fr.call[1]: Value error, 'call(?!\\\\s+center)': not RE2 syntax" in text
    assert f"{bad}:5: phrases.fr.colour: unknown key" in text
    assert f"{bad}:8: phrases.english.[key]: Value error, 'english': a language is a lower-case ISO 639 code" in text
    assert f"{bad}:10: remote_access_tools[0].name: required key is missing" in text
    assert f"{bad}:11: url_shorteners[0]: Value error, 'https://sho.rt/' is not a domain name" in text
    assert f"{bad}:13: open_redirectors[0].path: String should match pattern" in text
    bad.write_text(bad.read_text().replace("  english: {call: ['call']}\n", "").replace("colour", "cancel")
                   .replace("'call(?!\\s+center)'", "'call'").replace("{pattern:", "{name: X, pattern:")
                   .replace("https://sho.rt/", "sho.rt").replace("path: redirect", "path: /redirect"))
    with pytest.raises(PolicyError) as err:  # once the schema passes: \b in a language without spaces
        load_policy(policy_dir / "default.yaml")
    assert err.value.problems == [f"{bad}:7: phrases.ja.call[0]: '\\\\bお電話': \\b finds no word edges in ja, "
                                  "which is written without spaces"]


def test_a_local_file_vocabulary_error_names_the_local_file(policy_dir):
    local = _write(policy_dir / "local.d" / "phrases.yaml", """\
        vocabulary:
          phrases:
            sv:
              call: ['ring\\s+oss', '(?<=x)ring']
    """)
    with pytest.raises(PolicyError) as err:
        load_policy(policy_dir / "default.yaml")
    assert any(p.startswith(f"{local}:4: vocabulary.phrases.sv.call[1]: Value error") for p in err.value.problems)


def test_local_d_adds_a_remote_access_tool(policy_dir):
    shipped = load_policy(policy_dir / "default.yaml").catalogue
    assert run_check(shipped, "remote_access_lure", FIXNOW) == []
    _write(policy_dir / "local.d" / "tools.yaml", LOCAL_TOOL)
    policy = load_policy(policy_dir / "default.yaml")
    assert summary(run_check(policy.catalogue, "remote_access_lure", FIXNOW)) == {("tool_with_access_request",
                                                                                  "microsoft")}
    assert "fixnow.example" in vocabulary(policy.catalogue).remote_tool_hosts
    assert policy_dir / "vocabulary" / "10-lures.yaml" in policy.sources


def test_local_d_adds_a_language(policy_dir):
    lure = mail(sender="Norton <billing@renew.example>", subject="Norton", text="Ditt abonnemang har förnyats och "
                "399 kr har dragits. Om du inte känner igen köpet, ring oss på +46 8 123 456 78 för återbetalning.")
    _write(policy_dir / "local.d" / "swedish.yaml", """\
        vocabulary:
          phrases:
            sv:
              call: ['\\bring\\s+oss\\b']
              cancel: ['\\båterbetalning\\b', '\\binte\\s+känner\\s+igen\\b']
              charge: ['\\bhar\\s+förnyats\\b', '\\bhar\\s+dragits\\b']
    """)
    catalogue = load_policy(policy_dir / "default.yaml").catalogue
    assert summary(run_check(catalogue, "callback_lure", lure)) == {("cancel_or_refund", "norton")}


def test_policy_store_reloads_when_vocabulary_changes(policy_dir):
    store = PolicyStore(policy_dir / "default.yaml")
    assert not store.changed()
    _write(policy_dir / "local.d" / "tools.yaml", LOCAL_TOOL)
    assert store.changed()
    ok, _ = store.reload()
    assert ok and summary(run_check(store.current.catalogue, "remote_access_lure", FIXNOW)) == {
        ("tool_with_access_request", "microsoft")}
    tools = policy_dir / "vocabulary" / "50-remote-access.yaml"
    tools.write_text(tools.read_text() + "  - {name: Ammyy again, pattern: '\\bammyy\\s+admin\\b'}\n")
    assert store.changed()  # a shipped vocabulary file is part of the policy's fingerprint too
    assert store.reload()[0]


def test_a_policy_folder_without_vocabulary_uses_the_shipped_one(tmp_path):
    (tmp_path / "p.yaml").write_text("version: 1\ncatalogue: {brands: [], freemail: null, platforms: []}\n")
    policy = load_policy(tmp_path / "p.yaml")
    assert any("using the shipped vocabulary" in w for w in policy.warnings)
    assert vocabulary(policy.catalogue).call.phrases == default_vocabulary().call.phrases
