"""Pre-forked workers: several milter processes accepting on one listening socket, one per core.

pymilter holds the GIL in every callback, so one process never uses more than one core. libmilter
opens its listening socket in opensocket() and only accepts in main(), so forking between the two
gives N independent libmilter processes sharing the socket, with the kernel spreading connections.
"""
from __future__ import annotations

import logging
import os
import signal
import time

from brandguard.adapter.runner import Waker, sd_notify, set_nonblocking_listeners

log = logging.getLogger("brandguard")
RESPAWN_WINDOW = 60.0  # seconds
MAX_RESPAWNS = 10  # per window: a worker that dies at once, over and over, is a bug, not bad luck


class Supervisor:
    """Forks the workers, restarts the ones that die, forwards SIGHUP and SIGTERM."""

    def __init__(self, runner, on_ready=None):
        self.runner = runner
        self.on_ready = on_ready
        self.count = runner.settings.workers
        self.children: dict[int, int] = {}  # pid -> slot
        self._waker = None
        self._stopping = False
        self._hup = False
        self._respawns: list[float] = []

    def _spawn(self, slot: int) -> None:
        pid = os.fork()
        if pid == 0:  # worker: only the forking thread exists here; start fresh
            os.environ.pop("NOTIFY_SOCKET", None)
            code = 1
            try:
                code = self.runner.serve_worker(notify=False)
            finally:
                os._exit(code)
        self.children[pid] = slot
        log.info("worker %d started (pid %d)", slot, pid)

    def run(self) -> int:
        self._waker = Waker()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_term)
        signal.signal(signal.SIGHUP, self._on_hup)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # the wakeup fd wakes the loop
        set_nonblocking_listeners()  # a worker that loses an accept() race must not block in it
        for slot in range(self.count):
            self._spawn(slot)
        if self.on_ready:
            self.on_ready()  # e.g. the metrics HTTP server: started after fork, never inherited by workers
        self.runner.app.ready.set()
        sd_notify(f"READY=1\nSTATUS={self.count} workers")
        while not self._stopping:
            self._waker.wait(1.0)
            if self._hup:
                self._hup = False
                sd_notify("RELOADING=1")
                for pid in list(self.children):
                    os.kill(pid, signal.SIGHUP)
                sd_notify("READY=1")
            self._reap(respawn=True)
        return self._stop_all()

    def _on_hup(self, *_):
        self._hup = True

    def _on_term(self, *_):
        self._stopping = True

    def _reap(self, respawn: bool) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            slot = self.children.pop(pid, None)
            if slot is None:
                continue
            self._forget(pid)
            if respawn and not self._stopping:
                log.error("worker %d (pid %d) exited with status %d; restarting it", slot, pid, status)
                now = time.monotonic()
                self._respawns = [t for t in self._respawns if now - t < RESPAWN_WINDOW] + [now]
                if len(self._respawns) > MAX_RESPAWNS:
                    log.error("workers keep dying (%d restarts in %.0fs): stopping", MAX_RESPAWNS, RESPAWN_WINDOW)
                    self._stopping = True
                    return
                self._spawn(slot)

    def _forget(self, pid: int) -> None:
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if directory:
            from brandguard.metrics import mark_worker_dead

            mark_worker_dead(pid, directory)

    def _stop_all(self) -> int:
        sd_notify("STOPPING=1")
        log.info("stopping %d workers: finishing messages in flight", len(self.children))
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 40
        while self.children and time.monotonic() < deadline:
            self._reap(respawn=False)
            self._waker.wait(0.1)
        for pid in list(self.children):
            log.error("worker %d (pid %d) still running 40s after SIGTERM: killed", self.children[pid], pid)
            os.kill(pid, signal.SIGKILL)
        self._reap(respawn=False)
        log.info("stopped")
        return 0
