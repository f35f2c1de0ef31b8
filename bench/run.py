"""brandguard's benchmark (issue 8): Postfix's smtp-source into a private Postfix, with and without milters.

Configurations, all in one run against one private Postfix (one smtpd listener each):
  postfix          Postfix alone
  trivial          Postfix + a trivial pymilter (bench/trivial_milter.py; unix socket, data(), one header)
  brandguard-cold  Postfix + `brandguard run`, brandguard and unbound restarted before each run
  brandguard       Postfix + `brandguard run` with `analysis_processes: 1` ("analysis processes 1": the milter
                   process speaks the protocol, one process analyses; rspamd's proxy + one worker), warm
  rspamd           Postfix + Debian's rspamd (proxy worker in milter mode, offline, no redis)
  brandguard-ap2   `analysis_processes: 2` ("analysis processes 2"; `auto`, the default, on 2 cores)
  brandguard-x2-randmap  two `brandguard run` daemons (1 analysis process each); Postfix picks one per
                         connection (smtpd_milter_maps = randmap:{unix:a, unix:b})
  brandguard-tcp   (opt-in) brandguard over inet:127.0.0.1 (checks the TCP_NODELAY/data() fix)

Each run sends the message mix of bench/messages.py (one smtp-source per message type, -s sessions,
counts by weight; msgs/s = messages / summed smtp-source wall time), waits for the queue to drain and
reads milter CPU (/proc/PID/stat), RSS (VmRSS/VmHWM) and brandguard's eom latency histogram.
Then: offline scan vs SpamAssassin (bench/scan.py), a py-spy profile under load, and with
--long N an RSS soak test. Needs root (private Postfix, smtp-sink -u postfix).

    .venv/bin/python bench/run.py                 # dev: 2,000 messages per run, 3 runs
    .venv/bin/python bench/run.py --full          # 5,000 messages per run, 3 runs
    .venv/bin/python bench/run.py --only long --long 20000
Figures are noisy on a shared 2-core machine: never assert them in tests.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import infra  # noqa: E402
import messages  # noqa: E402
from infra import BenchError, Brandguard, Listener, MultiMilter, Rspamd, Trivial  # noqa: E402

ROOT = infra.ROOT
BUILD = ROOT / "build"
PHASES = ("throughput", "multicore", "capacity", "scan", "profile", "long")
# issue 17's targets (its "÷ Postfix alone >= 0.75" is withdrawn: on two cores shared with the MTA it bounds
# any pymilter, so that row is shown without a target)
TARGETS = {
    "bg_vs_rspamd": 1.2,
    "cpu_vs_rspamd": 0.8,  # brandguard CPU per message / rspamd's, at most
    "capacity_vs_trivial": 0.18,  # milter capacity without Postfix, brandguard-ap2 / the trivial pymilter
    "scan_vs_sa": 20.0,
    "cores_1_to_2": 1.7,
    "rss_mb": 150.0,
    "rss_growth_pct": 5.0,
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- the policy: the shipped one, with every registered check enabled -------------------------

def bench_policy(work: Path, shipped: Path) -> tuple[Path, list[str]]:
    """A copy of `shipped` (next to symlinks of its folder's files) enabling every registered check.

    Falls back to `shipped` unchanged when the extended policy does not validate (a check that
    needs parameters, or a module mid-edit).
    """
    from ruamel.yaml import YAML

    from brandguard.checks import registry
    from brandguard.errors import BrandguardError
    from brandguard.policy.loader import load_policy

    pdir = work / "policy"
    pdir.mkdir()
    for entry in shipped.parent.iterdir():
        if entry.name != shipped.name:
            (pdir / entry.name).symlink_to(entry)
    yaml = YAML()
    doc = yaml.load(shipped.read_text())
    checks = doc.get("checks") or {}
    added = []
    for name in registry.names():
        if name not in checks:
            checks[name] = {}
            added.append(name)
        elif isinstance(checks[name], dict) and checks[name].get("enabled") is False:
            checks[name]["enabled"] = True
            added.append(name)
    doc["checks"] = checks
    target = pdir / shipped.name
    with open(target, "w") as f:
        yaml.dump(doc, f)
    try:
        policy = load_policy(target)
        if added:
            log(f"bench policy: enabled {', '.join(added)} in addition to the shipped checks")
        return target, list(policy.enabled_checks)
    except (BrandguardError, Exception) as exc:  # noqa: BLE001 - report and carry on with the shipped policy
        log(f"bench policy with all checks does not load ({exc}); using {shipped} as shipped")
        return shipped, list(load_policy(shipped).enabled_checks)


# --- one measured run ------------------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.args = args
        self.work = Path(tempfile.mkdtemp(prefix="brandguard-bench."))
        os.chmod(self.work, 0o755)
        (self.work / "run").mkdir()
        os.chmod(self.work / "run", 0o755)
        self.mix = messages.build_mix(self.work / "mix")
        self.milters: dict[str, infra.Milter] = {}
        self.listeners: list[Listener] = []
        self.postfix: infra.Postfix | None = None
        self.results: list[dict] = []
        self.policy, self.checks = bench_policy(self.work, Path(args.policy))
        # --bg-set body_scan_limit=500000: a brandguard setting for every brandguard configuration (JSON values)
        self.bg_extra = {k: _value(v) for k, _, v in (kv.partition("=") for kv in args.bg_set)}
        log(f"policy {self.policy} with checks: {', '.join(self.checks) or '(none)'}")

    # set-up ---------------------------------------------------------------------------------
    def start(self, configs: list[str]) -> None:
        a = self.args
        self.unbound = infra.Unbound(self.mix.zones, self.work / "unbound").start()
        self.sink = infra.Sink(self.work)
        pol, dns = self.policy, self.unbound.port
        self.listeners.append(Listener("postfix", infra.free_port()))
        if "trivial" in configs:
            self.milters["trivial"] = Trivial(self.work)
            self.listeners.append(Listener("trivial", infra.free_port(), f"unix:{self.milters['trivial'].sock}"))
        if {"brandguard", "brandguard-cold", "brandguard-x2-randmap"} & set(configs):
            bg = self.milters["brandguard"] = Brandguard(self.work, "bg", pol, dns, extra=self.bg_extra)
            self.listeners.append(Listener("brandguard", infra.free_port(), bg.postfix_socket))
        if "brandguard-x2-randmap" in configs:
            bg, bg2 = self.milters["brandguard"], Brandguard(self.work, "bg2", pol, dns, extra=self.bg_extra)
            self.milters["brandguard-x2-randmap"] = MultiMilter("brandguard-x2-randmap", [bg, bg2])
            self.listeners.append(Listener("randmap", infra.free_port(), bg.postfix_socket,
                                           f"randmap:{{{bg.postfix_socket}, {bg2.postfix_socket}}}"))
        if "brandguard-ref" in configs:
            # the same daemon and policy from another source tree (before/after in one run: --reference)
            bg = self.milters["brandguard-ref"] = Brandguard(self.work, "bgref", pol, dns, extra=self.bg_extra,
                                                             env={"PYTHONPATH": str(Path(a.reference) / "milter")})
            self.listeners.append(Listener("ref", infra.free_port(), bg.postfix_socket))
        if "brandguard-ap2" in configs:
            bg = self.milters["brandguard-ap2"] = Brandguard(self.work, "bgap2", pol, dns, processes=2, extra=self.bg_extra)
            self.listeners.append(Listener("ap2", infra.free_port(), bg.postfix_socket))
        if "brandguard-tcp" in configs:
            self.milters["brandguard-tcp"] = Brandguard(self.work, "bgtcp", pol, dns, tcp=True, extra=self.bg_extra)
            self.listeners.append(Listener("tcp", infra.free_port(), self.milters["brandguard-tcp"].postfix_socket))
        if "rspamd" in configs:
            log("starting rspamd (first start compiles its hyperscan database: up to a minute)")
            self.milters["rspamd"] = Rspamd(self.work, dns, Path(a.rspamd_db))
            self.listeners.append(Listener("rspamd", infra.free_port(), f"unix:{self.milters['rspamd'].sock}"))
        if a.long:  # the soak test's own brandguard starts later, on this socket
            self.listeners.append(Listener("long", infra.free_port(), f"unix:{self.work / 'run' / 'bglong.sock'}"))
        self.postfix = infra.start_postfix(self.work, self.sink.port, self.listeners)
        log(f"private Postfix up in {self.work}: " + ", ".join(f"{ls.name}=127.0.0.1:{ls.port}" for ls in self.listeners))

    def stop(self) -> None:
        steps = [self.postfix.stop] if self.postfix else []
        steps += [m.stop for m in self.milters.values()]
        steps += [x.stop for x in (getattr(self, "sink", None), getattr(self, "unbound", None)) if x]
        for step in steps:
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - keep stopping the rest
                log(f"stop: {exc}")
        if self.args.keep:
            log(f"kept {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    def listener_for(self, config: str) -> Listener:
        name = {"brandguard-cold": "brandguard", "brandguard-x2-randmap": "randmap", "brandguard-ap2": "ap2",
                "brandguard-tcp": "tcp", "brandguard-ref": "ref"}.get(config, config)
        return next(ls for ls in self.listeners if ls.name == name)

    def milter_for(self, config: str) -> infra.Milter | None:
        return self.milters.get("brandguard" if config == "brandguard-cold" else config)

    # load -----------------------------------------------------------------------------------
    def send(self, port: int, total: int, sessions: int | None = None,
             interleave: bool | None = None) -> tuple[float, dict]:
        """Send `total` messages of the mix. Default: one type after the other, each over all sessions
        (msgs/s of the mix = messages / summed time). Interleaved: all types at once, sessions shared by
        weight (realistic memory: not 20 large messages at the same time)."""
        sessions = sessions or self.args.sessions
        if interleave if interleave is not None else self.args.interleave:
            split = self.mix.split(total)
            weights = sum(t.weight for t, _ in split)
            jobs = [(t.path, n, max(1, round(sessions * t.weight / weights)), t.mail_from) for t, n in split]
            seconds = infra.smtp_source_concurrent(port, jobs, messages.RCPT, messages.HELO,
                                                   self.work / "smtp-source.log")
            return seconds, {t.name: (n, seconds) for t, n in split}
        per_type, seconds = {}, 0.0
        for mtype, count in self.mix.split(total):
            t = infra.smtp_source(port, mtype.path, count, sessions, mtype.mail_from, messages.RCPT,
                                  messages.HELO, self.work / "smtp-source.log")
            per_type[mtype.name] = (count, t)
            seconds += t
        return seconds, per_type

    def settle(self) -> float:
        drained = self.postfix.wait_drained()
        self.postfix.purge_hold()
        return drained

    def measure(self, config: str, total: int, rep: int, sessions: int | None = None) -> dict:
        base = config.removesuffix("-1session")
        listener, milter = self.listener_for(base), self.milter_for(base)
        if config == "brandguard-cold":
            self.unbound.restart()
            milter.restart()
        self.settle()
        scr = getattr(milter, "scrape", None)
        before = scr() if scr else None
        cpu0 = milter.cpu() if milter else 0.0
        mta0 = self.postfix.cpu_snapshot()
        sink0 = infra.cpu_seconds(self.sink.proc.pid)
        src0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        sys0 = infra.system_cpu()
        seconds, per_type = self.send(listener.port, total, sessions)
        sys1 = infra.system_cpu()
        cpu1 = milter.cpu() if milter else 0.0
        mta1 = self.postfix.cpu_snapshot()
        sink1 = infra.cpu_seconds(self.sink.proc.pid)
        src1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        mem = milter.memory() if milter else {}
        after = scr() if scr else None
        drain = self.settle()
        res = {"config": config, "rep": rep, "msgs": total, "seconds": seconds, "rate": total / seconds,
               "per_type": {k: {"msgs": n, "seconds": t, "rate": n / t} for k, (n, t) in per_type.items()},
               "drain_s": drain, "machine_busy_pct": 100.0 * (sys1[0] - sys0[0]) / max(1, sys1[1] - sys0[1])}
        postfix_cpu = sum(v - mta0.get(p, 0.0) for p, v in mta1.items())
        source_cpu = (src1.ru_utime + src1.ru_stime) - (src0.ru_utime + src0.ru_stime)
        res["postfix_cpu_ms_per_msg"] = 1000.0 * postfix_cpu / total
        res["mta_cpu_ms_per_msg"] = 1000.0 * (postfix_cpu + source_cpu + sink1 - sink0) / total
        # all CPU the machine spent per message (Postfix, smtp-source, smtp-sink, milter, and anyone else's)
        res["machine_cpu_ms_per_msg"] = res["machine_busy_pct"] / 100 * (os.cpu_count() or 1) * seconds * 1000 / total
        if milter:
            res["cpu_ms_per_msg"] = 1000.0 * (cpu1 - cpu0) / total
            res["milter_cpu_pct_of_core"] = 100.0 * (cpu1 - cpu0) / seconds
            res.update(mem)
        if before is not None:
            h = infra.hist_delta(infra.histogram(after, "brandguard_eom_duration_seconds"),
                                 infra.histogram(before, "brandguard_eom_duration_seconds"))
            res["eom_count"] = h[2]
            res["eom_mean_ms"] = 1000.0 * h[1] / h[2] if h[2] else None
            for q in (0.5, 0.95, 0.99):
                v = infra.hist_quantile(q, h[0])
                res[f"eom_p{int(q * 100)}_ms"] = None if v is None else 1000.0 * v
            stages = {}
            for stage in infra_stage_names():
                sh = infra.hist_delta(infra.histogram(after, "brandguard_stage_duration_seconds", f'stage="{stage}"'),
                                      infra.histogram(before, "brandguard_stage_duration_seconds", f'stage="{stage}"'))
                if sh[2]:
                    stages[stage] = 1000.0 * sh[1] / sh[2]
            res["stage_mean_ms"] = stages
            res["dispositions"] = {labels: after[(m, labels)] - before.get((m, labels), 0.0)
                                   for (m, labels) in after if m == "brandguard_messages_total"
                                   and after[(m, labels)] - before.get((m, labels), 0.0) > 0}
            res["auth"] = {labels: after[(m, labels)] - before.get((m, labels), 0.0)
                           for (m, labels) in after if m == "brandguard_auth_results_total"
                           and after[(m, labels)] - before.get((m, labels), 0.0) > 0}
        return res

    # phases ---------------------------------------------------------------------------------
    def throughput(self, configs: list[str]) -> None:
        a = self.args
        log("mix: " + ", ".join(f"{t.name} {t.weight}% {t.size / 1024:.0f}KB" for t in self.mix.types)
            + f"; mean {self.mix.mean_size / 1024:.1f} KB; {a.messages} messages per run, {a.sessions} sessions")
        warm = max(100, a.messages // 10)
        for config in configs:
            if config != "brandguard-cold":
                log(f"warm-up {config}: {warm} messages")
                self.send(self.listener_for(config).port, warm)
        self.settle()
        for rep in range(1, a.reps + 1):
            for config in configs:
                res = self.measure(config, a.messages, rep)
                self.results.append(res)
                extra = ""
                if "cpu_ms_per_msg" in res:
                    extra = f", milter CPU {res['cpu_ms_per_msg']:.2f} ms/msg, RSS {res['max_rss_kb'] / 1024:.0f} MB"
                if res.get("eom_p50_ms") is not None:
                    extra += f", eom p50/p95/p99 {res['eom_p50_ms']:.1f}/{res['eom_p95_ms']:.1f}/{res['eom_p99_ms']:.1f} ms"
                log(f"run {rep}/{a.reps} {config:22} {res['rate']:7.1f} msgs/s ({res['seconds']:.1f} s, machine "
                    f"{res['machine_busy_pct']:.0f}% busy){extra}")
        if "brandguard" in configs:
            # latency without contention: one SMTP session, so no message waits for the GIL
            n = min(300, max(60, a.messages // 5))
            res = self.measure("brandguard-1session", n, 1, sessions=1)
            self.results.append(res)
            log(f"brandguard, 1 session, {n} messages: {res['rate']:.1f} msgs/s, eom p50/p95/p99 "
                f"{res['eom_p50_ms']:.1f}/{res['eom_p95_ms']:.1f}/{res['eom_p99_ms']:.1f} ms, "
                f"CPU {res['cpu_ms_per_msg']:.2f} ms/msg")

    def capacity(self, total: int, reps: int) -> dict:
        """Milter capacity without Postfix (bench/miltercap.py): 1 vs 2 analysis processes, same load."""
        import miltercap

        scripts = miltercap.weighted(self.mix.types, rcpt=messages.RCPT, helo=messages.HELO)
        out: dict = {}
        for config in ("trivial", "brandguard", "brandguard-ref", "brandguard-ap2"):
            milter = self.milters.get(config)
            if milter is None:
                continue
            miltercap.drive(milter.sock, scripts, min(total, 500), self.args.sessions)  # warm: caches, lazy imports
            runs = []
            for rep in range(reps):
                cpu0 = milter.cpu()
                res = miltercap.drive(milter.sock, scripts, total, self.args.sessions)
                res["milter_cpu_ms_per_msg"] = 1000 * (milter.cpu() - cpu0) / total
                runs.append(res)
                log(f"capacity {config} run {rep + 1}: {res['rate']:.1f} msgs/s, milter CPU "
                    f"{res['milter_cpu_ms_per_msg']:.2f} ms/msg, load generator {res['client_cpu_ms_per_msg']:.2f} "
                    f"ms/msg, replies {res['replies']}")
            out[config] = {"rate": statistics.median(r["rate"] for r in runs), "rates": [round(r["rate"], 1) for r in runs],
                           "milter_cpu_ms_per_msg": statistics.median(r["milter_cpu_ms_per_msg"] for r in runs),
                           "client_cpu_ms_per_msg": statistics.median(r["client_cpu_ms_per_msg"] for r in runs)}
        one, trivial = out.get("brandguard"), out.get("trivial")
        if one and out.get("brandguard-ap2"):
            out["cores_1_to_2"] = out["brandguard-ap2"]["rate"] / one["rate"]
        for config in ("brandguard", "brandguard-ap2", "brandguard-ref"):
            if trivial and out.get(config):
                out[f"{config}_vs_trivial"] = out[config]["rate"] / trivial["rate"]
        return out

    def profile(self, seconds_hint: int) -> dict:
        """py-spy under load on the warm brandguard and its analysis process: flamegraph SVG + top functions."""
        bg = self.milters.get("brandguard")
        pyspy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if bg is None or not os.path.exists(pyspy):
            log("profile skipped: " + ("no brandguard" if bg is None else "py-spy missing (pip install py-spy)"))
            return {}
        BUILD.mkdir(exist_ok=True)
        svg, raw = BUILD / "bench-flamegraph.svg", BUILD / "bench-profile.txt"
        # the analysis runs in the milter's grandchildren (the spawner's children)
        common = ["record", "-p", str(bg.proc.pid), "--subprocesses", "--nonblocking", "--gil", "-r", "200"]
        procs = [subprocess.Popen([pyspy, *common, "-f", "flamegraph", "-o", str(svg)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True),
                 subprocess.Popen([pyspy, *common, "-f", "raw", "-o", str(raw)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)]
        time.sleep(1.0)
        n = self.args.profile_messages
        log(f"profiling brandguard (pid {bg.proc.pid}) with py-spy while sending {n} messages")
        self.send(self.listener_for("brandguard").port, n)
        for p in procs:
            p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                _, err = p.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                err = "timeout"
            if p.returncode not in (0, -2, 130) and err:
                log(f"py-spy: {err.strip()[-300:]}")
        self.settle()
        top = top_functions(raw) if raw.exists() else {}
        top["svg"] = str(svg) if svg.exists() else None
        top["raw"] = str(raw) if raw.exists() else None
        return top

    def long_run(self, total: int) -> dict:
        """A fresh brandguard; RSS after the first chunk (start), at half way and at the end."""
        bg = Brandguard(self.work, "bglong", self.policy, self.unbound.port, extra=self.bg_extra)
        listener = self.listener_for("long")
        chunk = max(500, total // 20)
        samples, sent, t0 = [], 0, time.monotonic()
        try:
            while sent < total:
                n = min(chunk, total - sent)
                self.send(listener.port, n, interleave=True)
                sent += n
                if sent % (chunk * 4) == 0 or sent >= total:
                    self.settle()
                mem = bg.memory()
                samples.append({"sent": sent, "rss_kb": mem["rss_kb"], "hwm_kb": mem["hwm_kb"],
                                "t": time.monotonic() - t0})
                log(f"long run: {sent}/{total} sent, RSS {mem['rss_kb'] / 1024:.1f} MB (HWM {mem['hwm_kb'] / 1024:.1f} MB)")
        finally:
            bg.stop()
        start = samples[0]
        middle = min(samples, key=lambda s: abs(s["sent"] - total / 2))
        end = samples[-1]
        return {"messages": total, "seconds": end["t"], "start_mb": start["rss_kb"] / 1024,
                "middle_mb": middle["rss_kb"] / 1024, "end_mb": end["rss_kb"] / 1024,
                "hwm_mb": end["hwm_kb"] / 1024,
                "growth_pct": 100.0 * (end["rss_kb"] - start["rss_kb"]) / start["rss_kb"], "samples": samples}


def infra_stage_names() -> tuple[str, ...]:
    return ("auth", "content", "checks", "actions")


def top_functions(raw: Path, n: int = 15) -> dict:
    """Self and inclusive sample shares per function from py-spy's collapsed-stack output."""
    self_c: dict[str, int] = {}
    incl: dict[str, int] = {}
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        c = int(count)
        total += c
        frames = [_frame(f) for f in stack.split(";") if f]
        frames = [f for f in frames if not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        self_c[frames[-1]] = self_c.get(frames[-1], 0) + c
        for f in set(frames):
            incl[f] = incl.get(f, 0) + c
    def pick(d: dict, cap: float = 101.0) -> list[tuple[str, float]]:
        ranked = [(k, 100.0 * v / total) for k, v in sorted(d.items(), key=lambda kv: -kv[1])]
        return [(k, p) for k, p in ranked if p < cap][:n]

    # inclusive: leave out the wrappers every sample goes through (threads, Session.eom, Pipeline.process)
    return {"samples": total, "self": pick(self_c), "inclusive": pick(incl, cap=80.0)}


def _frame(f: str) -> str:
    # "function (path/to/file.py:123)" -> "function (file.py)"
    name, _, loc = f.partition(" (")
    loc = loc.rstrip(")")
    path = loc.rsplit(":", 1)[0]
    short = "/".join(Path(path).parts[-2:]) if path else ""
    return f"{name} ({short})" if short else name


# --- summary ---------------------------------------------------------------------------------

def median_of(results: list[dict], config: str, key: str):
    vals = [r[key] for r in results if r["config"] == config and r.get(key) is not None]
    return statistics.median(vals) if vals else None


# processes whose CPU one configuration can use at most (one GIL per Python process): the milter process and
# its analysis processes (the spawner idles)
PROCESSES = {"trivial": 1, "brandguard": 2, "brandguard-cold": 2, "brandguard-tcp": 2, "brandguard-ref": 2,
             "brandguard-ap2": 3,
             "brandguard-x2-randmap": 4, "rspamd": 2}


def summarise(bench: Bench, configs: list[str], prof: dict, scan: dict, long: dict | None, args) -> dict:
    R = bench.results
    rows = {}
    for c in configs + ["brandguard-1session"]:
        runs = [r for r in R if r["config"] == c]
        if not runs:
            continue
        rows[c] = {k: median_of(R, c, k) for k in ("rate", "cpu_ms_per_msg", "milter_cpu_pct_of_core", "eom_p50_ms",
                                                   "eom_p95_ms", "eom_p99_ms", "eom_mean_ms", "max_rss_kb",
                                                   "max_hwm_kb", "rss_kb", "hwm_kb", "pss_kb", "machine_busy_pct", "drain_s",
                                                   "machine_cpu_ms_per_msg", "postfix_cpu_ms_per_msg",
                                                   "mta_cpu_ms_per_msg")}
        rows[c]["rates"] = [round(r["rate"], 1) for r in runs]
        rows[c]["per_type_rate"] = {t: statistics.median(r["per_type"][t]["rate"] for r in runs)
                                    for t in runs[0]["per_type"]}
        last = runs[-1]
        for k in ("stage_mean_ms", "dispositions", "auth"):
            if k in last:
                rows[c][k] = last[k]
    cores = os.cpu_count() or 1
    for c, r in rows.items():
        # CPU model: the rate this configuration would reach if it had the machine to itself: every core
        # busy with this run's own processes only (Postfix + smtp-source + smtp-sink + the milter), and no
        # milter process above 100% of a core. Other developers' load does not enter it.
        mta, mil = r.get("mta_cpu_ms_per_msg"), r.get("cpu_ms_per_msg") or 0.0
        if not mta:
            r["model_rate"] = None
            continue
        cap = cores * 1000.0 / (mta + mil)
        if mil and c in PROCESSES:
            cap = min(cap, PROCESSES[c] * 1000.0 / mil)
        r["model_rate"] = cap

    def ratio(a, b, key="rate"):
        x, y = rows.get(a, {}).get(key), rows.get(b, {}).get(key)
        return x / y if x and y else None

    pairs = {"bg_vs_postfix": ("brandguard", "postfix"), "bg_cold_vs_postfix": ("brandguard-cold", "postfix"),
             "bg_vs_rspamd": ("brandguard", "rspamd"), "trivial_vs_postfix": ("trivial", "postfix"),
             "rspamd_vs_postfix": ("rspamd", "postfix"),
             # 1 -> 2 analysis processes, and two daemons behind Postfix's randmap for comparison
             "cores_ap2": ("brandguard-ap2", "brandguard"), "cores_randmap": ("brandguard-x2-randmap", "brandguard"),
             # the deployment a 2-core machine gets (`auto`; rspamd, too, runs a proxy and a worker process)
             "ap2_vs_postfix": ("brandguard-ap2", "postfix"), "ap2_vs_rspamd": ("brandguard-ap2", "rspamd"),
             "bg_vs_ref": ("brandguard", "brandguard-ref"), "ref_vs_rspamd": ("brandguard-ref", "rspamd")}
    def cpu_ratio(a, b):
        """Median over the repetitions of a's CPU per message / b's in the same repetition: the configurations of
        one repetition run back to back, so a slower spell of the shared machine weighs on both."""
        pairs_ = [(x["cpu_ms_per_msg"], y["cpu_ms_per_msg"]) for x in R if x["config"] == a
                  for y in R if y["config"] == b and y["rep"] == x["rep"]
                  and x.get("cpu_ms_per_msg") and y.get("cpu_ms_per_msg")]
        return statistics.median(p / q for p, q in pairs_) if pairs_ else None

    cpu_pairs = {"bg_vs_rspamd": ("brandguard", "rspamd"), "ap2_vs_rspamd": ("brandguard-ap2", "rspamd"),
                 "bg_vs_ref": ("brandguard", "brandguard-ref"), "ref_vs_rspamd": ("brandguard-ref", "rspamd")}
    return {"messages_per_run": args.messages, "cpus": cores, "reps": args.reps, "sessions": args.sessions,
            "reference": args.reference, "cpu_ratios": {k: cpu_ratio(a, b) for k, (a, b) in cpu_pairs.items()},
            "mix": [{"name": t.name, "weight": t.weight, "bytes": t.size} for t in bench.mix.types],
            "checks": bench.checks, "configs": rows, "results": R, "profile": prof, "scan": scan, "long": long,
            "ratios": {k: ratio(a, b) for k, (a, b) in pairs.items()},
            "model_ratios": {k: ratio(a, b, "model_rate") for k, (a, b) in pairs.items()}}


def _value(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


def fmt(v, spec=".1f", unit=""):
    return "-" if v is None else f"{v:{spec}}{unit}"


def verdict(value, target, higher=True):
    if value is None:
        return "n/a"
    return "PASS" if (value >= target if higher else value <= target) else "FAIL"


def print_report(s: dict) -> None:
    rows, ratios, model, cpu = s["configs"], s["ratios"], s["model_ratios"], s.get("cpu_ratios") or {}
    print()
    print(f"=== brandguard benchmark: {s['messages_per_run']} messages per run, {s['sessions']} sessions, "
          f"median of {s['reps']} runs, {s['cpus']} CPUs ===")
    print(f"checks enabled: {', '.join(s['checks']) or '-'}")
    print("mix: " + ", ".join(f"{m['name']} {m['weight']}% {m['bytes'] / 1024:.0f}KB" for m in s["mix"]))
    if rows:
        print(f"\n{'configuration':22} {'msgs/s':>7} {'runs':>22} {'model':>6} {'milter':>7} {'%core':>5} "
              f"{'MTA':>5} {'RSS':>5} {'HWM':>5} {'eom p50/p95/p99':>17} {'busy':>5}")
        print(f"{'':22} {'':>7} {'':>22} {'msg/s':>6} {'CPU ms':>7} {'':>5} {'CPUms':>5} {'MB':>5} {'MB':>5} "
              f"{'ms':>17} {'box':>5}")
        for c, r in rows.items():
            eom = "-" if r["eom_p50_ms"] is None else f"{r['eom_p50_ms']:.1f}/{r['eom_p95_ms']:.0f}/{r['eom_p99_ms']:.0f}"
            print(f"{c:22} {fmt(r['rate']):>7} {','.join(f'{x:g}' for x in r['rates']):>22} "
                  f"{fmt(r.get('model_rate'), '.0f'):>6} {fmt(r['cpu_ms_per_msg'], '.2f'):>7} "
                  f"{fmt(r['milter_cpu_pct_of_core'], '.0f'):>5} {fmt(r['mta_cpu_ms_per_msg'], '.2f'):>5} "
                  f"{fmt(r['max_rss_kb'] and r['max_rss_kb'] / 1024, '.0f'):>5} "
                  f"{fmt(r['max_hwm_kb'] and r['max_hwm_kb'] / 1024, '.0f'):>5} {eom:>17} "
                  f"{fmt(r['machine_busy_pct'], '.0f', '%'):>5}")
        print("  model: msgs/s with the machine to itself, from this run's CPU per message (Postfix + smtp-source +\n"
              "  smtp-sink = MTA, plus the milter; one core at most per milter process). milter CPU: all its processes.\n"
              "  RSS/HWM: the largest single milter process. busy: whole machine, other developers included.")
        print("\nper message type (msgs/s):")
        types = list(next(iter(rows.values()))["per_type_rate"])
        print(f"  {'':22} " + " ".join(f"{t:>15}" for t in types))
        for c, r in rows.items():
            print(f"  {c:22} " + " ".join(f"{r['per_type_rate'].get(t, 0):15.1f}" for t in types))
        for c, r in rows.items():
            if r.get("stage_mean_ms"):
                print(f"  {c}: mean stage ms " + ", ".join(f"{k} {v:.2f}" for k, v in r["stage_mean_ms"].items())
                      + f"; eom mean {fmt(r['eom_mean_ms'], '.2f')} ms")
        for c in ("brandguard",):
            r = rows.get(c, {})
            if r.get("auth"):
                print(f"  {c} auth results (last run): " + ", ".join(
                    f"{k.strip('{}')}={int(v)}" for k, v in sorted(r["auth"].items())).replace('"', ""))
            if r.get("dispositions"):
                print(f"  {c} verdicts (last run): " + ", ".join(
                    f"{k.strip('{}')}={int(v)}" for k, v in sorted(r["dispositions"].items())).replace('"', ""))
    prof = s.get("profile") or {}
    if prof.get("self"):
        print(f"\nprofile (py-spy --gil: where the GIL is held; {prof['samples']} samples; flamegraph {prof.get('svg')}):")
        print(f"  {'self':>5}  {'function':55}  {'incl.':>5}  function")
        for (fs, ps), (fi, pi) in zip(prof["self"], prof["inclusive"]):
            print(f"  {ps:5.1f}% {fs[:55]:55}  {pi:5.1f}% {fi[:60]}")
    scan = s.get("scan") or {}
    if scan:
        print("\noffline scan (one process = one core):")
        for line in scan.get("lines", []):
            print("  " + line)
    long = s.get("long")
    if long:
        print(f"\nlong run: {long['messages']} messages in {long['seconds']:.0f} s; RSS start {long['start_mb']:.1f} MB, "
              f"middle {long['middle_mb']:.1f} MB, end {long['end_mb']:.1f} MB (HWM {long['hwm_mb']:.1f} MB), "
              f"growth {long['growth_pct']:+.1f}%")
    bg = rows.get("brandguard", {})
    one = rows.get("brandguard-1session", {})
    hwm = [r["max_hwm_kb"] for c, r in rows.items() if c.startswith("brandguard") and r.get("max_hwm_kb")]
    burst_mb = max(hwm) / 1024 if hwm else None  # one type at a time: 20 x 500 KB messages at once
    soak_mb = long["hwm_mb"] if long else None  # interleaved mix
    rss_mb = soak_mb if soak_mb is not None else burst_mb
    keys = ("cores_ap2", "cores_randmap")
    best = max([ratios[k] for k in keys if ratios.get(k)], default=None)
    best_model = max([model[k] for k in keys if model.get(k)], default=None)
    rs = rows.get("rspamd", {})
    cap = s.get("capacity") or {}
    if any(isinstance(v, dict) for v in cap.values()):
        print("\nmilter capacity: the mix sent straight to the milter socket in the milter protocol (bench/miltercap.py),"
              f" {s['sessions']} connections, no Postfix on the cores:")
        for c, r in cap.items():
            if isinstance(r, dict):
                print(f"  {c:22} {r['rate']:7.1f} msgs/s (runs {', '.join(f'{x:g}' for x in r['rates'])}), milter CPU "
                      f"{r['milter_cpu_ms_per_msg']:.2f} ms/msg, load generator {r['client_cpu_ms_per_msg']:.2f} ms/msg")
    lat = lambda r: "-" if r.get("eom_p50_ms") is None else f"{r['eom_p50_ms']:.1f}/{r['eom_p95_ms']:.1f}/{r['eom_p99_ms']:.1f}"  # noqa: E731
    print("\n=== figures vs targets (status on the measured value; model = CPU model, see above) ===")
    print(f"  {'figure':48} {'measured':>16} {'model':>8} {'target':>9} {'status':>6}")
    table = [
        ("Postfix alone, msgs/s", fmt(rate_of(rows, "postfix")), fmt(rows.get("postfix", {}).get("model_rate"), ".0f"), "", ""),
        ("Postfix + trivial pymilter, msgs/s", fmt(rate_of(rows, "trivial")), fmt(rows.get("trivial", {}).get("model_rate"), ".0f"), "", ""),
        ("Postfix + rspamd, msgs/s", fmt(rate_of(rows, "rspamd")), fmt(rows.get("rspamd", {}).get("model_rate"), ".0f"), "", ""),
        ("Postfix + brandguard (warm), msgs/s", fmt(rate_of(rows, "brandguard")), fmt(bg.get("model_rate"), ".0f"), "", ""),
        ("Postfix + brandguard (cold), msgs/s", fmt(rate_of(rows, "brandguard-cold")),
         fmt(rows.get("brandguard-cold", {}).get("model_rate"), ".0f"), "", ""),
        ("brandguard, analysis processes 1 / Postfix alone", fmt(ratios["bg_vs_postfix"], ".2f"),
         fmt(model["bg_vs_postfix"], ".2f"), "", ""),
        ("brandguard, analysis processes 1 / rspamd", fmt(ratios["bg_vs_rspamd"], ".2f"), fmt(model["bg_vs_rspamd"], ".2f"),
         f">= {TARGETS['bg_vs_rspamd']}", verdict(ratios["bg_vs_rspamd"], TARGETS["bg_vs_rspamd"])),
        ("brandguard, analysis processes 2 / Postfix", fmt(ratios.get("ap2_vs_postfix"), ".2f"),
         fmt(model.get("ap2_vs_postfix"), ".2f"), "", ""),
        ("brandguard, analysis processes 2 / rspamd", fmt(ratios.get("ap2_vs_rspamd"), ".2f"),
         fmt(model.get("ap2_vs_rspamd"), ".2f"), f">= {TARGETS['bg_vs_rspamd']}",
         verdict(ratios.get("ap2_vs_rspamd"), TARGETS["bg_vs_rspamd"])),
        (f"brandguard eom latency p50/p95/p99 ms, {s['sessions']} sess.", lat(bg), "", "", ""),
        ("brandguard eom latency p50/p95/p99 ms, 1 session", lat(one), "", "", ""),
        ("brandguard CPU per message, ms", fmt(bg.get("cpu_ms_per_msg"), ".2f"), "", "", ""),
        ("trivial pymilter CPU per message, ms", fmt(rows.get("trivial", {}).get("cpu_ms_per_msg"), ".2f"), "", "", ""),
        ("rspamd CPU per message (all processes), ms", fmt(rows.get("rspamd", {}).get("cpu_ms_per_msg"), ".2f"), "", "", ""),
        *[(f"{label} CPU per message / rspamd's", fmt(cpu.get(key), ".2f"), "", f"<= {TARGETS['cpu_vs_rspamd']}",
           verdict(cpu.get(key), TARGETS["cpu_vs_rspamd"], higher=False))
          for label, key in (("brandguard, a.p. 1,", "bg_vs_rspamd"), ("brandguard, a.p. 2,", "ap2_vs_rspamd"))],
        *[(f"capacity {c} / trivial pymilter", fmt(cap.get(f"{c}_vs_trivial"), ".3f"), "",
           f">= {TARGETS['capacity_vs_trivial']}", verdict(cap.get(f"{c}_vs_trivial"), TARGETS["capacity_vs_trivial"]))
          for c in ("brandguard", "brandguard-ap2")],
        *([("this tree / --reference tree, CPU per message", fmt(cpu.get("bg_vs_ref"), ".3f"), "", "", ""),
           ("this tree / --reference tree, msgs/s", fmt(ratios.get("bg_vs_ref"), ".3f"), "", "", ""),
           ("--reference tree CPU per message / rspamd's", fmt(cpu.get("ref_vs_rspamd"), ".2f"), "", "", ""),
           ("capacity --reference tree / trivial pymilter", fmt(cap.get("brandguard-ref_vs_trivial"), ".3f"), "", "", "")]
          if s.get("reference") else []),
        ("Postfix+smtp-source+smtp-sink CPU per message, ms", fmt(rows.get("postfix", {}).get("mta_cpu_ms_per_msg"), ".2f"),
         "", "", ""),
        ("1 -> 2 analysis processes", fmt(ratios["cores_ap2"], ".2f", "x"), fmt(model["cores_ap2"], ".2f", "x"), "", ""),
        ("1 -> 2 daemons behind Postfix randmap", fmt(ratios["cores_randmap"], ".2f", "x"),
         fmt(model["cores_randmap"], ".2f", "x"), "", ""),
        ("1 -> 2 cores, best (through Postfix)", fmt(best, ".2f", "x"), fmt(best_model, ".2f", "x"),
         f">= {TARGETS['cores_1_to_2']}x", verdict(best, TARGETS["cores_1_to_2"])),
        ("1 -> 2 analysis processes, capacity (no MTA)", fmt(cap.get("cores_1_to_2"), ".2f", "x"), "",
         f">= {TARGETS['cores_1_to_2']}x", verdict(cap.get("cores_1_to_2"), TARGETS["cores_1_to_2"])),
        ("scan / SpamAssassin (per core, CPU)", fmt(scan.get("ratio_cpu"), ".1f", "x"), "", f">= {TARGETS['scan_vs_sa']:.0f}x",
         verdict(scan.get("ratio_cpu"), TARGETS["scan_vs_sa"])),
        ("brandguard RSS high-water mark, mixed traffic, MB", fmt(rss_mb, ".0f"), "", f"<= {TARGETS['rss_mb']:.0f}",
         verdict(rss_mb, TARGETS["rss_mb"], higher=False)),
        ("  (from " + ("the soak test" if soak_mb is not None else "the throughput runs") + "; burst of 20 x 500 KB: "
         + fmt(burst_mb, ".0f") + " MB)", "", "", "", ""),
        *[(f"brandguard, analysis processes {n}: PSS / summed RSS, MB",
           f"{fmt(r.get('pss_kb') and r['pss_kb'] / 1024, '.0f')} / {fmt(r.get('rss_kb') and r['rss_kb'] / 1024, '.0f')}",
           "", f"<= {TARGETS['rss_mb']:.0f}", verdict(r.get("pss_kb") and r["pss_kb"] / 1024, TARGETS["rss_mb"], higher=False))
          for n, r in ((1, rows.get("brandguard", {})), (2, rows.get("brandguard-ap2", {}))) if r],
        ("rspamd, all processes: PSS / summed RSS, MB",
         f"{fmt(rs.get('pss_kb') and rs['pss_kb'] / 1024, '.0f')} / {fmt(rs.get('rss_kb') and rs['rss_kb'] / 1024, '.0f')}",
         "", "", ""),
        ("RSS growth over the long run, %", fmt(long and long["growth_pct"], "+.1f"), "", f"< {TARGETS['rss_growth_pct']:.0f}",
         verdict(long and long["growth_pct"], TARGETS["rss_growth_pct"], higher=False)),
    ]
    for name, value, mod, target, status in table:
        print(f"  {name:48} {value:>16} {mod:>8} {target:>9} {status:>6}")
    print("(noisy: a shared 2-core machine; smtp-source, Postfix, the milters and other developers share the cores)")


def rate_of(rows, c):
    return rows.get(c, {}).get("rate")


def main() -> int:
    ap = argparse.ArgumentParser(description="brandguard benchmark (issue 8)", epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--messages", type=int, default=2000, help="messages per run (default 2000; --full: 5000)")
    ap.add_argument("--full", action="store_true", help="the full run: 5000 messages per run")
    ap.add_argument("--reps", type=int, default=3, help="runs per configuration; the median is reported")
    ap.add_argument("-s", "--sessions", type=int, default=20, help="parallel SMTP sessions (smtp-source -s)")
    ap.add_argument("--configs", default="postfix,trivial,brandguard-cold,brandguard,brandguard-ap2,rspamd",
                    help="throughput configurations (comma list; add brandguard-tcp to check the TCP path)")
    ap.add_argument("--only", help=f"comma list of phases among {','.join(PHASES)} (default: all but long; "
                                   "long is added by --long)")
    ap.add_argument("--skip", default="", help="comma list of phases to skip")
    ap.add_argument("--long", type=int, default=0, metavar="N", help="RSS soak test with N messages (e.g. 20000)")
    ap.add_argument("--interleave", action="store_true",
                    help="send all message types at once (sessions shared by weight) instead of one type after the other")
    ap.add_argument("--profile-messages", type=int, default=1500, help="messages sent while py-spy records")
    ap.add_argument("--scan-limit", type=int, default=0, help="corpus files for the offline scan (0 = all)")
    ap.add_argument("--sa-sample", type=int, default=200, help="corpus files given to SpamAssassin")
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--policy", default=str(ROOT / "policies" / "default.yaml"))
    ap.add_argument("--rspamd-db", default="/var/tmp/brandguard-bench-rspamd-db",
                    help="rspamd's DBDIR, kept across runs so the hyperscan database is compiled once")
    ap.add_argument("--json", default=str(BUILD / "bench.json"), help="where to write every figure")
    ap.add_argument("--bg-set", action="append", default=[], metavar="KEY=VALUE",
                    help="a brandguard setting for all brandguard configurations, e.g. body_scan_limit=500000")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, configs)")
    ap.add_argument("--reference", metavar="TREE",
                    help="another source tree (e.g. `git worktree add /tmp/before HEAD~3`): its brandguard runs as "
                         "configuration brandguard-ref beside this tree's, same policy, same runs (before/after)")
    args = ap.parse_args()
    if args.full and args.messages == 2000:
        args.messages = 5000
    if os.geteuid() != 0:
        print("bench/run.py needs root: a private Postfix instance and smtp-sink -u postfix", file=sys.stderr)
        return 2
    phases = set(args.only.split(",")) if args.only else set(PHASES) - {"long"}
    if args.long:
        phases.add("long")
    phases -= set(filter(None, args.skip.split(",")))
    configs = [c for c in args.configs.split(",") if c]
    if args.reference and "brandguard-ref" not in configs:
        configs.insert(configs.index("brandguard") + 1 if "brandguard" in configs else len(configs), "brandguard-ref")
    if "multicore" in phases:
        for c in ("brandguard", "brandguard-ap2", "brandguard-x2-randmap"):
            if c not in configs:
                configs.append(c)
    if "capacity" in phases:
        configs += [c for c in ("brandguard", "brandguard-ap2") if c not in configs]
    needs_stack = {"throughput", "multicore", "capacity", "profile", "long"} & phases
    if not {"throughput", "multicore", "capacity"} & phases:
        configs = ["brandguard"] if needs_stack else []
    bench = Bench(args)
    prof, scan, long, cap = {}, {}, None, {}
    try:
        if needs_stack:
            bench.start(configs)
            if {"throughput", "multicore"} & phases:
                bench.throughput(configs)
            if "capacity" in phases:
                cap = bench.capacity(max(args.messages, 3000), args.reps)
            if "profile" in phases:
                prof = bench.profile(args.profile_messages)
        if "long" in phases:
            long = bench.long_run(args.long or 20000)
        if "scan" in phases:
            import scan as scan_mod

            scan = scan_mod.run(Path(args.corpus), limit=args.scan_limit, sa_sample=args.sa_sample,
                                policy=str(bench.policy), log=log)
    except BenchError as exc:
        log(f"FAILED: {exc}")
        if bench.postfix:
            print(bench.postfix.maillog()[-2000:])
        return 1
    finally:
        bench.stop()
    summary = summarise(bench, configs, prof, scan, long, args)
    summary["capacity"] = cap
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(summary, indent=1, default=str))
    print_report(summary)
    print(f"\nall figures: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
