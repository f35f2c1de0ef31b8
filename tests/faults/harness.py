"""Hostile-input harness shared by the malformed, property and fuzz runs: offline DNS and an all-checks policy."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "policies"

# Malformed-catalogue cases that currently break modules the hostile-input tests do not own (issue 9 report,
# with traceback and proposed fix), and where: "scan" = tests/unit/test_malformed.py (shipped policy, and every
# check plus a header-regex rule), "smtp" = tests/faults/test_malformed_smtp.py (through Postfix, e2e policy).
# Tests mark them xfail(strict): once fixed they XPASS, fail, and the entry goes.
KNOWN_BUGS: dict[str, tuple[str, set[str]]] = {
    # name: (reason, paths where it still fails: "scan" and/or "smtp"); empty while none is known
}


def known_bug(name: str, where: str) -> list:
    """The strict xfail mark for a catalogue case that is a known bug on this path, else no mark."""
    import pytest

    reason, paths = KNOWN_BUGS.get(name, ("", set()))
    return [pytest.mark.xfail(reason=reason, strict=True)] if where in paths else []


class StaticResolver:
    """DNS without a network: every domain publishes DMARC p=reject and SPF -all, no DKIM key exists.

    Enough for auth/ to parse every DKIM-Signature, ARC set and From header it is given and reach
    its fail/none branches, which is where hostile input matters.
    """

    def __init__(self):
        self.on_lookup = None

    def lookup(self, name, rtype: str, timeout: float | None = None) -> tuple:
        qname = (name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)).lower().rstrip(".")
        if rtype.upper() != "TXT" or "._domainkey." in qname:
            return ()
        if qname.startswith("_dmarc."):
            return ((b"v=DMARC1; p=reject; adkim=s; aspf=s",),)
        return ((b"v=spf1 -all",),)


def all_checks_policy(folder: Path, *, only: tuple[str, ...] | None = None) -> Path:
    """A policy over the shipped catalogue with every registered check on (weight 1) and a header-regex rule.

    The shipped default enables few checks; hostile input must be safe for every check an admin can enable.
    """
    from brandguard.checks import registry

    doc = {
        "version": 1, "mode": "enforce", "thresholds": {"tag": 5, "quarantine": 10, "reject": 15},
        "catalogue": {"brands": [str(SHIPPED / "brands" / "*.yaml")], "freemail": str(SHIPPED / "freemail.yaml")},
        "tag": {"subject_prefix": "[SCAM?]"},
        "checks": {name: {"weight": 1, "enabled": only is None or name in only} for name in registry.names()},
        "rules": [
            {"id": "hostile-subject-regex", "when": {"header": "Subject", "matches": "(?i)renew.*call"},
             "action": "quarantine"},
            {"id": "hostile-from-contains", "when": {"header": "From", "contains": "support"}, "score": 1},
        ],
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "all-checks.yaml"
    path.write_text(json.dumps(doc, indent=1))  # JSON is YAML
    return path


def offline_scanner(policy: Path, *, with_auth: bool = True, ocr: bool = False):
    """build_scanner's App with auth over StaticResolver (no network) and, by default, OCR off.

    OCR runs tesseract in a subprocess per image: it would measure tesseract, not brandguard.
    """
    from brandguard.auth import Authenticator
    from brandguard.content.config import OcrSettings
    from brandguard.scan import build_scanner

    app = build_scanner(policy=str(policy))
    s = app.settings
    if not ocr:
        s = s.model_copy(update={"content": s.content.model_copy(update={"ocr": OcrSettings(enabled=False)})})
        app.settings = app.pipeline.settings = s
    if with_auth:
        app.pipeline.authenticator = Authenticator(StaticResolver(), s.auth)
    return app


def unsafe_written_values(plan) -> list[str]:
    """Values brandguard would write into the message or SMTP reply that carry CR, LF or NUL, or that
    pymilter cannot encode (lone surrogates from 8-bit header bytes make chgheader/addheader raise)."""
    written = [v for _, v in plan.add_headers] + [plan.new_subject or "", plan.quarantine_reason or ""]
    if plan.reply:
        written.append(plan.reply.text)
    return [v for v in written if "\r" in v or "\n" in v or "\x00" in v or not _utf8(v)]


def _utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
