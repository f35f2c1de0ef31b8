"""Starts the analysis processes and libmilter: flags, socket (TCP_NODELAY), signals, policy watching, systemd notify."""
from __future__ import annotations

import grp
import logging
import os
import select
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import Milter
import milter as libmilter

from brandguard.adapter.session import Session

if TYPE_CHECKING:
    from brandguard.app import App

log = logging.getLogger("brandguard")

# Only what the actuator uses: add/change headers (tags, stripping forged ones) and quarantine.
SHUTDOWN_GRACE = 30.0  # seconds; below systemd's TimeoutStopSec
# SIGUSR1 reloads, as in OpenDKIM: libmilter's signal thread also waits for SIGHUP (and stops the milter when it gets
# it first), so SIGHUP reloads only when the kernel hands it to the main thread, which it prefers but does not promise.
RELOAD_SIGNALS = (signal.SIGUSR1, signal.SIGHUP)
HEALTH_INTERVAL = 2.0  # seconds between checks that every lost analysis process was replaced
FLAGS: int = Milter.ADDHDRS | Milter.CHGHDRS | Milter.QUARANTINE


def sd_notify(message: str) -> None:
    """Tell systemd (Type=notify) about our state; a no-op outside systemd."""
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.connect(addr)
        s.sendall(message.encode())


def set_nodelay_on_listeners() -> int:
    """libmilter owns its socket; find TCP listeners among our fds and disable Nagle on them.

    Linux copies TCP_NODELAY to accepted sockets, which removes the 40 ms delayed-ACK stall
    between libmilter's last two small writes at end-of-message.
    """
    count = 0
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            s = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        try:
            if s.family in (socket.AF_INET, socket.AF_INET6) and s.type == socket.SOCK_STREAM and \
                    s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                count += 1
        except OSError:
            pass
        finally:
            s.close()
    return count




def _prepare_unix_socket(path: str) -> None:
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)


def _fix_unix_socket(path: str, mode: str, group: str | None) -> None:
    os.chmod(path, int(mode, 8))
    if group:
        os.chown(path, -1, grp.getgrnam(group).gr_gid)


class Waker:
    """Wakes the main loop from signal handlers and threads without taking any lock (a self-pipe).

    A handler that called threading.Event.set() could deadlock: Python runs handlers in the main
    thread, which may be inside that very Event's lock when the signal arrives.
    """

    def __init__(self) -> None:
        self._r, self._w = os.pipe()
        os.set_blocking(self._r, False)
        os.set_blocking(self._w, False)
        signal.set_wakeup_fd(self._w, warn_on_full_buffer=False)  # the C handler writes here

    def wake(self) -> None:
        try:
            os.write(self._w, b"\0")
        except BlockingIOError:
            pass  # the pipe is full: the loop is awake anyway

    def wait(self, timeout: float) -> None:
        select.select([self._r], [], [], timeout)
        try:
            while os.read(self._r, 4096):
                pass
        except BlockingIOError:
            pass


class Runner:
    """Owns the libmilter main loop in a thread so the Python main thread can take signals."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.settings
        self._waker: Waker | None = None
        self._stopping = False
        self._reloading = False
        self.error: BaseException | None = None

    def open(self) -> None:
        # Handlers first: once the socket accepts, a reload signal must reload, not kill the process.
        for sig in RELOAD_SIGNALS:
            signal.signal(sig, self._on_hup)
        signal.signal(signal.SIGTERM, self._on_term)
        ms = self.settings.milter
        Session.app = self.app
        Milter.factory = Session
        libmilter.set_flags(FLAGS)
        sock = ms.libmilter_socket()
        if sock.startswith("unix:"):
            _prepare_unix_socket(sock[5:])
        # Mirrors Milter.runmilter(), split so that we can act between opensocket() and main().
        libmilter.set_connect_callback(Milter.connect_callback)
        libmilter.set_helo_callback(lambda ctx, host: ctx.getpriv().hello(host))
        libmilter.set_envfrom_callback(lambda ctx, *b: ctx.getpriv().envfrom_bytes(*b))
        libmilter.set_envrcpt_callback(lambda ctx, *b: ctx.getpriv().envrcpt_bytes(*b))
        libmilter.set_header_callback(lambda ctx, f, v: ctx.getpriv().header_bytes(f, v))
        libmilter.set_eoh_callback(lambda ctx: ctx.getpriv().eoh())
        libmilter.set_body_callback(lambda ctx, chunk: ctx.getpriv().body(chunk))
        libmilter.set_eom_callback(lambda ctx: ctx.getpriv().eom())
        libmilter.set_abort_callback(lambda ctx: ctx.getpriv().abort())
        libmilter.set_close_callback(Milter.close_callback)
        libmilter.setconn(sock)
        libmilter.settimeout(ms.timeout)
        libmilter.register(ms.name, data=lambda ctx: ctx.getpriv().data(),
                           unknown=lambda ctx, cmd: ctx.getpriv().unknown(cmd),
                           negotiate=Milter.negotiate_callback)
        old_umask = os.umask(0o777 & ~int(ms.socket_mode, 8)) if sock.startswith("unix:") else None
        try:
            libmilter.opensocket(True)
        finally:
            if old_umask is not None:
                os.umask(old_umask)
        if sock.startswith("unix:"):
            _fix_unix_socket(sock[5:], ms.socket_mode, ms.socket_group)
        else:
            set_nodelay_on_listeners()

    def _main(self) -> None:
        try:
            libmilter.main()
        except BaseException as exc:  # reported by serve(); the thread must not die silently
            self.error = exc
        finally:
            if not self._stopping and self.error is None:
                # libmilter's own signal thread sigwaits on SIGHUP, SIGTERM and SIGINT and stops the milter on any of
                # them; the kernel may hand it a SIGHUP meant for our reload. Exit non-zero: systemd restarts us.
                self.error = RuntimeError("libmilter stopped on a signal brandguard did not see (a SIGHUP taken by "
                                          "libmilter's signal thread?); reload with SIGUSR1 (systemctl reload)")
            self._stopping = True
            if self._waker is not None:
                self._waker.wake()

    def serve(self, on_ready: Callable[[], object] | None = None) -> int:
        """Fork the analysis processes, then run until SIGTERM/SIGINT; SIGUSR1 (or SIGHUP) reloads the policy. Returns
        the exit code."""
        self.app.start_analysis()  # while this process has one thread: before libmilter's and on_ready's (metrics HTTP)
        if on_ready:
            on_ready()
        # The Python main thread does not block these signals (libmilter blocks them only in the
        # threads it starts), and Linux delivers process signals to the main thread first.
        self._waker = Waker()
        for sig in RELOAD_SIGNALS:
            signal.signal(sig, self._on_hup)
        signal.signal(signal.SIGTERM, self._on_term)
        signal.signal(signal.SIGINT, self._on_term)
        thread = threading.Thread(target=self._main, name="libmilter", daemon=True)
        thread.start()
        self.app.ready.set()
        sd_notify(f"READY=1\nSTATUS=listening, {self.settings.analysis_processes} analysis processes")
        watch = self.settings.watch_interval if self.settings.watch_policy else None
        next_watch = time.monotonic() + (watch or 0)
        while True:
            self._waker.wait(min(HEALTH_INTERVAL, watch or HEALTH_INTERVAL))
            if self._stopping:
                break
            if self.app.analysis_broken():
                # the spawner is gone: without a restart the pool only shrinks (systemd: Restart=on-failure)
                self.error = RuntimeError("an analysis process could not be replaced")
                break
            due = watch is not None and time.monotonic() >= next_watch
            if due and watch is not None:
                next_watch = time.monotonic() + watch
            if self._reloading or (due and self.app.store.changed()):
                self._reloading = False
                sd_notify("RELOADING=1")
                self.app.reload()
                sd_notify("READY=1")
        return self._shutdown(thread)

    # Handlers only set flags; the wakeup fd has already woken the loop.
    def _on_hup(self, *_: object) -> None:
        self._reloading = True

    def _on_term(self, *_: object) -> None:
        self._stopping = True

    def _shutdown(self, thread: threading.Thread) -> int:
        sd_notify("STOPPING=1")
        self.app.ready.clear()
        log.info("stopping: finishing SMTP transactions in flight (new ones are answered 4xx)")
        self.app.stopping = True
        if not self.app.wait_idle(timeout=SHUTDOWN_GRACE):
            log.warning("transactions still open after %ss; stopping anyway (Postfix retries them)", SHUTDOWN_GRACE)
        if thread.is_alive():
            libmilter.stop()
            thread.join(timeout=30)
        self.app.stop_analysis()
        if self.error is not None:
            log.error("stopped on an error: %s", self.error)
            return 1
        log.info("stopped")
        return 0
