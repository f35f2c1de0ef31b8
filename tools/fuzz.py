"""Fuzz brandguard's analysis of one message; prints the execution count and every uncaught exception."""
# Outside CI, one process, niced (the million-execution run: the light target with the mutate engine):
#   nice -n 10 .venv/bin/python tools/fuzz.py --target light --runs 1000000
#   .venv/bin/python tools/fuzz.py --target full --runs 20000 --seed 7     # every check, auth, content
#   .venv/bin/pip install atheris; .venv/bin/python tools/fuzz.py --engine atheris  # coverage-guided, ~6x slower
# Each input goes through mailfile.context_from_bytes -> Pipeline.process (auth over an in-memory resolver,
# content extraction with OCR off) -> the action plan. NotMailError is the only expected exception. Anything
# else, a value we would write with CR/LF/NUL or unencodable, or a message over the settings' time budget is a
# finding: printed once per (type, file:line) with its traceback, the input saved under --crashes.
from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "milter"), str(ROOT / "tests")]
SEED_DIRS = [ROOT / "tests" / "data" / "malformed", ROOT / "tests" / "data" / "attacks"]
TOKENS = [
    b"\r\n", b"\n", b"\r", b"\x00", b"\r\n\r\n", b"\r\n ", b"\r\n\t", b"From: ", b"From:", b"To: ", b"Subject: ",
    b"Sender: ", b"Reply-To: ", b"Return-Path: ", b"MIME-Version: 1.0\r\n", b"Content-Type: multipart/mixed; boundary=",
    b"Content-Type: message/rfc822\r\n", b"Content-Type: text/html; charset=", b"Content-Type: application/pdf\r\n",
    b"Content-Transfer-Encoding: base64\r\n", b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"Content-Disposition: attachment; filename*=", b"--", b"--b\r\n", b"--b--\r\n", b'"b"', b"=?utf-8?B?",
    b"=?utf-8?Q?", b"?=", b"=?x-unknown?Q?", b"<", b">", b"@", b"(", b")", b'"', b"\\", b",", b";", b":", b"<@route:",
    b"undisclosed:;",
    b"DKIM-Signature: v=1; a=rsa-sha256; d=microsoft.com; s=s1; h=from; bh=; b=", b"ARC-Seal: i=1; cv=none; ",
    b"Authentication-Results: brandguard; dmarc=pass", b"X-Brandguard-Verdict: accept\r\n", b"xn--", b"\xd0\xbe",
    b"\u202e".decode("unicode_escape").encode(), b"\xe2\x80\x8b", b"\xff\xfe", b"<a href=\"http://", b"</a>",
    b"<div style=\"display:none\">", b"&#x", b"Microsoft", b"Norton", b"PayPal", b"Geek Squad", b"1-888-555-0142",
    b"+1 (800) 642-7676", b"call", b"AnyDesk", b"renewal", b"%PDF-1.4\n", b"BEGIN:VCALENDAR\r\nSUMMARY:", b"PK\x03\x04",
]


class Target:
    """One configured App; `run(data)` analyses one input and raises only on a finding.

    full: the whole pipeline, every check (about 100 messages/s on one core).
    light: parsing, the From/MIME structure check, author-domain parsing, the MIME walk, the engine
    with a header-regex rule and the action plan: the hostile-input surface without the brand
    checks' per-message cost, fast enough for a million executions.
    """

    def __init__(self, policy: Path | None, workdir: Path, light: bool = False):
        from faults.harness import all_checks_policy, offline_scanner

        self.light = light
        only = ("message_structure",) if light else None
        self.app = offline_scanner(policy or all_checks_policy(workdir, only=only), with_auth=not light)
        self.budget = self.app.settings.message_time_budget

    def run(self, data: bytes) -> None:
        from brandguard.content.mimeparse import mime_of
        from brandguard.errors import NotMailError
        from brandguard.mailfile import context_from_bytes
        from brandguard.model import Action

        try:
            ctx = context_from_bytes(data, limit=self.app.settings.body_scan_limit)
        except NotMailError:
            return
        started = time.monotonic()
        if self.light:
            from brandguard.auth.orgdomain import author_domain
            from brandguard.content.walk import walk

            author_domain(ctx)
            walk(mime_of(ctx), self.app.settings.content)
        outcome = self.app.process(ctx)
        if time.monotonic() - started > self.budget:
            raise SlowInput(f"{time.monotonic() - started:.1f}s > message_time_budget {self.budget}s")
        assert outcome.verdict.action in Action, outcome.verdict.action
        from faults.harness import unsafe_written_values

        unsafe = unsafe_written_values(outcome.plan)
        assert not unsafe, f"unsafe value written: {unsafe!r}"


class SlowInput(Exception):
    """An input whose analysis ran past the per-message time budget."""


class Recorder:
    """Counts executions; keeps the first traceback and input of every distinct (type, location)."""

    def __init__(self, crash_dir: Path, report_every: int):
        self.count = 0
        self.crash_dir = crash_dir
        self.report_every = report_every
        self.seen: Counter = Counter()
        self.started = time.monotonic()

    def record(self, exc: BaseException, data: bytes) -> None:
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if "brandguard" in f.filename] or frames
        where = f"{ours[-1].filename}:{ours[-1].lineno}" if ours else "?"
        key = f"{type(exc).__name__} at {where}"
        self.seen[key] += 1
        if self.seen[key] == 1:
            self.crash_dir.mkdir(parents=True, exist_ok=True)
            path = self.crash_dir / f"crash-{hashlib.sha1(data).hexdigest()[:16]}.eml"
            path.write_bytes(data)
            print(f"\nNEW FINDING after {self.count} executions: {key} (input: {path})", flush=True)
            print("".join(traceback.format_exception(exc)), flush=True)

    def tick(self) -> None:
        self.count += 1
        if self.count % self.report_every == 0:
            rate = self.count / max(time.monotonic() - self.started, 1e-9)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
            print(f"executions {self.count} ({rate:.0f}/s), distinct findings {len(self.seen)}, max RSS {rss} MB",
                  flush=True)

    def summary(self) -> int:
        secs = time.monotonic() - self.started
        print(f"\nDONE: {self.count} executions in {secs:.0f}s; "
              f"distinct uncaught exceptions/findings: {len(self.seen)}")
        for key, n in self.seen.most_common():
            print(f"  {n:8d} x {key}")
        return 1 if self.seen else 0


def execute(target: Target, rec: Recorder, data: bytes) -> None:
    rec.tick()
    try:
        target.run(data)
    except Exception as exc:  # everything but NotMailError (handled in run) is a finding
        rec.record(exc, data)


def load_seeds(dirs: list[Path]) -> list[bytes]:
    seeds = [p.read_bytes() for d in dirs if d.is_dir() for p in sorted(d.iterdir()) if p.suffix == ".eml"]
    seeds.append(b"From: Microsoft Support <support@micros0ft-help.com>\r\nTo: bob@example.net\r\n"
                 b"Subject: Renewal\r\n\r\nCall 1-888-555-0142 now.\r\n")
    return [s[:200_000] for s in seeds]


def mutate(rng: random.Random, data: bytes, seeds: list[bytes]) -> bytes:
    """Stack 1-8 byte-level and token-level mutations, sometimes splicing another seed in."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(9)
        pos = rng.randint(0, len(buf))
        if op == 0 and buf:
            buf[min(pos, len(buf) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[pos:pos] = rng.choice(TOKENS)
        elif op == 2 and buf:
            del buf[pos:pos + rng.randint(1, 64)]
        elif op == 3 and buf:
            end = min(len(buf), pos + rng.randint(1, 256))
            buf[pos:pos] = buf[pos:end] * rng.randint(1, 16)
        elif op == 4:
            other = rng.choice(seeds)
            a = rng.randint(0, len(other))
            buf[pos:pos] = other[a:a + rng.randint(1, 2048)]
        elif op == 5 and buf:
            buf[pos:pos + 1] = bytes([rng.choice((0, 9, 10, 13, 32, 34, 40, 41, 58, 59, 60, 61, 62, 64, 127, 255))])
        elif op == 6:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
        elif op == 7 and buf:
            del buf[pos:]
        else:
            buf[pos:pos] = rng.choice(TOKENS) * rng.randint(2, 200)
    return bytes(buf[:300_000])


def run_mutate(target: Target, rec: Recorder, seeds: list[bytes], runs: int, seed: int) -> None:
    rng = random.Random(seed)
    for data in seeds:
        execute(target, rec, data)
    while rec.count < runs:
        execute(target, rec, mutate(rng, rng.choice(seeds), seeds))


def run_atheris(target: Target, rec: Recorder, seeds: list[bytes], runs: int, workdir: Path) -> None:
    import atheris

    corpus = workdir / "corpus"
    corpus.mkdir(exist_ok=True)
    for s in seeds:
        (corpus / hashlib.sha1(s).hexdigest()).write_bytes(s)
    dict_file = workdir / "mail.dict"
    dict_file.write_text("".join('"' + "".join(f"\\x{b:02x}" for b in t) + '"\n' for t in TOKENS))

    def one(data: bytes) -> None:
        execute(target, rec, data)
        if rec.count >= runs:
            code = rec.summary()
            sys.stdout.flush()
            os._exit(code)  # libFuzzer never returns to Python; exit with our own summary

    atheris.Setup([sys.argv[0], "-max_len=65536", f"-dict={dict_file}", "-rss_limit_mb=4096", "-timeout=600",
                   "-print_final_stats=1", str(corpus)], one)
    atheris.Fuzz()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1_000_000, help="executions (default 1,000,000)")
    ap.add_argument("--engine", choices=("mutate", "atheris"), default="mutate",
                    help="mutate: built-in, no extra package; atheris: coverage-guided (pip install atheris)")
    ap.add_argument("--target", choices=("full", "light"), default="full", help="see Target (default full)")
    ap.add_argument("--corpus", type=Path, action="append", default=[], help="extra seed folder (*.eml)")
    ap.add_argument("--policy", type=Path, help="policy file (default: shipped catalogue, every check on)")
    ap.add_argument("--seed", type=int, default=1, help="random seed of the mutate engine")
    ap.add_argument("--crashes", type=Path, default=Path(tempfile.gettempdir()) / "brandguard-fuzz")
    ap.add_argument("--report-every", type=int, default=10_000)
    args = ap.parse_args(argv)
    engine = args.engine
    workdir = Path(tempfile.mkdtemp(prefix="brandguard-fuzz-"))
    seeds = load_seeds(SEED_DIRS + args.corpus)
    rec = Recorder(args.crashes, args.report_every)
    if engine == "atheris":
        import atheris

        with atheris.instrument_imports(include=["brandguard", "email"]):
            target = Target(args.policy, workdir, args.target == "light")
        print(f"target {args.target}, engine atheris, {len(seeds)} seeds, {args.runs} executions", flush=True)
        run_atheris(target, rec, seeds, args.runs, workdir)
    target = Target(args.policy, workdir, args.target == "light")
    print(f"target {args.target}, engine mutate (seed {args.seed}), {len(seeds)} seeds, {args.runs} executions",
          flush=True)
    run_mutate(target, rec, seeds, args.runs, args.seed)
    return rec.summary()


if __name__ == "__main__":
    sys.exit(main())
