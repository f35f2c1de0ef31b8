"""Services for the benchmark: unbound, smtp-sink, a private Postfix, the milters, and /proc probes.

Everything runs on loopback under one temporary directory; nothing touches /etc/postfix or port 25.
Follows tests/fixtures/postfix.py and /work/shared/docs/postfix-notes.md (chroot n, maillog_file,
one smtpd listener per milter wiring so no `postfix reload` is needed).
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
PY = sys.executable
POSTFIX = "/usr/sbin/postfix"
SMTP_SINK = "/usr/sbin/smtp-sink"
SMTP_SOURCE = "/usr/sbin/smtp-source"
UNBOUND = shutil.which("unbound") or "/usr/sbin/unbound"
RSPAMD = shutil.which("rspamd") or "/usr/bin/rspamd"
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    pass


# --- small helpers ---------------------------------------------------------------------------

# Shared with the test fixtures, so the bench and the e2e tests wait and allocate ports the same way.
sys.path.insert(0, str(ROOT / "tests"))
from fixtures.support import free_port, free_udp_tcp_port, port_open  # noqa: E402
from fixtures.support import poll as _poll  # noqa: E402
from fixtures.support import unix_socket_open as unix_open  # noqa: E402


def poll(probe, timeout: float, what: str, interval: float = 0.05):
    try:
        return _poll(probe, timeout, what, interval)
    except TimeoutError as exc:
        raise BenchError(str(exc)) from None


def stop_pid(pid: int, timeout: float = 20.0) -> None:
    """SIGTERM and wait on the PID (libmilter takes seconds to stop), SIGKILL after `timeout`."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class stop_on_error:
    """Context manager: if the block raises, stop the process (no orphan when a readiness wait fails)."""

    def __init__(self, proc: Proc):
        self.proc = proc

    def __enter__(self):
        return self.proc

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.proc.stop(10)
        return False


class Proc:
    """A child process with its output in a log file."""

    def __init__(self, name: str, argv: list[str], log: Path, env: dict | None = None, cwd: Path | None = None):
        self.name, self.argv, self.log = name, argv, log
        with open(log, "ab") as out:
            self.popen = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                          start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def check(self) -> None:
        if not self.alive():
            raise BenchError(f"{self.name} exited rc={self.popen.returncode}:\n{self.tail()}")

    def tail(self, n: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self, timeout: float = 20.0) -> None:
        if self.alive():
            stop_pid(self.pid, timeout)
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)


# --- /proc probes ----------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except OSError:
        return 0.0


def memory_kb(pid: int) -> dict[str, int]:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    try:
        # PSS splits pages shared between processes (a pre-forked worker's copy-on-write memory) among them,
        # so summed over a process group it is the memory the group really holds; summed RSS counts them twice
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    out["Pss"] = int(line.split()[1])
                    break
    except OSError:
        pass
    return out


def children_of(pid: int) -> list[int]:
    """Direct and indirect children (from /proc/*/stat PPid)."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    parents[int(name)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        found += kids
        frontier += kids
    return found


def system_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, for utilisation over an interval."""
    with open("/proc/stat") as f:
        vals = [int(v) for v in f.readline().split()[1:]]
    idle = vals[3] + vals[4]
    return sum(vals) - idle, sum(vals)


# --- Prometheus text parsing -----------------------------------------------------------------

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')


def scrape(port: int) -> dict[tuple[str, str], float]:
    """{(metric, labels): value} from http://127.0.0.1:port/metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if m:
            try:
                out[(m.group(1), m.group(2) or "")] = float(m.group(3))
            except ValueError:
                pass
    return out


def histogram(samples: dict, name: str, label_filter: str = "") -> tuple[list[tuple[float, float]], float, float]:
    """([(le, cumulative count)], sum, count) of one histogram (optionally the series matching a label)."""
    buckets = []
    total_sum = total_count = 0.0
    for (metric, labels), value in samples.items():
        if label_filter and label_filter not in labels:
            continue
        if metric == f"{name}_bucket":
            le = re.search(r'le="([^"]+)"', labels).group(1)
            buckets.append((float("inf") if le == "+Inf" else float(le), value))
        elif metric == f"{name}_sum":
            total_sum += value
        elif metric == f"{name}_count":
            total_count += value
    merged: dict[float, float] = {}
    for le, v in buckets:
        merged[le] = merged.get(le, 0.0) + v
    return sorted(merged.items()), total_sum, total_count


def hist_delta(after, before):
    b_before = dict(before[0])
    return [(le, v - b_before.get(le, 0.0)) for le, v in after[0]], after[1] - before[1], after[2] - before[2]


def hist_quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Prometheus' histogram_quantile: linear interpolation inside the bucket."""
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    prev_le, prev_count = 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if le == float("inf"):
                return prev_le
            if count == prev_count:
                return le
            return prev_le + (le - prev_le) * (rank - prev_count) / (count - prev_count)
        prev_le, prev_count = le, count
    return prev_le


# --- unbound ---------------------------------------------------------------------------------

def _local_data(name: str, rtype: str, value: str, ttl: int = 3600) -> str:
    if rtype == "TXT":
        data = value.encode()
        chunks = [data[i:i + 255].decode() for i in range(0, len(data), 255)]
        rdata = " ".join('"' + c.replace('"', '\\"') + '"' for c in chunks)
    elif rtype in ("CNAME", "PTR", "NS"):
        rdata = value.rstrip(".") + "."
    elif rtype == "MX":
        pref, host = value.split()
        rdata = f"{pref} {host.rstrip('.')}."
    else:
        rdata = value
    return f"    local-data: '{name}. {ttl} IN {rtype} {rdata}'"


class Unbound:
    """unbound on 127.0.0.1:port serving the mix's zones; NXDOMAIN for every other name (offline)."""

    def __init__(self, zones: dict, work: Path):
        self.work = work
        work.mkdir(parents=True, exist_ok=True)
        self.port = free_udp_tcp_port()
        lines = ["server:", '    username: ""', '    chroot: ""', f'    directory: "{work}"',
                 f'    pidfile: "{work}/unbound.pid"', f'    logfile: "{work}/unbound.log"', "    use-syslog: no",
                 "    verbosity: 0", "    interface: 127.0.0.1", f"    port: {self.port}", "    do-ip6: no",
                 "    num-threads: 1", "    access-control: 127.0.0.0/8 allow", '    module-config: "iterator"',
                 '    local-zone: "." static',
                 "    local-data: '. 3600 IN SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 300'",
                 "    local-data: 'ready.bench.test. 3600 IN TXT \"ok\"'"]
        for name, records in zones.items():
            for rtype, value in records:
                lines.append(_local_data(name, rtype, value))
        lines.append("remote-control:\n    control-enable: no")
        self.conf = work / "unbound.conf"
        self.conf.write_text("\n".join(lines) + "\n")
        self.proc: Proc | None = None

    def start(self) -> Unbound:
        self.proc = Proc("unbound", [UNBOUND, "-d", "-c", str(self.conf)], self.work / "unbound.stderr")
        with stop_on_error(self.proc):
            poll(self._ready, 15, f"unbound on port {self.port}")
        return self

    def _ready(self) -> bool:
        self.proc.check()
        import dns.exception
        import dns.message
        import dns.query

        try:
            reply = dns.query.udp(dns.message.make_query("ready.bench.test", "TXT"), "127.0.0.1", port=self.port,
                                  timeout=0.3)
        except dns.exception.Timeout:
            return False
        return bool(reply.answer)

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        if self.proc:
            self.proc.stop(10)


# --- smtp-sink and Postfix -------------------------------------------------------------------

class Sink:
    """Postfix's smtp-sink standing in for the next hop (accepts and discards)."""

    def __init__(self, work: Path):
        self.port = free_port()
        self.proc = Proc("smtp-sink", [SMTP_SINK, "-u", "postfix", "-h", "sink.bench.test",
                                       f"127.0.0.1:{self.port}", "1024"], work / "smtp-sink.log")
        with stop_on_error(self.proc):
            poll(lambda: self.proc.check() or port_open(self.port), 15, "smtp-sink")

    def stop(self) -> None:
        self.proc.stop(5)


MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {pf}/spool
data_directory = {pf}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.bench.test
mydomain = bench.test
myorigin = $myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relayhost = [127.0.0.1]:{sink_port}
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtpd_peername_lookup = no
local_header_rewrite_clients =
biff = no
maillog_file_prefixes = {pf}
maillog_file = {pf}/maillog
milter_default_action = tempfail
milter_protocol = 6
milter_content_timeout = 120s
milter_end_of_data_macros = i
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
smtp_connect_timeout = 5s
# keep Postfix's daemons alive for the whole run so /proc accounts all their CPU (default max_use 100)
max_use = 1000000
max_idle = 3600s
# smtpd_milter_maps per listener (keyed on client IP): randmap picks one milter per connection
{extra}
"""

DAEMONS = """\
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
proxywrite unix - - n -  1 proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
local     unix  - n n -  - local
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


@dataclass
class Listener:
    name: str
    port: int
    milters: str = ""  # Postfix syntax, "" = no milter
    milter_maps: str = ""  # e.g. randmap:{unix:/a,unix:/b}


@dataclass
class Postfix:
    pf: Path
    conf: Path
    listeners: dict[str, Listener] = field(default_factory=dict)

    def cmd(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(list(args), capture_output=True, text=True)
        if check and proc.returncode != 0:
            # Postfix prints errors only to a TTY (notes, gotcha 1): show the maillog instead
            raise BenchError(f"{' '.join(args)} failed rc={proc.returncode}: {proc.stderr}\n{self.maillog()[-3000:]}")
        return proc

    def maillog(self) -> str:
        try:
            return (self.pf / "maillog").read_text(errors="replace")
        except OSError:
            return ""

    def queued(self) -> int:
        """Messages waiting in incoming/active/deferred/maildrop (hold is excluded)."""
        n = 0
        for sub in ("maildrop", "incoming", "active", "deferred"):
            for _dir, _subdirs, files in os.walk(self.pf / "spool" / sub):
                n += len(files)
        return n

    def held(self) -> int:
        return sum(len(files) for _d, _s, files in os.walk(self.pf / "spool" / "hold"))

    def wait_drained(self, timeout: float = 600) -> float:
        t0 = time.monotonic()
        poll(lambda: self.queued() == 0, timeout, "the Postfix queue to drain", interval=0.2)
        return time.monotonic() - t0

    def purge_hold(self) -> None:
        if self.held():
            self.cmd("/usr/sbin/postsuper", "-c", str(self.conf), "-d", "ALL", "hold", check=False)

    def master_pid(self) -> int | None:
        try:
            return int((self.pf / "spool" / "pid" / "master.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def cpu_snapshot(self) -> dict[int, float]:
        """CPU seconds of the master and every Postfix daemon it runs, by PID."""
        master = self.master_pid()
        if master is None:
            return {}
        return {p: cpu_seconds(p) for p in [master, *children_of(master)]}

    def stop(self) -> None:
        self.cmd(POSTFIX, "-c", str(self.conf), "stop", check=False)
        pid_file = self.pf / "spool" / "pid" / "master.pid"

        def gone() -> bool:
            try:
                return not pid_alive(int(pid_file.read_text().split()[0]))
            except (OSError, ValueError, IndexError):
                return True
        poll(gone, 30, "postfix master to exit", interval=0.1)


def start_postfix(work: Path, sink_port: int, listeners: list[Listener]) -> Postfix:
    pf = work / "pf"
    conf = pf / "etc"
    for d in (pf / "spool", pf / "data", conf):
        d.mkdir(parents=True, exist_ok=True)
    shutil.chown(pf / "data", "postfix")
    os.chmod(pf, 0o755)
    extra = "\n".join(f"{ls.name}_milter_maps = {ls.milter_maps}" for ls in listeners if ls.milter_maps)
    (conf / "main.cf").write_text(MAIN_CF.format(pf=pf, sink_port=sink_port, extra=extra))
    lines = []
    for ls in listeners:
        line = f"127.0.0.1:{ls.port} inet n - n - - smtpd -o syslog_name=postfix/{ls.name} -o smtpd_milters={ls.milters}"
        if ls.milter_maps:
            line += f" -o smtpd_milter_maps=${ls.name}_milter_maps"
        lines.append(line)
    (conf / "master.cf").write_text("\n".join(lines) + "\n" + DAEMONS)
    post = Postfix(pf=pf, conf=conf, listeners={ls.name: ls for ls in listeners})
    post.cmd(POSTFIX, "-c", str(conf), "check")
    post.cmd(POSTFIX, "-c", str(conf), "start")
    for ls in listeners:
        poll(lambda ls=ls: port_open(ls.port), 30, f"postfix smtpd on port {ls.port}")
    return post


# --- milters ---------------------------------------------------------------------------------

class Milter:
    """A milter made of one or more processes; `pids` are the ones whose CPU/RSS we account."""

    name = "milter"
    metrics_ports: list[int] = []

    def pids(self) -> list[int]:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def cpu(self) -> float:
        return sum(cpu_seconds(p) for p in self.pids())

    def memory(self) -> dict[str, int]:
        """Summed VmRSS/VmHWM/PSS in kB over the processes, plus the largest single process's RSS/HWM."""
        mems = [memory_kb(p) for p in self.pids()]
        return {"rss_kb": sum(m.get("VmRSS", 0) for m in mems), "hwm_kb": sum(m.get("VmHWM", 0) for m in mems),
                "max_rss_kb": max((m.get("VmRSS", 0) for m in mems), default=0),
                "max_hwm_kb": max((m.get("VmHWM", 0) for m in mems), default=0),
                "pss_kb": sum(m.get("Pss", 0) for m in mems)}


class Trivial(Milter):
    name = "trivial"

    def __init__(self, work: Path):
        self.sock = str(work / "run" / "trivial.sock")
        self.proc = Proc("trivial milter", [PY, str(BENCH / "trivial_milter.py"), f"unix:{self.sock}"],
                         work / "trivial.log")
        with stop_on_error(self.proc):
            poll(lambda: self.proc.check() or unix_open(self.sock), 30, "trivial milter")

    def pids(self):
        return [self.proc.pid]

    def stop(self):
        self.proc.stop()


def brandguard_settings(path: Path, socket_spec: str, policy: Path, dns_port: int, metrics_port: int,
                        extra: dict | None = None) -> Path:
    import json

    settings = {
        "milter": {"socket": socket_spec, "socket_mode": "0666"},
        "policy": str(policy),
        "allow_root": True,
        "metrics": {"enabled": True, "listen": "127.0.0.1", "port": metrics_port},
        "auth": {"nameservers": ["127.0.0.1"], "port": dns_port},
        # the campaign memory learns as in a deployment, in this configuration's own store
        "state_dir": str(path.parent / f"{path.stem}.state"),
    }
    for key, value in (extra or {}).items():
        settings[key] = {**settings.get(key, {}), **value} if isinstance(value, dict) else value
    path.write_text(json.dumps(settings, indent=2))  # JSON is YAML
    return path


class Brandguard(Milter):
    """`brandguard run` with `analysis_processes: N` (any other setting in `extra`). CPU and memory figures cover
    every process it forks: the spawner and the analysis processes."""

    def __init__(self, work: Path, name: str, policy: Path, dns_port: int, processes: int = 1,
                 extra: dict | None = None, tcp: bool = False, env: dict | None = None):
        self.work, self.name, self.policy, self.dns_port, self.processes = work, name, policy, dns_port, processes
        self.extra, self.tcp, self.env = {**(extra or {}), "analysis_processes": processes}, tcp, env or {}
        self.sock = str(work / "run" / f"{name}.sock")
        self.tcp_port = free_port() if tcp else 0
        self.proc: Proc | None = None
        self.start()

    @property
    def postfix_socket(self) -> str:
        return f"inet:127.0.0.1:{self.tcp_port}" if self.tcp else f"unix:{self.sock}"

    def start(self) -> None:
        self.metrics_ports = [free_port()]  # the milter process records the metrics of all its processes
        settings = brandguard_settings(self.work / f"{self.name}.yaml", self.postfix_socket, self.policy,
                                       self.dns_port, self.metrics_ports[0], self.extra)
        env = {**os.environ, "PYTHONPATH": str(ROOT / "milter"), **self.env}
        log = self.work / f"{self.name}.log"
        argv = [PY, "-m", "brandguard", "run", "--config", str(settings)]
        self.proc = Proc(self.name, argv, log, env=env, cwd=self.work)
        ready = (lambda: port_open(self.tcp_port)) if self.tcp else (lambda: unix_open(self.sock))
        with stop_on_error(self.proc):
            poll(lambda: self.proc.check() or ready(), 60, f"{self.name} listening")
            for port in self.metrics_ports:
                poll(lambda port=port: self.proc.check() or port_open(port), 30, f"{self.name} metrics on {port}")

    def pids(self):
        return [self.proc.pid] + children_of(self.proc.pid)

    def stop(self):
        if self.proc:
            forked = children_of(self.proc.pid)  # the spawner and analysis processes: none may outlive the run
            self.proc.stop(50)  # brandguard finishes messages in flight first (up to 30 s)
            for pid in forked:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def restart(self):
        self.stop()
        if not self.tcp:
            Path(self.sock).unlink(missing_ok=True)
        self.start()

    def scrape(self) -> dict:
        merged: dict = {}
        for port in self.metrics_ports:
            for key, value in scrape(port).items():
                merged[key] = merged.get(key, 0.0) + value
        return merged


class MultiMilter(Milter):
    """Several independent milters whose figures are summed (e.g. two brandguards behind randmap)."""

    def __init__(self, name: str, parts: list[Milter]):
        self.name, self.parts = name, parts
        self.metrics_ports = [p for m in parts for p in m.metrics_ports]

    def pids(self):
        return [p for m in self.parts for p in m.pids()]

    def stop(self):
        for m in self.parts:
            m.stop()

    def scrape(self) -> dict:
        merged: dict = {}
        for m in self.parts:
            for key, value in m.scrape().items():
                merged[key] = merged.get(key, 0.0) + value
        return merged


class Rspamd(Milter):
    """Debian's rspamd 3.x: proxy worker in milter mode + normal scanner worker; bench/rspamd/rspamd.conf."""

    name = "rspamd"

    def __init__(self, work: Path, dns_port: int, dbdir: Path):
        self.dir = work / "rspamd"
        for sub in ("run", "log"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        dbdir.mkdir(parents=True, exist_ok=True)
        for d in (self.dir, self.dir / "run", self.dir / "log", dbdir):
            shutil.chown(d, "_rspamd", "_rspamd")
        self.sock = str(self.dir / "run" / "rspamd.sock")
        self.normal_port = free_port()
        self.logfile = self.dir / "log" / "rspamd.log"
        argv = [RSPAMD, "-f", "-u", "_rspamd", "-g", "_rspamd", "-c", str(BENCH / "rspamd" / "rspamd.conf"),
                "--var", "CONFDIR=/etc/rspamd", "--var", f"LOCAL_CONFDIR={BENCH / 'rspamd'}",
                "--var", f"DBDIR={dbdir}", "--var", f"RUNDIR={self.dir / 'run'}", "--var", f"LOGDIR={self.dir / 'log'}",
                "--var", f"BENCH_PROXY_SOCKET={self.sock}", "--var", f"BENCH_NORMAL_PORT={self.normal_port}",
                "--var", f"BENCH_DNS=127.0.0.1:{dns_port}"]
        self.proc = Proc("rspamd", argv, self.dir / "stdout.log")
        poll(lambda: self.proc.check() or unix_open(self.sock), 120, "rspamd proxy socket")
        # scanners use PCRE until the hyperscan database is compiled (cached in dbdir across runs)
        # (loaded from the cache by the main process before it forks the scanners, or by the scanners
        # once hs_helper has compiled it)
        poll(lambda: self.proc.check() or "full hyperscan database of" in self._log(), 300,
             "rspamd's hyperscan database", interval=0.5)
        time.sleep(1.0)

    def _log(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")
        except OSError:
            return ""

    def pids(self):
        return [self.proc.pid] + children_of(self.proc.pid)

    def stop(self):
        self.proc.stop(20)


# --- load ------------------------------------------------------------------------------------

def smtp_source_concurrent(port: int, jobs: list[tuple[Path, int, int, str]], rcpt: str, helo: str,
                           log: Path) -> float:
    """One smtp-source per (msg_file, count, sessions, mail_from), all at once; wall seconds until the last ends."""
    procs = []
    t0 = time.monotonic()
    for msg_file, count, sessions, mail_from in jobs:
        argv = [SMTP_SOURCE, "-A", "-s", str(min(sessions, count)), "-m", str(count), "-F", str(msg_file),
                "-f", mail_from, "-t", rcpt, "-M", helo, f"127.0.0.1:{port}"]
        procs.append((argv, subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    failed = []
    for argv, p in procs:
        out, err = p.communicate()
        if out or err:
            with open(log, "a") as f:
                f.write(f"$ {' '.join(argv)}\n{out}{err}")
        if p.returncode != 0:
            failed.append(err.strip()[-300:])
    seconds = time.monotonic() - t0
    if failed:
        raise BenchError(f"smtp-source failed: {failed}")
    return seconds


def smtp_source(port: int, msg_file: Path, count: int, sessions: int, mail_from: str, rcpt: str, helo: str,
                log: Path) -> float:
    """Send `count` copies of `msg_file` over `sessions` parallel SMTP sessions; returns wall seconds.

    -A: a 4xx/5xx answer (a milter's reject or tempfail) does not abort the run.
    """
    argv = [SMTP_SOURCE, "-A", "-s", str(min(sessions, count)), "-m", str(count), "-F", str(msg_file),
            "-f", mail_from, "-t", rcpt, "-M", helo, f"127.0.0.1:{port}"]
    t0 = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True)
    seconds = time.monotonic() - t0
    if proc.stdout or proc.stderr:
        with open(log, "a") as f:
            f.write(f"$ {' '.join(argv)}\n{proc.stdout}{proc.stderr}")
    if proc.returncode != 0:
        raise BenchError(f"smtp-source failed rc={proc.returncode}: {proc.stderr.strip()[-500:]}")
    return seconds
