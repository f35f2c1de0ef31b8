"""The analysis processes (`analysis_processes`): libmilter's threads hand each message over a socketpair.

Why (docs/CONTRACTS.md, "Process model"): in one process, libmilter's twenty-odd session threads take the GIL
for every callback while the analysis holds it. Here the milter process only speaks the protocol; each analysis
process runs one message at a time with no one to share its GIL with, so N of them use N cores. A runaway
analysis is killed and replaced (a thread could not be), and a crash in one (a C library, the OOM killer) costs
one message its `on_error` answer, not the milter.

Analysis processes are forked by a spawner process forked at start-up, while the milter was still one thread:
forking later from libmilter's threads could copy a lock some other thread holds. They ignore SIGTERM, SIGHUP
and SIGUSR1 (the milter drains its messages first, then closes their sockets, and they exit) and reload the policy
when the milter's policy hash changes.
"""
from __future__ import annotations

import logging
import os
import pickle
import queue
import signal
import socket
import struct
import threading
import time
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from brandguard.errors import AnalysisCrashed

if TYPE_CHECKING:
    from brandguard.model import MessageContext
    from brandguard.pipeline import Outcome, Pipeline
    from brandguard.policy.store import PolicyStore

log = logging.getLogger("brandguard")
_PID = struct.Struct("!i")
LookupEvent = tuple[str, float, str | None]  # Metrics.on_dns_lookup's arguments: rtype, seconds, error kind


class LookupLog(list[LookupEvent]):
    """The DNS lookups of the message in hand (the resolver's on_lookup), replayed into the milter's metrics."""

    def __call__(self, rtype: str, seconds: float, error_kind: str | None) -> None:
        self.append((rtype, seconds, error_kind))


def _serve(conn: Connection, pipeline: Pipeline, store: PolicyStore, lookups: LookupLog) -> None:
    """An analysis process: answer (outcome, DNS lookups) for each (policy hash, context) until EOF."""
    wanted = store.current.hash
    while True:
        try:
            policy_hash, ctx = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        if policy_hash != wanted:  # the milter reloaded: follow it once (keeping the last good on failure)
            wanted = policy_hash
            if store.current.hash != policy_hash:
                store.reload()
        lookups.clear()
        reply: tuple[bool, Outcome | str, list[LookupEvent]]
        try:
            reply = (True, pipeline.process(ctx), lookups)
        except Exception as exc:  # answered in the milter process, through its one catch-all
            reply = (False, f"{type(exc).__name__}: {exc}", lookups)
        try:
            payload = pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # the process lives on; the message gets the on_error answer
            payload = pickle.dumps((False, f"outcome not transferable: {type(exc).__name__}: {exc}", []))
        try:
            conn.send_bytes(payload)
        except OSError:
            return


def _spawner(ctl: socket.socket, pipeline: Pipeline, store: PolicyStore, lookups: LookupLog) -> None:
    """Fork one analysis process per socket received on `ctl`, answer its pid; exit when the milter is gone."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps them
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(ctl, 16, 1)
        except OSError:
            return
        if not msg or not fds:
            return
        pid = os.fork()
        if pid == 0:
            ctl.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # OCR's subprocess must be able to read its exit status
            code = 1
            try:
                _serve(Connection(fds[0]), pipeline, store, lookups)
                code = 0
            finally:
                os._exit(code)
        os.close(fds[0])
        ctl.sendall(_PID.pack(pid))


class _Worker:
    def __init__(self, conn: Connection, pid: int):
        self.conn, self.pid = conn, pid


class AnalysisPool:
    """`count` analysis processes; `analyse()` runs one message in an idle one, waiting at most `timeout`."""

    def __init__(self, count: int, pipeline: Pipeline, store: PolicyStore, lookups: LookupLog):
        """`pipeline` analyses in the child processes; its resolver reports to `lookups`."""
        self.count, self.pipeline, self.store, self.lookups = count, pipeline, store, lookups
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._ctl: socket.socket | None = None
        self._ctl_lock = threading.Lock()
        self._spawner_pid = 0
        self.pids: set[int] = set()  # of the analysis processes alive (for tests and the logs)
        self.broken = False  # a lost process could not be replaced (the spawner is gone): the runner restarts

    def start(self) -> None:
        """Fork the spawner, then the analysis processes. Call while this process has one thread."""
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            ours.close()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1):
                signal.signal(sig, signal.SIG_IGN)
            code = 1
            try:
                _spawner(theirs, self.pipeline, self.store, self.lookups)
                code = 0
            finally:
                os._exit(code)
        theirs.close()
        self._ctl, self._spawner_pid = ours, pid
        for _ in range(self.count):
            self._idle.put(self._spawn())
        log.info("%d analysis processes started (spawner pid %d)", self.count, pid)

    def _spawn(self) -> _Worker:
        ours, theirs = socket.socketpair()
        try:
            with self._ctl_lock:
                ctl = self._ctl
                if ctl is None:  # close() ran: a process lost at shutdown is not replaced
                    raise AnalysisCrashed("the analysis pool is closed")
                socket.send_fds(ctl, [b"w"], [theirs.fileno()])
                data = b""
                while len(data) < _PID.size:
                    chunk = ctl.recv(_PID.size - len(data))
                    if not chunk:
                        raise AnalysisCrashed("the analysis spawner is gone")
                    data += chunk
        finally:
            theirs.close()
        worker = _Worker(Connection(ours.detach()), _PID.unpack(data)[0])
        self.pids.add(worker.pid)
        return worker

    def analyse(self, ctx: MessageContext, timeout: float) -> tuple[Outcome, list[LookupEvent]] | None:
        """(outcome, DNS lookups) of `ctx`; None when no answer came within `timeout` (the process is replaced).

        Raises AnalysisCrashed when the analysis failed or its process died on it (it is replaced). A process
        found dead before it got the message (killed while idle) is replaced and the next one takes the message.
        """
        deadline = time.monotonic() + timeout
        payload = pickle.dumps((self.store.current.hash, ctx), pickle.HIGHEST_PROTOCOL)
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            try:
                worker.conn.send_bytes(payload)
                break
            except OSError as exc:  # its end of the socket is closed: it never read the message
                log.error("analysis process %d was gone (%s): replacing it", worker.pid, exc.strerror or exc)
                self._release(worker, healthy=False)
        healthy = False
        try:
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                log.error("analysis process %d still busy at the deadline: killing it", worker.pid)
                return None
            ok, value, lookups = pickle.loads(worker.conn.recv_bytes())
            healthy = True
        except (EOFError, OSError) as exc:
            raise AnalysisCrashed(f"analysis process {worker.pid} died: {exc or type(exc).__name__}") from None
        finally:
            self._release(worker, healthy)
        if not ok:
            raise AnalysisCrashed(f"analysis failed: {value}")
        return value, lookups

    def _release(self, worker: _Worker, healthy: bool) -> None:
        if healthy:
            self._idle.put(worker)
            return
        self.pids.discard(worker.pid)
        try:
            os.kill(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        worker.conn.close()
        try:
            self._idle.put(self._spawn())
        except (OSError, AnalysisCrashed) as exc:  # the pool shrinks until the runner restarts the milter
            self.broken = True
            log.error("could not replace analysis process %d: %s", worker.pid, exc)

    def close(self) -> None:
        """Close every idle analysis process's socket (they exit), then the spawner's."""
        while True:
            try:
                self._idle.get_nowait().conn.close()
            except queue.Empty:
                break
        if self._ctl is not None:
            self._ctl.close()
            self._ctl = None
