"""The capacity load generator speaks the milter protocol well enough for a real libmilter milter."""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.support import poll, stop_process

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import miltercap  # noqa: E402

MESSAGE = (b"From: Ops <ops@sender.example>\r\nTo: alice@customer.example\r\nSubject: folded\r\n"
           b" continued subject\r\nMessage-ID: <1@sender.example>\r\n\r\n" + b"body line\r\n" * 9000)


def test_encode_splits_headers_folds_and_body_chunks():
    script = miltercap.encode("m", MESSAGE, "ops@sender.example", rcpt="alice@customer.example", helo="h.example")
    cmds = [cmd for cmd, *_ in script.stages]
    assert cmds[:5] == [b"C", b"H", b"M", b"R", b"T"] and cmds[-1] == b"E"
    headers = [pkt[5:].split(b"\0")[:2] for cmd, pkt, *_ in script.stages if cmd == b"L"]
    assert headers[2] == [b"Subject", b"folded\r\n continued subject"]
    bodies = [pkt for cmd, pkt, *_ in script.stages if cmd == b"B"]
    assert len(bodies) == 2 and sum(len(b) - 5 for b in bodies) == len(b"body line\r\n" * 9000)


def _unix_open(path: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(path)
        return True
    except OSError:
        return False


@pytest.fixture
def trivial_milter(tmp_path):
    sock = str(tmp_path / "trivial.sock")
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "trivial_milter.py"), f"unix:{sock}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        poll(lambda: proc.poll() is not None or _unix_open(sock), 30, "trivial milter listening")
        assert proc.poll() is None, "trivial milter exited"
        yield sock
    finally:
        stop_process(proc)


def test_drives_a_real_libmilter_milter(trivial_milter):
    script = miltercap.encode("m", MESSAGE, "ops@sender.example", rcpt="alice@customer.example", helo="h.example")
    assert miltercap.run_one(trivial_milter, script) == b"a"
    result = miltercap.drive(trivial_milter, [script], total=40, connections=4)
    assert result["replies"] == {"a": 40} and result["msgs"] == 40
