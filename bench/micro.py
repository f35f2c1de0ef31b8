"""Micro-benchmark of CPU-bound steps: MIME parse, content extraction, offline scan, DKIM and ARC checks.

No Postfix, no DNS server, no root: messages come from bench/messages.py's mix and tests/golden/*.eml,
DNS answers from memory. Each figure is the minimum over --reps repetitions of --iterations calls,
timed with time.process_time (CPU of this process, so other load on the machine matters less; OCR's
tesseract runs in a child process and is not counted). The offline scan runs --iterations / 5 times.

    .venv/bin/python bench/micro.py                    # ~1 min
    .venv/bin/python bench/micro.py -n 50 --reps 3     # quick look
    PYTHONPATH=/tmp/bg-before/milter .venv/bin/python bench/micro.py --json /tmp/micro-before.json

The last form measures another checkout (e.g. a `git worktree add /tmp/bg-before HEAD`) with the same
messages and keys, so before/after figures come from one session. Keys are made at each run (openssl),
which does not change what is timed.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import dkim

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from messages import DkimKey, build_mix  # noqa: E402 - bench/ is not a package

from brandguard.auth.arc import verify_chain  # noqa: E402
from brandguard.auth.dkim import verify_all  # noqa: E402
from brandguard.content.config import ContentSettings  # noqa: E402
from brandguard.content.extract import extract  # noqa: E402
from brandguard.content.mimeparse import parse_message  # noqa: E402
from brandguard.mailfile import context_from_bytes  # noqa: E402
from brandguard.scan import build_scanner, scan_bytes  # noqa: E402

GOLDEN = HERE.parent / "tests" / "golden"
# OCR runs tesseract in a subprocess: its time is not this process's and would only add noise
SETTINGS = ContentSettings(ocr={"enabled": False})


class MemoryResolver:
    """brandguard's Resolver protocol answering TXT from a dict."""

    def __init__(self, txt: dict[str, str]):
        self._txt = {name.lower(): value for name, value in txt.items()}

    def lookup(self, name, rtype: str, timeout: float | None = None) -> tuple:
        value = self._txt.get(str(name).rstrip(".").lower())
        return ((value.encode(),),) if value is not None and rtype.upper() == "TXT" else ()


def best(fn: Callable[[], object], iterations: int, reps: int) -> float:
    """Minimum over `reps` of the CPU seconds per call of `fn`, over `iterations` calls each."""
    fn()  # warm caches and lazy imports, as a running milter has them
    times = []
    for _ in range(reps):
        start = time.process_time()
        for _ in range(iterations):
            fn()
        times.append((time.process_time() - start) / iterations)
    return min(times)


def signed_messages(mix_dir: Path) -> tuple[bytes, bytes, MemoryResolver]:
    """A message with two RSA-2048 signatures (author domain, then an ESP) and one with a one-hop ARC set."""
    author, esp = DkimKey.generate("partner.example", "s1"), DkimKey.generate("esp.example", "s2")
    body = (mix_dir / "clean_html.eml").read_bytes().split(b"\r\n\r\n", 1)[1]
    message = (b"From: Partner <news@partner.example>\r\nTo: alice@customer.example\r\nSubject: Spring offers\r\n"
               b"Date: Mon, 1 Dec 2025 10:00:00 +0000\r\nMessage-ID: <m1@partner.example>\r\nMIME-Version: 1.0\r\n"
               b'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n' + body)
    heads = [b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type"]
    once = dkim.sign(message, b"s1", b"partner.example", author.private_pem, canonicalize=(b"relaxed", b"relaxed"),
                     include_headers=heads) + message
    twice = dkim.sign(once, b"s2", b"esp.example", esp.private_pem, canonicalize=(b"relaxed", b"simple"),
                      include_headers=heads) + once
    sealed = b"Authentication-Results: mx.esp.example; dkim=pass header.d=partner.example\r\n" + once
    arc_set = dkim.arc_sign(sealed, b"s2", b"esp.example", esp.private_pem, b"mx.esp.example")
    resolver = MemoryResolver({f"{k.selector}._domainkey.{k.domain}": k.txt for k in (author, esp)})
    return twice, b"".join(arc_set) + sealed, resolver


def _extract(data: bytes):
    return extract(context_from_bytes(data), SETTINGS)


def run(iterations: int, reps: int) -> dict[str, float]:
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-micro.") as tmp:
        mix = build_mix(Path(tmp))
        files = [(t.name, t.path.read_bytes()) for t in mix.types]
        signed, sealed, resolver = signed_messages(Path(tmp))
    golden = [p.read_bytes() for p in sorted(GOLDEN.glob("*.eml"))]
    for name, data in files:
        raw = context_from_bytes(data).raw_bytes()
        out[f"parse {name}"] = best(partial(parse_message, raw), iterations, reps)
        out[f"extract {name}"] = best(partial(_extract, data), iterations, reps)
    raws = [context_from_bytes(d).raw_bytes() for d in golden]
    out[f"parse golden x{len(golden)}"] = best(lambda: [parse_message(r) for r in raws], iterations, reps)
    out[f"extract golden x{len(golden)}"] = best(
        lambda: [_extract(d) for d in golden], iterations, reps)
    app = build_scanner()  # the offline pipeline, as `brandguard scan` and `eval` run it (no DNS)
    out[f"scan golden x{len(golden)}"] = best(lambda: [scan_bytes(app, d) for d in golden],
                                              max(1, iterations // 5), reps)
    results = verify_all(resolver, signed)
    if [s.result for s in results] != ["pass", "pass"]:
        raise SystemExit(f"bench message does not verify: {results}")
    out["dkim verify_all 2 x rsa-2048"] = best(lambda: verify_all(resolver, signed), iterations, reps)
    if verify_chain(resolver, sealed).result != "pass":
        raise SystemExit("bench ARC set does not verify")
    out["arc verify_chain 1 hop"] = best(lambda: verify_chain(resolver, sealed), iterations, reps)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--iterations", type=int, default=100, help="calls per repetition (default 100)")
    ap.add_argument("--reps", type=int, default=5, help="repetitions; the minimum is reported (default 5)")
    ap.add_argument("--json", help="also write the figures (seconds per call) to this file")
    args = ap.parse_args(argv)
    figures = run(args.iterations, args.reps)
    for name, seconds in figures.items():
        print(f"{name:36} {seconds * 1e3:9.3f} ms")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
