"""The embedded store: one SQLite file shared by several processes (WAL), and the CLI and `scan` over it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from unit.campaign.conftest import LURE_BODY, WEAK_BODY

ROOT = Path(__file__).resolve().parents[3]
ENV = {"PYTHONPATH": str(ROOT / "milter")}
_TEACHER = """
import sys
from pathlib import Path
from brandguard.campaign.config import CampaignSettings
from brandguard.campaign.facts import Indicator, Indicators
from brandguard.campaign.memory import CampaignMemory
from brandguard.campaign.store import SQLiteStore
memory = CampaignMemory(CampaignSettings(), SQLiteStore(Path(sys.argv[1]), timeout=10.0))
found = Indicators((Indicator("phone", "+18883105521"),))
for i in range(int(sys.argv[3])):
    events = memory.teach(found, f"{sys.argv[2]}-{i}@x", sender=None)
    assert not events.errors, events
"""


def test_two_processes_teaching_at_once_lose_nothing(tmp_path):
    from brandguard.campaign.store import SQLiteStore

    db = tmp_path / "campaign.sqlite"
    SQLiteStore(db).stats(0)  # the schema exists before both start, as the daemon's first process makes it
    procs = [subprocess.Popen([sys.executable, "-c", _TEACHER, str(db), name, "150"], env=ENV)
             for name in ("a", "b")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    (seen,) = SQLiteStore(db).lookup([("phone", "+18883105521")], 0)
    assert seen.count == 300


def brandguard(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "brandguard", *args], capture_output=True, text=True, env=ENV,
                          timeout=120)


def test_confirm_in_one_process_is_seen_by_scan_in_another_until_forgotten(tmp_path, make_mail):
    settings = tmp_path / "settings.yaml"
    settings.write_text(json.dumps({"state_dir": str(tmp_path / "state")}))
    lure, weak = tmp_path / "lure.eml", tmp_path / "weak.eml"
    lure.write_bytes(make_mail(LURE_BODY.replace("billing desk", "billing desk (or +1 888 762 8736)")))
    weak.write_bytes(make_mail(WEAK_BODY, sender="Orders <orders@shop.example>", subject="Your order 55120",
                               mid="<weak@shop.example>"))

    proc = brandguard("scan", "--config", str(settings), "--explain", str(weak))
    assert proc.returncode == 0 and "campaign_match" not in proc.stdout

    proc = brandguard("campaign", "confirm", "--config", str(settings), str(lure))
    assert proc.returncode == 0, proc.stderr
    assert "not learnt: phone +18887628736 (an official number of trendmicro)" in proc.stdout
    assert "learnt as lure-1@gmail.com: phone +18883105521" in proc.stdout

    proc = brandguard("scan", "--config", str(settings), "--explain", str(weak))
    assert "finding campaign_match/phone in phone: +18883105521 seen in 1 confirmed scam since" in proc.stdout
    assert ": tag, score 8.00" in proc.stdout

    stats = json.loads(brandguard("campaign", "stats", "--json", "--config", str(settings)).stdout)
    assert stats["phone"] == 1 and stats["messages"] == 1 and stats["store"] == "sqlite"
    listed = [json.loads(line) for line in brandguard("campaign", "list", "--json", "--kind", "phone", "--config",
                                                      str(settings)).stdout.splitlines()]
    assert [(r["value"], r["count"], r["source"]) for r in listed] == [("+18883105521", 1, "lure-1@gmail.com")]

    proc = brandguard("campaign", "forget", "--config", str(settings), str(lure))
    assert proc.returncode == 0 and "forgot 3 indicator record(s)" in proc.stdout, proc.stdout + proc.stderr
    assert "campaign_match" not in brandguard("scan", "--config", str(settings), "--explain", str(weak)).stdout


def test_scan_without_settings_leaves_the_memory_alone(tmp_path, make_mail):
    weak = tmp_path / "weak.eml"
    weak.write_bytes(make_mail(WEAK_BODY))
    proc = brandguard("scan", "--explain", str(weak))
    assert proc.returncode == 0 and "campaign" not in proc.stdout + proc.stderr
