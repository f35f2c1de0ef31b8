"""The baseline milter: pymilter that reads the whole message and adds one header, nothing else.

Implements data() (no @nocallback) and sets TCP_NODELAY on an inet listener, like brandguard, so
the comparison measures brandguard's analysis, not the 40 ms Nagle/delayed-ACK stall.

    python bench/trivial_milter.py unix:/path/trivial.sock      (or inet:PORT@127.0.0.1)
"""
from __future__ import annotations

import os
import socket
import sys

import Milter
import milter as libmilter


class Trivial(Milter.Base):
    def __init__(self):
        super().__init__()
        self.size = 0

    @Milter.noreply
    def connect(self, hostname, family, hostaddr):
        return Milter.CONTINUE

    @Milter.noreply
    def envfrom(self, mailfrom, *params):
        self.size = 0
        return Milter.CONTINUE

    @Milter.noreply
    def envrcpt(self, to, *params):
        return Milter.CONTINUE

    def data(self):  # answered on purpose (see README: the empty macro packet stall)
        return Milter.CONTINUE

    @Milter.noreply
    def header(self, name, value):
        self.size += len(name) + len(value) + 4
        return Milter.CONTINUE

    @Milter.noreply
    def eoh(self):
        return Milter.CONTINUE

    @Milter.noreply
    def body(self, chunk):
        self.size += len(chunk)
        return Milter.CONTINUE

    def eom(self):
        self.addheader("X-Trivial-Size", str(self.size))
        return Milter.ACCEPT


def _nodelay() -> None:
    for name in os.listdir("/proc/self/fd"):
        try:
            s = socket.socket(fileno=os.dup(int(name)))
        except OSError:
            continue
        try:
            if s.family == socket.AF_INET and s.type == socket.SOCK_STREAM:
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        finally:
            s.close()


def main(sock: str) -> None:
    Milter.factory = Trivial
    libmilter.set_flags(Milter.ADDHDRS)
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
    libmilter.settimeout(600)
    libmilter.register("trivial", data=lambda ctx: ctx.getpriv().data(),
                       unknown=lambda ctx, cmd: ctx.getpriv().unknown(cmd), negotiate=Milter.negotiate_callback)
    old = os.umask(0)  # smtpd runs as postfix: the unix socket must be writable by it
    try:
        libmilter.opensocket(True)
    finally:
        os.umask(old)
    if sock.startswith("inet"):
        _nodelay()
    libmilter.main()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
