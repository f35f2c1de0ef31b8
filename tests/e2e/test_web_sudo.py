"""The web service's narrow helper for real: an unprivileged user, the shipped sudoers rules, the real hold queue.

The shipped deploy/sudoers.d/brandguard-web is installed with this machine's paths (the private Postfix's
configuration, a root-owned `brandguard` launcher, a settings file) for a throw-away system user, and removed
afterwards. What the user may do through `sudo -n` is what `brandguard web` does; anything wider is refused.
"""
from __future__ import annotations

import json
import os
import pwd
import shutil
import smtplib
import subprocess
import sys
import tempfile
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest

from fixtures.policies import make_policy_dir
from fixtures.support import poll

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
USER = "bgweb-e2e"
SUDOERS = Path("/etc/sudoers.d/zz-brandguard-e2e")


def _user_exists() -> bool:
    try:
        pwd.getpwnam(USER)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="module")
def as_web_user(postfix):
    """run(*argv, sudo=True): argv as the unprivileged user, through `sudo -n` as the web service calls it."""
    work = Path(tempfile.mkdtemp(prefix="bg-sudo-"))
    bindir = Path(tempfile.mkdtemp(prefix="bg-sudo-bin-", dir="/usr/local/lib"))  # root's, as /usr/local/bin is
    launcher = bindir / "brandguard"
    launcher.write_text(f"#!/bin/sh\nPYTHONPATH={ROOT / 'milter'} exec {sys.executable} -m brandguard \"$@\"\n")
    os.chmod(bindir, 0o755)
    os.chmod(launcher, 0o755)
    settings = work / "settings.yaml"
    settings.write_text(json.dumps({"policy": str(make_policy_dir(work / "policies"))}))
    rules = ((ROOT / "deploy" / "sudoers.d" / "brandguard-web").read_text()
             .replace("/usr/local/bin/brandguard", str(launcher))
             .replace("/etc/postfix", str(postfix.conf))
             .replace("/etc/brandguard/settings.yaml", str(settings))
             .replace("brandguard-web", USER))
    candidate = work / "sudoers"
    candidate.write_text(rules)
    check = subprocess.run(["visudo", "-cf", str(candidate)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr  # never install a file that would break sudo
    if not _user_exists():
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER], check=True)
    shutil.copy(candidate, SUDOERS)
    os.chmod(SUDOERS, 0o440)

    def run(*argv: str, sudo: bool = True) -> subprocess.CompletedProcess:
        prefix = ["sudo", "-n"] if sudo else []
        return subprocess.run(["runuser", "-u", USER, "--", *prefix, str(launcher), *argv], capture_output=True,
                              text=True, timeout=120, cwd="/")
    try:
        yield run
    finally:
        SUDOERS.unlink(missing_ok=True)
        subprocess.run(["userdel", USER], capture_output=True)
        shutil.rmtree(bindir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def hold(postfix) -> tuple[str, str]:
    """A message held by brandguard (the test policy's BG-QUARANTINE marker): (marker, queue id)."""
    marker = f"m{uuid.uuid4().hex[:12]}"
    msg = EmailMessage()
    msg["From"], msg["To"] = "Alice <alice@example.org>", "carol@example.net"
    msg["Subject"], msg["Message-ID"] = f"BG-QUARANTINE sudo {marker}", f"<{marker}@example.org>"
    msg.set_content("Hello,\nthe minutes of Monday's meeting.\n")
    with smtplib.SMTP("127.0.0.1", postfix.ports["main"], timeout=60) as smtp:
        smtp.sendmail("alice@example.org", ["carol@example.net"], msg.as_bytes())

    def queue_id() -> str | None:
        for entry in postfix.held():
            headers = postfix.cmd("postcat", "-c", str(postfix.conf), "-hq", entry["queue_id"], check=False).stdout
            if marker in headers:
                return str(entry["queue_id"])
        return None
    return marker, poll(queue_id, 30, f"held message {marker}")


def test_the_web_user_lists_and_releases_through_sudo_and_nothing_wider(postfix, brandguard_unix, as_web_user):
    marker, qid = hold(postfix)
    conf = str(postfix.conf)

    listed = as_web_user("quarantine", "list", "--config-dir", conf, "--json")
    assert listed.returncode == 0, listed.stderr
    assert any(marker in json.loads(line)["subject"] for line in listed.stdout.splitlines())

    wider = as_web_user("quarantine", "list", "--config-dir", conf, "--json", "--all")
    assert wider.returncode != 0 and marker not in wider.stdout  # holds brandguard did not make stay out of reach
    elsewhere = as_web_user("allow", "--config", "/tmp/other-settings.yaml", "--sender-domain=example.org")
    assert elsewhere.returncode != 0

    alone = as_web_user("quarantine", "release", "--config-dir", conf, qid, sudo=False)
    assert alone.returncode != 0  # without sudo the user has no rights over the queue
    assert any(e["queue_id"] == qid for e in postfix.held())

    released = as_web_user("quarantine", "release", "--config-dir", conf, qid)
    assert released.returncode == 0, released.stderr
    assert postfix.sink.wait_for(marker)["Subject"].endswith(marker)
