"""`brandguard allow`: add an allow entry to local.d/allow.yaml, validate the whole policy, reload the daemon."""
from __future__ import annotations

import argparse
import datetime as dt
import difflib
import getpass
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from brandguard.errors import ConfigError

if TYPE_CHECKING:
    from brandguard.cli import Subcommands

EXIT_OK, EXIT_FAIL, EXIT_CONFIG = 0, 1, 2
DEFAULT_SETTINGS = Path("/etc/brandguard/settings.yaml")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_NEW_FILE = """\
# Allow entries: mail from these senders is exempt from brandguard's findings for the listed brands.
# Written by `brandguard allow`, which keeps comments and hand edits; validate with `brandguard check`.
version: 1
allow: []
"""


class AllowError(ConfigError):
    """The entry cannot be added (bad arguments, an invalid policy, a file that cannot be written)."""


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never fold a long reason onto a second line
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def policy_path(args: argparse.Namespace) -> Path:
    """--policy, else the policy named by the settings (--config, else /etc/brandguard/settings.yaml)."""
    if args.policy:
        return Path(args.policy).resolve()
    config = Path(args.config) if args.config else DEFAULT_SETTINGS
    if not config.exists():
        raise AllowError(f"{config}: no such settings file; name the policy with --policy PATH")
    from brandguard.settings import load_settings

    return Path(load_settings(config).policy).resolve()


def domain(value: str) -> str:
    d = value.strip().lower().rstrip(".")
    if not _DOMAIN.match(d):
        raise argparse.ArgumentTypeError(f"{value!r} is not a domain name (no @, scheme, path or wildcard)")
    return d


def future_date(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: expected a date as YYYY-MM-DD") from None
    if day <= dt.date.today():
        raise argparse.ArgumentTypeError(f"{value}: the expiry date must be in the future")
    return day


def build_entry(domains: list[str], brands: list[str] | None, reason: str, expires: dt.date | None) -> CommentedMap:
    entry = CommentedMap()
    seq = CommentedSeq(sorted(set(domains)))
    seq.fa.set_flow_style()
    entry["sender_domain"] = seq
    if brands:
        seq = CommentedSeq(sorted(set(brands)))
        seq.fa.set_flow_style()
        entry["brands"] = seq
    else:
        entry["brands"] = "all"
    entry["reason"] = reason
    if expires:
        entry["expires"] = expires
    # who and when, for the next person wondering why this sender is trusted
    entry.yaml_add_eol_comment(f"added {dt.date.today()} by {_user()}", "reason")
    return entry


def _user() -> str:
    try:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def add_entry(text: str | None, entry: CommentedMap, where: Path) -> tuple[str, bool]:
    """The file's new text with `entry` appended to `allow:`; False when an equal entry is already there."""
    y = _yaml()
    try:
        doc = y.load(text if text is not None else _NEW_FILE)
    except YAMLError as exc:
        raise AllowError(f"{where}: not valid YAML, fix it by hand first: {exc}") from None
    if doc is None:
        doc = y.load(_NEW_FILE)
    if not isinstance(doc, CommentedMap):
        raise AllowError(f"{where}: expected a mapping with an `allow:` list")
    allow = doc.get("allow")
    if allow is None:
        allow = doc["allow"] = CommentedSeq()
    if not isinstance(allow, list):
        raise AllowError(f"{where}: `allow:` must be a list")
    key = _identity(entry)
    if any(isinstance(e, dict) and _identity(e) == key for e in allow):
        return text or "", False
    allow.append(entry)
    out = io.StringIO()
    y.dump(doc, out)
    return out.getvalue(), True


def _identity(entry: dict[str, Any]) -> tuple[str | tuple[str, ...], str | tuple[str, ...], str]:
    def norm(v: Iterable[object] | None) -> str | tuple[str, ...]:
        return "all" if v is None or v == "all" else tuple(sorted(str(x).lower() for x in v))
    return norm(entry.get("sender_domain")), norm(entry.get("brands")), str(entry.get("expires") or "")


def write_atomically(path: Path, text: str, like: Path) -> None:
    """Replace `path` in one rename, keeping its mode and owner (a new file copies them from `like`)."""
    ref = path if path.exists() else like
    st = ref.stat()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".allow-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, st.st_mode & 0o666)
        if os.geteuid() == 0:
            os.chown(tmp, st.st_uid, st.st_gid)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def reload_daemon(args: argparse.Namespace, new_file: bool = False) -> tuple[int, str]:
    """SIGUSR1 from --pidfile, else `systemctl reload brandguard` when systemd runs; else rely on the file watch."""
    # The daemon's file watch covers the folders its policy files are in: a first file in local.d is not seen.
    watch = ("send the daemon SIGUSR1: it does not watch local.d until a file there was loaded" if new_file else
             "the daemon notices changed policy files within seconds, or send it SIGUSR1")
    if args.no_reload:
        return EXIT_OK, f"not reloaded (--no-reload); {watch}"
    if args.pidfile:
        try:
            pid = int(Path(args.pidfile).read_text().split()[0])
            os.kill(pid, signal.SIGUSR1)
        except (OSError, ValueError, IndexError) as exc:
            return EXIT_FAIL, f"could not signal the daemon from {args.pidfile}: {exc}"
        return EXIT_OK, f"reload requested (SIGUSR1 to pid {pid})"
    if shutil.which("systemctl") and Path("/run/systemd/system").is_dir():
        proc = subprocess.run(["systemctl", "reload", args.unit], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            return EXIT_FAIL, f"systemctl reload {args.unit} failed: {proc.stderr.strip() or proc.returncode}"
        return EXIT_OK, f"reloaded (systemctl reload {args.unit})"
    return EXIT_OK, f"no daemon signalled (no --pidfile, no systemd); {watch}"


def cmd_allow(args: argparse.Namespace) -> int:
    from brandguard.policy.loader import load_policy

    policy = policy_path(args)
    current = load_policy(policy)  # an already broken policy is reported as it is, before we touch anything
    problems = [f"unknown brand {b!r}" + "".join(f"; did you mean {m!r}?"
                                                 for m in difflib.get_close_matches(b, current.brand_ids, 1))
                for b in sorted(set(args.brand or []) - set(current.brand_ids))]
    if problems:
        raise AllowError([*problems, "brand ids are the `id:` values of the policy's brand files (catalogue.brands)"])
    target = policy.parent / "local.d" / "allow.yaml"
    created_dir = not target.parent.exists()
    target.parent.mkdir(mode=0o755, exist_ok=True)
    before = target.read_text(encoding="utf-8") if target.exists() else None
    entry = build_entry(args.sender_domain, args.brand, args.reason, args.expires)
    text, added = add_entry(before, entry, target)
    if not added:
        print(f"{target}: an equal allow entry is already there; nothing changed")
        return EXIT_OK
    write_atomically(target, text, like=policy)
    try:
        new = load_policy(policy)
        if target.resolve() not in {Path(s).resolve() for s in new.sources}:
            raise AllowError(f"{policy}: does not include {target}; add `include: [\"local.d/*.yaml\"]` to it")
    except ConfigError as exc:
        _restore(target, before, created_dir)
        print(f"{target}: not changed; with the new entry the policy is invalid:", file=sys.stderr)
        raise AllowError(exc.problems) from None
    except BaseException:
        _restore(target, before, created_dir)  # whatever went wrong, the daemon must not find a half-checked file
        raise
    brands = ", ".join(sorted(set(args.brand))) if args.brand else "all brands"
    print(f"{target}: allowed {', '.join(sorted(set(args.sender_domain)))} for {brands}: {args.reason}")
    print(f"policy {new.hash} OK ({len(new.spec.allow)} allow entries)")
    status, message = reload_daemon(args, new_file=before is None)
    print(message, file=sys.stderr if status else sys.stdout)
    return status


def _restore(target: Path, before: str | None, created_dir: bool) -> None:
    if before is None:
        target.unlink(missing_ok=True)
        if created_dir:
            target.parent.rmdir()
    else:
        write_atomically(target, before, like=target)


def add_parser(subparsers: Subcommands) -> argparse.ArgumentParser:
    """Add `allow` to brandguard's command line."""
    wrap = textwrap.fill
    a = subparsers.add_parser(
        "allow", help="exempt a sender domain (for some or all brands) and reload",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=wrap("Append an allow entry to <policy dir>/local.d/allow.yaml (created when missing; comments "
                         "and hand edits are kept), validate the whole policy with it, and reload the running "
                         "daemon. Mail whose From or envelope sender is in one of the domains (subdomains "
                         "included) then has its findings for the listed brands dropped; the reason is logged "
                         "with every message it exempts. If the policy would be invalid, the file is left as it "
                         "was, the errors are printed with file:line, and the exit code is 2.", 100),
        epilog=textwrap.dedent("""\
            reload: SIGUSR1 to the pid in --pidfile; else `systemctl reload UNIT` when systemd runs; else nothing.
            Reloading is optional: the daemon also checks its policy files every few seconds (watch_interval).

            examples:
              brandguard allow --sender-domain reseller.example --brand norton --reason "authorised Norton reseller"
              brandguard allow --sender-domain billing.partner.example --reason "our billing provider" \\
                  --expires 2027-01-31 --policy /etc/brandguard/policies/default.yaml

            exit codes: 0 added (or already there), 1 added but the reload failed, 2 invalid arguments or policy."""))
    a.add_argument("--sender-domain", type=domain, action="append", required=True, metavar="D",
                   help="sender domain to trust, e.g. reseller.example (repeatable); matches subdomains too")
    a.add_argument("--brand", action="extend", nargs="+", metavar="B",
                   help="brand id(s) the exemption covers, as in the catalogue (default: all brands)")
    a.add_argument("--reason", required=True, metavar="TEXT", help="why: logged with each exempted message")
    a.add_argument("--expires", type=future_date, metavar="DATE", help="YYYY-MM-DD; the entry stops applying after it")
    a.add_argument("--policy", metavar="PATH", help="the main policy file (default: the one in --config)")
    a.add_argument("--config", metavar="FILE", help=f"settings file naming the policy (default: {DEFAULT_SETTINGS})")
    a.add_argument("--no-reload", action="store_true", help="only write and validate; do not signal the daemon")
    a.add_argument("--pidfile", metavar="F", help="send SIGUSR1 to the pid in this file instead of using systemctl")
    a.add_argument("--unit", default="brandguard", help="systemd unit to reload (default: %(default)s)")
    a.set_defaults(func=cmd_allow)
    return a
