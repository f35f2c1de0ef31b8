"""`brandguard web` (serve the pages, or add an admin account) and `brandguard digest --send`."""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brandguard.cli import Subcommands
    from brandguard.web.config import WebSettings
    from brandguard.web.helper import CliQueue

EXIT_OK, EXIT_FAIL, EXIT_CONFIG = 0, 1, 2
# also in config.py; repeated so that `brandguard --help` does not import pydantic for it
DEFAULT_WEB_SETTINGS = Path("/etc/brandguard/web.yaml")


def _settings(args: argparse.Namespace) -> WebSettings:
    from brandguard.web.config import load_web_settings

    path = args.config or (DEFAULT_WEB_SETTINGS if DEFAULT_WEB_SETTINGS.exists() else None)
    return load_web_settings(path)


def make_queue(s: WebSettings) -> CliQueue:
    from brandguard.web.helper import CliQueue

    return CliQueue(s.helper_prefix, s.brandguard_command, s.postfix_config_dir,
                    str(s.brandguard_config) if s.brandguard_config else None)


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, force=True,
                        format="%(asctime)s brandguard-web[%(process)d] %(levelname)s %(name)s %(message)s")


def cmd_passwd(args: argparse.Namespace, s: WebSettings) -> int:
    from brandguard.web.auth import hash_password

    name = args.passwd
    if not name or ":" in name or any(c.isspace() for c in name):
        print("brandguard web: a user name without ':' or spaces", file=sys.stderr)
        return EXIT_CONFIG
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass(f"password for {name}: ")
    if len(password) < 12:
        print("brandguard web: use a password of at least 12 characters", file=sys.stderr)
        return EXIT_CONFIG
    line = f"{name}:{hash_password(password)}"
    if s.accounts_file is None:
        print(line)
        return EXIT_OK
    path = s.accounts_file
    kept = [x for x in (path.read_text(encoding="utf-8").splitlines() if path.exists() else [])
            if x.partition(":")[0] != name]
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join([*kept, line]) + "\n")
    os.replace(tmp, path)
    print(f"{path}: {'updated' if len(kept) else 'added'} {name}")
    return EXIT_OK


def cmd_web(args: argparse.Namespace) -> int:
    s = _settings(args)
    if args.passwd:
        return cmd_passwd(args, s)
    import uvicorn

    from brandguard.web.app import create_app
    from brandguard.web.config import secret_key

    _logging()
    if os.geteuid() == 0 and s.helper_prefix:
        logging.getLogger("brandguard.web").warning("running as root: the helper prefix is not needed")
    app = create_app(s, make_queue(s), secret_key(s.secret_key_file))
    uvicorn.run(app, host=s.listen, port=args.port if args.port is not None else s.port, log_level="warning",
                proxy_headers=False, server_header=False, access_log=False)
    return EXIT_OK


def cmd_digest(args: argparse.Namespace) -> int:
    from brandguard.metrics import WebMetrics
    from brandguard.web.config import secret_key
    from brandguard.web.digest import by_recipient, compose, send_digests
    from brandguard.web.links import link_key

    s = _settings(args)
    _logging()
    queue, key = make_queue(s), link_key(secret_key(s.secret_key_file))
    if not args.send:
        for rcpt, held in by_recipient(queue.held({})).items():
            print(compose(s.digest, key, rcpt, held).as_string())
        return EXIT_OK
    sent, failed = send_digests(s.digest, queue, key, WebMetrics())
    print(f"{sent} digest(s) sent, {failed} failed")
    return EXIT_FAIL if failed else EXIT_OK


def add_parser(subparsers: Subcommands) -> None:
    """Add `web` and `digest` to brandguard's command line."""
    w = subparsers.add_parser("web", help="serve the quarantine web pages (or add an admin with --passwd)",
                              description="Serve the quarantine pages for admins and the digest links for users, on "
                                          "loopback behind a TLS reverse proxy. See README.md, 'Web quarantine'.")
    w.add_argument("--config", "-c", metavar="FILE", help=f"web settings (default: {DEFAULT_WEB_SETTINGS})")
    w.add_argument("--port", type=int, help="TCP port, overriding the settings")
    w.add_argument("--passwd", metavar="NAME", help="add or change admin NAME in the accounts file (argon2 hash) "
                                                    "and exit; without accounts_file the line is printed")
    w.add_argument("--password-stdin", action="store_true", help="with --passwd: read the password from stdin")
    w.set_defaults(func=cmd_web)
    d = subparsers.add_parser("digest", help="mail each recipient the list of their held messages",
                              description="Mail each recipient with held mail a digest with signed, expiring links "
                                          "to release it or ask for its release. Without --send the digests are "
                                          "printed instead. Run daily by systemd/brandguard-digest.timer.")
    d.add_argument("--config", "-c", metavar="FILE", help=f"web settings (default: {DEFAULT_WEB_SETTINGS})")
    d.add_argument("--send", action="store_true", help="send them through the configured relay")
    d.set_defaults(func=cmd_digest)
