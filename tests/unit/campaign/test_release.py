"""`brandguard quarantine release` forgets what the released message taught; the message never teaches again."""
from __future__ import annotations

import json
import subprocess

from brandguard import cli
from brandguard.campaign.facts import Indicator, Indicators
from unit.test_quarantine import fake_postfix

PHONE = Indicators((Indicator("phone", "+18883105521"),))


def test_release_forgets_by_queue_id_and_bans_the_message(tmp_path, monkeypatch, capsys, memory_factory):
    settings = tmp_path / "settings.yaml"
    settings.write_text(json.dumps({"state_dir": str(tmp_path)}))
    memory = memory_factory()  # <tmp_path>/campaign.sqlite: the file the settings name
    memory.teach(PHONE, "lure-7@x", "C766F20C741", sender="spam.example")
    memory.teach(PHONE, "lure-8@x", "D1A2B3C4E5F", sender="spam.example")
    monkeypatch.setattr(subprocess, "run", fake_postfix([]))

    assert cli.main(["quarantine", "release", "C766F20C741", "--config-dir", "/srv/pf/etc",
                     "--config", str(settings)]) == 0
    assert "C766F20C741: campaign memory forgot 1 indicator record(s)" in capsys.readouterr().err
    (m,) = memory.lookup(PHONE)[0].matches
    assert m.count == 1 and m.source == "lure-8@x"
    assert memory.teach(PHONE, "lure-7@x", sender="spam.example").learned == 0


def test_release_without_a_store_on_this_machine_creates_none(tmp_path, monkeypatch, capsys):
    settings = tmp_path / "settings.yaml"
    settings.write_text(json.dumps({"state_dir": str(tmp_path / "state")}))
    monkeypatch.setattr(subprocess, "run", fake_postfix([]))
    assert cli.main(["quarantine", "release", "C766F20C741", "--config-dir", "/srv/pf/etc",
                     "--config", str(settings)]) == 0
    assert "campaign" not in capsys.readouterr().err and not (tmp_path / "state").exists()
