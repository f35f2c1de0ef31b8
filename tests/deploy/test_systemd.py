"""The systemd unit, sysusers/tmpfiles files and deploy examples: verified by systemd's tools and by running them."""
from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from brandguard.settings import load_settings
from fixtures.policies import make_policy_dir
from fixtures.postfix import make_workdir
from fixtures.support import free_port, poll, port_open, stop_process, unix_socket_open
from fixtures.worldenv import make_world_venv

ROOT = Path(__file__).resolve().parents[2]
SYSTEMD = ROOT / "systemd"
UNIT = SYSTEMD / "brandguard.service"
VENV_BIN = Path(sys.executable).parent
INSTALLED = "/usr/local/bin/brandguard"
# Run a command with the kernel's memory-deny-write-execute on (Linux >= 6.3): what MemoryDenyWriteExecute=
# enforces with seccomp. No W+X mapping may be created, and the setting survives execve.
MDWE = """
import ctypes, mmap, os, sys
if ctypes.CDLL(None, use_errno=True).prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    raise OSError(ctypes.get_errno(), "prctl(PR_SET_MDWE)")
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    sys.exit("W+X mapping allowed: MDWE is not in force")
except OSError:
    pass
os.execv(sys.argv[1], sys.argv[1:])
"""


def directives(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) in file order; repeated keys are kept (systemd allows them)."""
    out, section = [], ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
        else:
            key, _, value = line.partition("=")
            out.append((section, key.strip(), value.strip()))
    return out


def local_unit(tmp_path: Path) -> Path:
    """The unit with the venv's brandguard in place of /usr/local/bin's, so verify checks a real binary."""
    unit = tmp_path / "brandguard.service"
    # quoted, so a checkout whose path has spaces stays one word; % would start a specifier
    exe = '"' + str(VENV_BIN / "brandguard").replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") + '"'
    unit.write_text(UNIT.read_text().replace(INSTALLED, exe))
    return unit


def test_systemd_analyze_verify_passes(tmp_path):
    proc = subprocess.run(["systemd-analyze", "verify", str(local_unit(tmp_path))], capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr


def test_exposure_level_stays_low(tmp_path):
    proc = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(local_unit(tmp_path))],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    level = float(re.search(r"Overall exposure level for \S+: ([\d.]+)", proc.stdout).group(1))
    assert level <= 2.0, proc.stdout  # "OK" in systemd's words; the default for a service is 9.6 "UNSAFE"


@pytest.mark.parametrize("section, key, value", [
    pytest.param("Service", "Type", "notify", id="Type"),
    pytest.param("Service", "User", "brandguard", id="User"),
    pytest.param("Service", "ExecStart", f"{INSTALLED} run --config /etc/brandguard/settings.yaml", id="ExecStart"),
    pytest.param("Service", "ExecReload", "/bin/kill -USR1 $MAINPID", id="ExecReload"),
    pytest.param("Service", "Restart", "on-failure", id="Restart"),
    pytest.param("Service", "NoNewPrivileges", "yes", id="NoNewPrivileges"),
    pytest.param("Service", "ProtectSystem", "strict", id="ProtectSystem"),
    pytest.param("Service", "ProtectHome", "yes", id="ProtectHome"),
    pytest.param("Service", "PrivateTmp", "yes", id="PrivateTmp"),
    pytest.param("Service", "RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6", id="RestrictAddressFamilies"),
    pytest.param("Service", "CapabilityBoundingSet", "", id="CapabilityBoundingSet-empty"),
    pytest.param("Service", "RuntimeDirectory", "brandguard", id="RuntimeDirectory"),
    pytest.param("Service", "ReadWritePaths", "-/var/spool/postfix/brandguard", id="ReadWritePaths"),
    pytest.param("Service", "ProtectKernelTunables", "yes", id="ProtectKernelTunables"),
    pytest.param("Service", "ProtectKernelModules", "yes", id="ProtectKernelModules"),
    pytest.param("Service", "ProtectKernelLogs", "yes", id="ProtectKernelLogs"),
    pytest.param("Service", "LockPersonality", "yes", id="LockPersonality"),
    pytest.param("Service", "MemoryDenyWriteExecute", "yes", id="MemoryDenyWriteExecute"),
    pytest.param("Service", "SystemCallFilter", "@system-service", id="SystemCallFilter"),
    pytest.param("Service", "RestartPreventExitStatus", "2", id="no-restart-on-invalid-config"),
])
def test_unit_has_directive(section, key, value):
    assert (section, key, value) in directives(UNIT)


def test_writable_paths_are_only_the_socket_dirs_and_the_state_dir():
    writable = [v for _, k, v in directives(UNIT) if k in ("ReadWritePaths", "StateDirectory", "LogsDirectory",
                                                            "CacheDirectory", "ConfigurationDirectory")]
    assert writable == ["-/var/spool/postfix/brandguard", "brandguard"]  # StateDirectory: the campaign memory


def test_no_socket_unit_and_the_reason_is_written_down():
    assert not (SYSTEMD / "brandguard.socket").exists()
    assert "no call that adopts an inherited file descriptor" in " ".join(UNIT.read_text().split())


def test_sysusers_and_tmpfiles_apply(tmp_path):
    """In a scratch root: the user exists, and the socket directory is setgid postfix and reachable by it."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    for name in ("passwd", "group"):
        shutil.copy(f"/etc/{name}", root / "etc" / name)
    for kind, src in (("sysusers.d", "brandguard.sysusers"), ("tmpfiles.d", "brandguard.tmpfiles")):
        (root / "usr/lib" / kind).mkdir(parents=True)
        shutil.copy(SYSTEMD / src, root / "usr/lib" / kind / "brandguard.conf")
    for tool in (["systemd-sysusers"], ["systemd-tmpfiles", "--create"]):
        proc = subprocess.run([*tool, f"--root={root}", "brandguard.conf"], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    user = next(line.split(":") for line in (root / "etc/passwd").read_text().splitlines()
                if line.startswith("brandguard:"))
    assert user[6] == "/usr/sbin/nologin"
    st = (root / "var/spool/postfix/brandguard").stat()
    assert (st.st_uid, st.st_gid, oct(st.st_mode & 0o7777)) == (int(user[2]), grp.getgrnam("postfix").gr_gid, "0o2750")


def test_settings_example_matches_the_postfix_snippet_and_tmpfiles():
    settings = load_settings(ROOT / "deploy" / "settings.example.yaml")
    snippet = dict(re.findall(r"^(\w+)\s*=\s*(.*)$", (ROOT / "deploy/postfix/main.cf.snippet").read_text(), re.M))
    relative = snippet["smtpd_milters"].removeprefix("unix:")
    assert not relative.startswith("/")  # works for a chrooted smtpd and for one that is not
    assert settings.milter.socket == f"unix:/var/spool/postfix/{relative}"
    assert f"d /var/spool/postfix/{Path(relative).parent} 2750 brandguard postfix" in \
        (SYSTEMD / "brandguard.tmpfiles").read_text()
    assert (settings.milter.socket_group, settings.milter.socket_mode) == ("postfix", "0660")
    assert float(snippet["milter_content_timeout"].rstrip("s")) >= 2 * settings.message_time_budget
    assert settings.policy == Path("/etc/brandguard/policies/default.yaml")
    assert "brandguard run --config /etc/brandguard/settings.yaml" in UNIT.read_text()


def _settings(tmp_path: Path, socket_spec: str, **extra) -> Path:
    policy = make_policy_dir(tmp_path / "policies", markers=False)
    path = tmp_path / "settings.yaml"
    body = {"milter": {"socket": socket_spec, **extra}, "policy": str(policy), "metrics": {"enabled": False}}
    path.write_text(repr(body).replace("'", '"'))  # a Python dict of str is JSON, and JSON is YAML
    for p in (tmp_path, policy.parent, *policy.parent.rglob("*")):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    return path


def test_daemon_runs_with_memory_deny_write_execute(tmp_path):
    port = free_port()
    settings = _settings(tmp_path, f"inet:127.0.0.1:{port}")
    proc = subprocess.Popen([sys.executable, "-c", MDWE, sys.executable, "-m", "brandguard", "run", "--config",
                             str(settings), "--no-dns", "--allow-root"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        poll(lambda: proc.poll() is not None or port_open(port), 60, "brandguard under MDWE")
        assert proc.poll() is None, proc.stdout.read().decode()
    finally:
        rc = stop_process(proc)
    assert rc == 0, proc.stdout.read().decode()


def test_content_and_ocr_run_with_memory_deny_write_execute(tmp_path):
    """PDF parsing, RE2, the phone library and a tesseract subprocess: none needs writable+executable memory."""
    script = tmp_path / "scan.py"
    script.write_text(
        "import io, struct\nfrom pypdf import PdfWriter\nfrom email.message import EmailMessage\n"
        "from brandguard.mailfile import context_from_bytes\nfrom brandguard.content import ContentSettings, extract\n"
        "from brandguard.content.ocr import OcrBudget\n"
        "w = PdfWriter(); w.add_blank_page(200, 200); pdf = io.BytesIO(); w.write(pdf)\n"
        "m = EmailMessage(); m['From'] = 'Norton <support@example.org>'; m['To'] = 'b@example.net'\n"
        "m['Subject'] = 'Renewal: call +1 888 555 0142'; m.set_content('Call us at +1 888 555 0142.')\n"
        "m.add_attachment(pdf.getvalue(), maintype='application', subtype='pdf', filename='i.pdf')\n"
        "c = extract(context_from_bytes(m.as_bytes()))\n"
        "bmp = b'BM' + struct.pack('<IHHIIiiHHIIiiII', 54 + 36000, 0, 0, 54, 40, 200, 60, 1, 24, 0, 36000, 2835, 2835,"
        " 0, 0) + b'\\xff' * 36000  # a white 200x60 picture: tesseract runs and finds nothing\n"
        "ocr = OcrBudget(ContentSettings().ocr); ocr.run(bmp)\n"
        "print(len(c.phones), len(c.attachments), ','.join(c.defects) or '-', ocr.done, ','.join(ocr.defects) or '-')\n")
    proc = subprocess.run([sys.executable, "-c", MDWE, sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT / "milter")})
    assert proc.returncode == 0, proc.stderr
    phones, attachments, defects, ocr_runs, ocr_defects = proc.stdout.split()
    assert (attachments, defects, ocr_runs, ocr_defects) == ("1", "-", "1", "-")
    assert int(phones) >= 1


@pytest.fixture
def open_dir():
    """A directory other users can traverse (pytest's tmp_path is under a 0700 directory)."""
    path = make_workdir("bg-deploy-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def world_python():
    """A python with brandguard that `nobody` can run: the checkout (and its venv) may sit under a 0700 home."""
    path = make_workdir("bg-world-")
    yield make_world_venv(path)
    shutil.rmtree(path, ignore_errors=True)


def _clean_env() -> dict[str, str]:
    """The environment minus PYTHON* settings that point into the checkout."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}, "PYTHONDONTWRITEBYTECODE": "1"}


def test_unprivileged_daemon_makes_a_socket_only_postfix_can_use(open_dir, world_python):
    """The deployed layout, minus systemd: user `nobody` for brandguard, a setgid-postfix socket directory."""
    tmp_path = open_dir
    sockdir = tmp_path / "spool" / "brandguard"
    sockdir.mkdir(parents=True)
    os.chmod(tmp_path / "spool", 0o755)
    shutil.chown(sockdir, "nobody", "postfix")
    os.chmod(sockdir, 0o2750)
    path = sockdir / "milter.sock"
    settings = _settings(tmp_path, f"unix:{path}", socket_mode="0660", socket_group="postfix")
    proc = subprocess.Popen(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", str(world_python),
                             "-m", "brandguard", "run", "--config", str(settings), "--no-dns"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path, env=_clean_env())
    try:
        poll(lambda: proc.poll() is not None or unix_socket_open(str(path)), 60, "brandguard as nobody")
        assert proc.poll() is None, proc.stdout.read().decode()
        st = path.stat()
        assert (pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name, oct(st.st_mode & 0o777)) == \
            ("nobody", "postfix", "0o660")
        assert _can_connect(world_python, "postfix", path) and not _can_connect(world_python, "daemon", path)
    finally:
        rc = stop_process(proc)
    assert rc == 0 and not path.exists()  # as non-root, libmilter removes its socket on the way out


# exits 0 when connected and 13 (EACCES) when refused, so a probe that cannot run at all is not a "no"
CONNECT_PROBE = """
import socket, sys
try:
    socket.socket(socket.AF_UNIX).connect(sys.argv[1])
except PermissionError:
    sys.exit(13)
"""


def _can_connect(python: Path, user: str, path: Path) -> bool:
    proc = subprocess.run(["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", str(python), "-I", "-c",
                           CONNECT_PROBE, str(path)], capture_output=True, text=True, env=_clean_env(), cwd="/")
    assert proc.returncode in (0, 13), proc.stderr
    return proc.returncode == 0



# --- brandguard web and brandguard digest (issue #19) ---------------------------------------------

WEB_UNITS = ("brandguard-web.service", "brandguard-digest.service", "brandguard-digest.timer")


def test_web_and_digest_units_verify(tmp_path):
    for name in WEB_UNITS:
        exe = str(VENV_BIN / "brandguard").replace("%", "%%")
        (tmp_path / name).write_text((SYSTEMD / name).read_text().replace(INSTALLED, exe))
    for name in WEB_UNITS:
        proc = subprocess.run(["systemd-analyze", "verify", str(tmp_path / name)], capture_output=True, text=True)
        assert proc.returncode == 0 and not proc.stderr.strip(), (name, proc.stderr)


@pytest.mark.parametrize("name, section, key, value", [
    pytest.param("brandguard-web.service", "Service", "User", "brandguard-web", id="web-user"),
    pytest.param("brandguard-web.service", "Service", "ExecStart",
                 f"{INSTALLED} web --config /etc/brandguard/web.yaml", id="web-ExecStart"),
    pytest.param("brandguard-web.service", "Service", "ProtectSystem", "full", id="web-ProtectSystem"),
    pytest.param("brandguard-digest.service", "Service", "Type", "oneshot", id="digest-oneshot"),
    pytest.param("brandguard-digest.service", "Service", "ExecStart",
                 f"{INSTALLED} digest --send --config /etc/brandguard/web.yaml", id="digest-ExecStart"),
    pytest.param("brandguard-digest.timer", "Timer", "Persistent", "true", id="timer-persistent"),
])
def test_web_units_have_directive(name, section, key, value):
    assert (section, key, value) in directives(SYSTEMD / name)


def test_web_user_is_its_own_and_only_reads_brandguards_settings(tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    for name in ("passwd", "group"):
        shutil.copy(f"/etc/{name}", root / "etc" / name)
    (root / "usr/lib/sysusers.d").mkdir(parents=True)
    shutil.copy(SYSTEMD / "brandguard.sysusers", root / "usr/lib/sysusers.d/brandguard.conf")
    proc = subprocess.run(["systemd-sysusers", f"--root={root}", "brandguard.conf"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    groups = {line.split(":")[0]: line.split(":")[3].split(",") for line in (root / "etc/group").read_text().splitlines()}
    assert "brandguard-web" in groups["brandguard"]
    assert not {"brandguard-web"} & set(groups.get("postdrop", []) + groups.get("postfix", []) + groups["root"])


def test_sudoers_file_parses():
    proc = subprocess.run(["visudo", "-cf", str(ROOT / "deploy/sudoers.d/brandguard-web")], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
