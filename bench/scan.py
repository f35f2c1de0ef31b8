"""Offline scan throughput: brandguard's pipeline (`build_scanner` + `scan_bytes`) vs SpamAssassin, per core.

brandguard scans every .eml/.txt listed in the corpus' labels.csv in this process (single-threaded:
one core), offline (no DNS). SpamAssassin scans a random sample of the same files (default 200) in
a warm `spamd -L` with one child, fed one file at a time by `spamc`; that measures SA's scan cost,
not perl's start-up (`spamassassin -L -t FILE` costs ~1 s per call, mostly start-up; --sa-cli N
shows it). The ratio compares messages per CPU-second on the same sample (robust on a busy
machine); wall-clock rates are printed too.

    .venv/bin/python bench/scan.py [--corpus ../shared/corpus] [--limit N] [--sa-sample 200] [--sa-cli 0]
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import infra  # noqa: E402

ROOT = infra.ROOT


def corpus_files(corpus: Path) -> list[Path]:
    out = []
    with open(corpus / "labels.csv", newline="") as f:
        for row in csv.DictReader(f):
            rel = (row.get("path") or "").strip()
            if rel.endswith((".eml", ".txt")) and (corpus / rel).is_file():
                out.append(corpus / rel)
    return out


def _cpu() -> float:
    """This process' CPU plus its waited-for children's (tesseract runs as a subprocess)."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def scan_brandguard(app, files: list[Path]) -> dict:
    from brandguard.errors import NotMailError
    from brandguard.scan import scan_bytes

    datas = [(f, f.read_bytes()) for f in files]  # reading is not part of the scan
    errors = 0
    slowest = (0.0, "")
    cpu0, t0 = _cpu(), time.perf_counter()
    for path, data in datas:
        t = time.perf_counter()
        try:
            scan_bytes(app, data)
        except NotMailError:
            errors += 1
        except Exception as exc:  # noqa: BLE001 - a crash on one file is a finding, not the end of the bench
            errors += 1
            print(f"scan: {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
        dt = time.perf_counter() - t
        if dt > slowest[0]:
            slowest = (dt, str(path))
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    n = len(datas)
    return {"files": n, "errors": errors, "bytes": sum(len(d) for _, d in datas), "wall_s": wall, "cpu_s": cpu,
            "rate_wall": n / wall, "rate_cpu": n / cpu if cpu else None, "ms_per_msg_cpu": 1000 * cpu / n,
            "slowest_ms": 1000 * slowest[0], "slowest_file": slowest[1]}


class Spamd:
    def __init__(self, work: Path):
        self.port = infra.free_port()
        self.pidfile = work / "spamd.pid"
        user = "debian-spamd"
        argv = [shutil.which("spamd") or "/usr/sbin/spamd", "-L", "-x", "--listen", f"127.0.0.1:{self.port}",
                "--max-children=1", "--min-children=1", "--min-spare=1", "--max-spare=1",
                "--max-conn-per-child=1000000", "-s", "stderr", "-r", str(self.pidfile)]
        if os.geteuid() == 0:
            argv += ["-u", user]
        self.proc = infra.Proc("spamd", argv, work / "spamd.log")
        infra.poll(lambda: self.proc.check() or infra.port_open(self.port), 120, "spamd")

    def pids(self) -> list[int]:
        return [self.proc.pid] + infra.children_of(self.proc.pid)

    def cpu(self) -> float:
        return sum(infra.cpu_seconds(p) for p in self.pids())

    def check(self, path: Path) -> str:
        with open(path, "rb") as f:
            r = subprocess.run(["spamc", "-x", "-d", "127.0.0.1", "-p", str(self.port), "-c", "-s", "20000000"],
                               stdin=f, capture_output=True, text=True)
        if r.returncode not in (0, 1):
            raise infra.BenchError(f"spamc failed rc={r.returncode}: {r.stderr.strip()}")
        return r.stdout.strip()

    def stop(self) -> None:
        self.proc.stop(15)


def scan_spamassassin(files: list[Path], work: Path, log) -> dict:
    spamd = Spamd(work)
    try:
        for f in files[:3]:  # warm the child (first message loads lazily-compiled rule code)
            spamd.check(f)
        cpu0, t0 = spamd.cpu(), time.perf_counter()
        spam = 0
        for f in files:
            score = spamd.check(f)
            try:
                s, thr = score.split("/")
                spam += float(s) >= float(thr)
            except ValueError:
                pass
        wall, cpu = time.perf_counter() - t0, spamd.cpu() - cpu0
    finally:
        spamd.stop()
    n = len(files)
    return {"files": n, "wall_s": wall, "cpu_s": cpu, "rate_wall": n / wall, "rate_cpu": n / cpu if cpu else None,
            "ms_per_msg_cpu": 1000 * cpu / n, "spam": spam}


def spamassassin_cli(files: list[Path]) -> dict:
    t0 = time.perf_counter()
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    for f in files:
        with open(f, "rb") as fh:
            subprocess.run(["spamassassin", "-L", "-t", "-x"], stdin=fh, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter() - t0
    cpu = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
    return {"files": len(files), "wall_s": wall, "cpu_s": cpu, "rate_wall": len(files) / wall,
            "rate_cpu": len(files) / cpu if cpu else None}


def run(corpus: Path, *, limit: int = 0, sa_sample: int = 200, sa_cli: int = 0, policy: str | None = None,
        log=print) -> dict:
    from brandguard.scan import build_scanner

    files = corpus_files(corpus)
    if not files:
        log(f"scan skipped: no files listed in {corpus / 'labels.csv'}")
        return {}
    rng = random.Random(8)
    if limit and limit < len(files):
        files = rng.sample(files, limit)
    sample = random.Random(9).sample(files, min(sa_sample, len(files)))
    app = build_scanner(None, policy)
    log(f"scan: warming up, then brandguard over {len(files)} corpus files (offline, one core)")
    scan_brandguard(app, files[:30])
    full = scan_brandguard(app, files)
    same = scan_brandguard(app, sample)
    out = {"brandguard_all": full, "brandguard_sample": same, "lines": []}
    lines = out["lines"]
    lines.append(f"brandguard, {full['files']} files ({full['bytes'] / 1e6:.0f} MB, {full['errors']} not mail): "
                 f"{full['rate_wall']:.1f} msgs/s wall, {full['rate_cpu']:.1f} msgs/CPU-s "
                 f"({full['ms_per_msg_cpu']:.2f} ms/msg; slowest {full['slowest_ms']:.0f} ms {Path(full['slowest_file']).name})")
    lines.append(f"brandguard, SA's {same['files']}-file sample: {same['rate_wall']:.1f} msgs/s wall, "
                 f"{same['rate_cpu']:.1f} msgs/CPU-s ({same['ms_per_msg_cpu']:.2f} ms/msg)")
    if shutil.which("spamd") or Path("/usr/sbin/spamd").exists():
        work = Path(tempfile.mkdtemp(prefix="brandguard-bench-sa."))
        os.chmod(work, 0o755)
        try:
            log(f"scan: SpamAssassin (spamd -L, one child) over {len(sample)} files")
            sa = scan_spamassassin(sample, work, log)
        except infra.BenchError as exc:
            log(f"SpamAssassin failed: {exc}")
            sa = None
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if sa:
            out["spamassassin"] = sa
            out["ratio_cpu"] = same["rate_cpu"] / sa["rate_cpu"] if sa["rate_cpu"] else None
            out["ratio_wall"] = same["rate_wall"] / sa["rate_wall"]
            lines.append(f"SpamAssassin 4 (spamd -L, 1 child, spamc per file), same {sa['files']} files: "
                         f"{sa['rate_wall']:.1f} msgs/s wall, {sa['rate_cpu']:.1f} msgs/CPU-s "
                         f"({sa['ms_per_msg_cpu']:.1f} ms/msg; {sa['spam']} over its spam threshold)")
            lines.append(f"ratio brandguard / SpamAssassin: {out['ratio_cpu']:.1f}x per CPU-second, "
                         f"{out['ratio_wall']:.1f}x wall")
    else:
        lines.append("SpamAssassin not installed (apt-get install spamassassin spamd spamc): no ratio")
    if sa_cli:
        cli = spamassassin_cli(sample[:sa_cli])
        out["spamassassin_cli"] = cli
        lines.append(f"spamassassin -L -t per file (perl start-up each time), {cli['files']} files: "
                     f"{cli['rate_wall']:.2f} msgs/s wall")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--limit", type=int, default=0, help="scan a random N of the corpus files (0 = all)")
    ap.add_argument("--sa-sample", type=int, default=200)
    ap.add_argument("--sa-cli", type=int, default=0, help="also time `spamassassin -L -t` on N files")
    ap.add_argument("--policy", default=None)
    args = ap.parse_args()
    out = run(Path(args.corpus), limit=args.limit, sa_sample=args.sa_sample, sa_cli=args.sa_cli, policy=args.policy)
    for line in out.get("lines", []):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
