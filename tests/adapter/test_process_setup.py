"""Process set-up of `brandguard run`: shared listening sockets made non-blocking, malloc arenas capped."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from brandguard.adapter.runner import cap_malloc_arenas

# In a child process: the function changes every listening socket of its process, and this test
# process may hold other tests' servers.
SCRIPT = r"""
import os, socket, sys
from brandguard.adapter.runner import set_nonblocking_listeners
unix = socket.socket(socket.AF_UNIX)
unix.bind(sys.argv[1])
unix.listen()
tcp = socket.create_server(("127.0.0.1", 0))
left, right = socket.socketpair()
assert all(os.get_blocking(s.fileno()) for s in (unix, tcp, left))
assert set_nonblocking_listeners() == 2
assert not os.get_blocking(unix.fileno()) and not os.get_blocking(tcp.fileno())
assert os.get_blocking(left.fileno()) and os.get_blocking(right.fileno())
try:  # a worker that lost the race for a connection: EAGAIN, which libmilter retries, instead of blocking
    unix.accept()
    sys.exit("accept() on an empty queue returned")
except BlockingIOError:
    pass
print("ok")
"""


def test_only_listening_sockets_become_non_blocking(tmp_path):
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "m.sock")], capture_output=True, text=True,
                          timeout=60, env={"PYTHONPATH": str(root / "milter"), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_malloc_arenas_capped_unless_the_admin_set_them(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert cap_malloc_arenas() is True  # glibc (Debian)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert cap_malloc_arenas() is False
