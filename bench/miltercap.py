"""Milter capacity: the bench mix sent straight to a milter's socket in the milter protocol, without Postfix.

Through Postfix, a 2-core machine runs Postfix, smtp-source and smtp-sink (about 3 ms of CPU per
message) on the same cores as the milter, which caps what a second milter process can add. This driver
speaks the milter protocol itself (Postfix's side of it: option negotiation, connect, HELO, MAIL, RCPT,
DATA, headers, body, end of message), with each message's packets encoded once up front, so that the
load costs a small fraction of a core and the milter's own scaling from one to two processes shows.
One milter connection per message, as Postfix opens for an SMTP session of one message.
"""
from __future__ import annotations

import itertools
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# Protocol version 6 as Postfix speaks it (libmilter's mfdef.h): commands, option bits, replies.
VERSION = 6
ALL_ACTIONS = 0x1FF
P_NOCONNECT, P_NOHELO, P_NOMAIL, P_NORCPT, P_NOBODY, P_NOHDRS, P_NOEOH = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40
P_NR_HDR, P_NODATA = 0x80, 0x200
P_NR_CONN, P_NR_HELO, P_NR_MAIL, P_NR_RCPT, P_NR_DATA, P_NR_EOH, P_NR_BODY = (
    0x1000, 0x2000, 0x4000, 0x8000, 0x10000, 0x40000, 0x80000)
ALL_PROTOCOL = 0x1FFFFF
FINAL = frozenset(bytes([c]) for c in b"acrtdy")  # accept, continue, reject, tempfail, discard, reply code


def packet(cmd: bytes, data: bytes = b"") -> bytes:
    return struct.pack("!I", len(data) + 1) + cmd + data


@dataclass(frozen=True)
class Script:
    """One message as protocol stages: (command, packet bytes, 'no' bit, 'no reply' bit)."""

    name: str
    stages: tuple[tuple[bytes, bytes, int, int], ...]


def encode(name: str, raw: bytes, mail_from: str, rcpt: str, helo: str, client: str = "127.0.0.1") -> Script:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, _, body = raw.partition(b"\n\n")
    head = head.replace(b"\r\n", b"\n")
    headers: list[tuple[bytes, bytes]] = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and headers:
            name_, value = headers[-1]
            headers[-1] = (name_, value + b"\r\n" + line)  # folded as Postfix passes it on
        elif b":" in line:
            field, _, value = line.partition(b":")
            headers.append((field, value[1:] if value.startswith(b" ") else value))
    body = body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    z = b"\0"
    stages = [(b"C", packet(b"C", b"client.bench.example" + z + b"4" + struct.pack("!H", 25) + client.encode() + z),
               P_NOCONNECT, P_NR_CONN),
              (b"H", packet(b"H", helo.encode() + z), P_NOHELO, P_NR_HELO),
              (b"M", packet(b"M", f"<{mail_from}>".encode() + z), P_NOMAIL, P_NR_MAIL),
              (b"R", packet(b"R", f"<{rcpt}>".encode() + z), P_NORCPT, P_NR_RCPT),
              (b"T", packet(b"T"), P_NODATA, P_NR_DATA)]
    stages += [(b"L", packet(b"L", f + z + v + z), P_NOHDRS, P_NR_HDR) for f, v in headers]
    stages.append((b"N", packet(b"N"), P_NOEOH, P_NR_EOH))
    stages += [(b"B", packet(b"B", body[i:i + 65535]), P_NOBODY, P_NR_BODY) for i in range(0, len(body), 65535)]
    stages.append((b"E", packet(b"E"), 0, 0))
    return Script(name, tuple(stages))


class _Conn:
    def __init__(self, address: str):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(address)
        self.buf = b""

    def read(self) -> tuple[bytes, bytes]:
        while len(self.buf) < 4 or len(self.buf) < 4 + struct.unpack("!I", self.buf[:4])[0]:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("milter closed the connection")
            self.buf += chunk
        size = struct.unpack("!I", self.buf[:4])[0]
        cmd, data, self.buf = self.buf[4:5], self.buf[5:4 + size], self.buf[4 + size:]
        return cmd, data


def run_one(address: str, script: Script) -> bytes:
    """Send one message; the final reply to end-of-message (e.g. b'a' accept, b't' tempfail)."""
    conn = _Conn(address)
    try:
        conn.sock.sendall(packet(b"O", struct.pack("!III", VERSION, ALL_ACTIONS, ALL_PROTOCOL)))
        cmd, data = conn.read()
        if cmd != b"O" or len(data) < 12:
            raise ConnectionError(f"bad option negotiation reply {cmd!r}")
        protocol = struct.unpack("!III", data[:12])[2]
        pending = b""
        for cmd, pkt, no_bit, nr_bit in script.stages:
            if protocol & no_bit:
                continue
            pending += pkt
            if cmd != b"E" and protocol & nr_bit:
                continue  # no reply will come: send it with the next packet that waits for one
            conn.sock.sendall(pending)
            pending = b""
            while True:
                reply, _ = conn.read()
                if cmd != b"E" or reply in FINAL:
                    break  # before end-of-message every reply is final; after it, header edits come first
            if reply not in (b"c",) and cmd != b"E":
                return reply  # rejected early (e.g. 421 at MAIL FROM while stopping)
        conn.sock.sendall(packet(b"Q"))
        return reply
    finally:
        conn.sock.close()


def drive(address: str, scripts: list[Script], total: int, connections: int) -> dict:
    """Send `total` messages (the scripts in turn) over `connections` parallel connections."""
    order = itertools.cycle(scripts)
    lock = threading.Lock()
    left = [total]
    replies: Counter = Counter()
    errors: list[str] = []

    def worker() -> None:
        while True:
            with lock:
                if left[0] <= 0 or errors:
                    return
                left[0] -= 1
                script = next(order)
            try:
                reply = run_one(address, script)
            except OSError as exc:
                with lock:
                    errors.append(f"{script.name}: {exc}")
                return
            with lock:
                replies[reply.decode()] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    cpu0, t0 = time.process_time(), time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds, client_cpu = time.monotonic() - t0, time.process_time() - cpu0
    if errors:
        raise ConnectionError(errors[0])
    return {"msgs": total, "seconds": seconds, "rate": total / seconds, "replies": dict(replies),
            "client_cpu_ms_per_msg": 1000 * client_cpu / total}


def weighted(types, read=Path.read_bytes, **envelope) -> list[Script]:
    """One script per message type, repeated by weight (percent) and interleaved."""
    base = [(t, encode(t.name, read(t.path), t.mail_from, **envelope)) for t in types]
    out: list[Script] = []
    counts = {t.name: t.weight for t, _ in base}
    while any(counts.values()):
        for t, script in base:
            if counts[t.name]:
                out.append(script)
                counts[t.name] -= 1
    return out
