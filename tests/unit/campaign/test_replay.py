"""`brandguard eval --replay`: Date order, an empty memory learning from its own verdicts, gain and ham hurt."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from brandguard.campaign.replay import date_of, in_date_order
from unit.campaign.conftest import LURE_BODY, WEAK_BODY

ROOT = Path(__file__).resolve().parents[3]


def test_files_are_replayed_in_date_order_and_undated_first(tmp_path):
    (tmp_path / "a.eml").write_bytes(b"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\nSubject: a\r\n\r\nx\r\n")
    (tmp_path / "b.eml").write_bytes(b"Date: Mon, 30 Nov 2026 10:00:00 +0000\r\nSubject: b\r\n\r\nx\r\n")
    (tmp_path / "c.eml").write_bytes(b"Date: not a date\r\nSubject: c\r\n\r\nx\r\n")
    work = [(str(tmp_path), name, "ham", "") for name in ("a.eml", "b.eml", "c.eml")]
    assert [item[1] for _, item in in_date_order(work)] == ["c.eml", "b.eml", "a.eml"]
    assert date_of(tmp_path / "missing.eml") == 0.0


def test_the_replay_finds_the_weak_variant_and_hurts_no_ham(tmp_path, make_mail):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    files = {
        # the weak variant is older on disk but newer by Date: the lure must be replayed first
        "weak.eml": make_mail(WEAK_BODY, sender="Orders <orders@shop.example>", subject="Your order 55120",
                              mid="<weak@shop.example>").replace(b"01 Dec 2026", b"03 Dec 2026"),
        "lure.eml": make_mail(LURE_BODY),
        "ham.eml": make_mail("Lunch on Friday? The usual place at noon.", sender="Alice <alice@example.org>",
                             subject="Lunch", mid="<ham@example.org>").replace(b"01 Dec 2026", b"04 Dec 2026"),
    }
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    labels = tmp_path / "labels.csv"
    labels.write_text("source,path,split,label,brand,note\n"
                      "t,weak.eml,dev,brand_callback,trendmicro,\nt,lure.eml,dev,brand_callback,trendmicro,\n"
                      "t,ham.eml,dev,ham,,\n")
    proc = subprocess.run([sys.executable, "-m", "brandguard", "eval", "--labels", str(labels), "--root", str(corpus),
                           "--jobs", "1", "--replay"], capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT / "milter")})
    out = proc.stdout
    assert "campaign memory replay" in out, proc.stderr
    assert "brand_callback             2        1  50.0%       2 (+1)" in out
    assert "accept -> tag        weak.eml [trendmicro]" in out
    assert "ham hurt (judged more severely with the memory): 0" in out
    assert proc.returncode == 0  # no ham hurt, no file failed
