"""Command line: run | scan | check | schema | version (and the admin commands); errors → exit 2."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from brandguard import __version__
from brandguard.errors import ConfigError

if TYPE_CHECKING:
    from brandguard.http import MetricsServer

EXIT_OK, EXIT_FAIL, EXIT_CONFIG = 0, 1, 2
Command = Callable[[argparse.Namespace], int]  # what each subparser's `func` default is


class Subcommands(Protocol):
    """What add_subparsers() returns, as the admin commands' add_parser() use it."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


def _setup_logging(fmt: str = "text", level: str = "info") -> None:
    style = "%(message)s" if fmt == "json" else "%(asctime)s brandguard[%(process)d] %(levelname)s %(message)s"
    logging.basicConfig(level=getattr(logging, level.upper()), format=style, stream=sys.stderr, force=True)


def cmd_run(args: argparse.Namespace) -> int:
    from brandguard.adapter.runner import Runner
    from brandguard.app import App
    from brandguard.metrics import Metrics
    from brandguard.settings import load_settings

    settings = load_settings(args.config)
    if args.policy:
        settings = settings.model_copy(update={"policy": Path(args.policy).resolve()})
    if args.socket:
        settings = settings.model_copy(update={"milter": settings.milter.model_copy(update={"socket": args.socket})})
    _setup_logging(settings.log.format, settings.log.level)
    if os.geteuid() == 0 and not (settings.allow_root or args.allow_root):
        print("brandguard: refusing to run as root; run as a dedicated user, or set allow_root: true "
              "(or --allow-root) if you really mean it", file=sys.stderr)
        return EXIT_CONFIG
    metrics = Metrics() if settings.metrics.enabled else None
    app = App(settings, metrics=metrics, with_dns=not args.no_dns, campaign="learn")
    runner = Runner(app)
    runner.open()
    servers: list[MetricsServer] = []

    def start_http() -> None:
        # after the analysis processes are forked, so that none inherits the HTTP server's thread
        if metrics is not None:
            from brandguard.http import MetricsServer

            server = MetricsServer(metrics, settings.metrics, ready=app.ready.is_set)
            server.start()
            servers.append(server)
        policy = app.store.current
        logging.getLogger("brandguard").info(
            "brandguard %s started: policy %s (%s), %d brands, %d checks, %d rules, mode %s, socket %s, "
            "authserv-id %s, %d analysis processes%s", __version__, policy.hash, settings.policy, len(policy.brand_ids),
            len(policy.enabled_checks), len(policy.spec.rules), policy.spec.mode.value, settings.milter.socket,
            settings.auth.authserv_id, settings.analysis_processes,
            f", metrics http://{settings.metrics.listen}:{servers[0].port}/metrics" if servers else "")

    try:
        return runner.serve(on_ready=start_http)
    finally:
        for server in servers:
            server.stop()


def cmd_scan(args: argparse.Namespace) -> int:
    from brandguard.scan import scan_main

    return scan_main(args)


def cmd_check(args: argparse.Namespace) -> int:
    from brandguard.policy.loader import load_policy
    from brandguard.settings import load_settings

    failed = False
    for given in args.paths:
        path = given
        try:
            path = str(_policy_file_of(Path(given)))
            if _looks_like_settings(Path(path)):
                s = load_settings(path)
                load_policy(s.policy)
                print(f"{path}: OK (settings; policy {s.policy})")
            else:
                p = load_policy(path)
                print(f"{path}: OK (policy {p.hash}: {len(p.brand_ids)} brands, {len(p.enabled_checks)} checks, "
                      f"{len(p.spec.rules)} rules)")
                for w in p.warnings:
                    print(f"{path}: warning: {w}")
        except ConfigError as exc:
            failed = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print(f"{path}: {len(exc.problems)} error(s)", file=sys.stderr)
    return EXIT_CONFIG if failed else EXIT_OK


POLICY_ENTRY_FILES = ("default.yaml", "policy.yaml")


def _policy_file_of(path: Path) -> Path:
    """A policy directory (what an admin keeps in /etc/brandguard) stands for its entry file."""
    if not path.is_dir():
        return path
    for name in POLICY_ENTRY_FILES:
        if (path / name).is_file():
            return path / name
    raise ConfigError([f"{path}: a directory without {' or '.join(POLICY_ENTRY_FILES)}: "
                       "give the policy file or the settings file to check"])


def _looks_like_settings(path: Path) -> bool:
    from brandguard.policy.yamlio import load_yaml

    try:
        data = load_yaml(path).data
    except ConfigError:
        return False
    return isinstance(data, dict) and bool({"milter", "on_error", "policy", "auth", "metrics"} & set(data))


def cmd_schema(args: argparse.Namespace) -> int:
    from brandguard.policy.schema import PolicyFile
    from brandguard.settings import Settings

    model = Settings if args.kind == "settings" else PolicyFile
    print(json.dumps(model.model_json_schema(by_alias=True), indent=2, default=str))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="brandguard",
        description="Postfix milter against mail that impersonates vendors' support (tech-support scams).",
        epilog="Exit codes: 0 ok, 1 failure, 2 invalid settings/policy or usage. See README.md.",
    )
    p.add_argument("--version", action="version", version=f"brandguard {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="run the milter in the foreground",
                       description="Run the milter in the foreground (systemd Type=notify aware). "
                                   "SIGUSR1 (systemctl reload) reloads the policy; SIGTERM finishes messages in flight and stops.")
    r.add_argument("--config", "-c", help="settings YAML (default: built-in defaults)")
    r.add_argument("--policy", help="policy file, overriding the settings")
    r.add_argument("--socket", help="milter socket, overriding the settings (inet:HOST:PORT or unix:/path)")
    r.add_argument("--no-dns", action="store_true", help="skip SPF/DKIM/DMARC/ARC (auth results 'none')")
    r.add_argument("--allow-root", action="store_true", help="permit running as root")
    r.set_defaults(func=cmd_run)

    s = sub.add_parser("scan", help="run the pipeline on .eml files offline",
                       description="Scan mail files with the same pipeline as the milter, without Postfix. "
                                   "Offline by default: authentication results are 'none'.")
    s.add_argument("files", nargs="+", help="mail files (.eml, one message each); - reads standard input")
    s.add_argument("--json", action="store_true", help="one JSON object per file")
    s.add_argument("--explain", action="store_true", help="print every finding with its evidence and score")
    s.add_argument("--config", "-c", help="settings YAML")
    s.add_argument("--policy", help="policy file (default: settings' policy, else the shipped default)")
    s.add_argument("--dns", action="store_true", help="check SPF/DKIM/DMARC/ARC with the configured resolver")
    s.add_argument("--trust-authres", metavar="ID", help="take SPF/DKIM/DMARC from Authentication-Results of this authserv-id")
    s.set_defaults(func=cmd_scan)

    c = sub.add_parser("check", help="validate settings or policy files",
                       description="Validate settings or policy files; prints every error with file:line and exits 2.")
    c.add_argument("paths", nargs="+")
    c.set_defaults(func=cmd_check)

    sc = sub.add_parser("schema", help="print the JSON Schema of the policy or settings file (for editors)")
    sc.add_argument("kind", nargs="?", choices=["policy", "settings"], default="policy")
    sc.set_defaults(func=cmd_schema)

    v = sub.add_parser("version", help="print the version")
    v.set_defaults(func=lambda a: print(f"brandguard {__version__}") or EXIT_OK)

    for register in _extra_commands():
        register(sub)
    return p


def _extra_commands() -> list[Callable[[Subcommands], object]]:
    """Admin commands live in their own modules; each adds its subparser."""
    from brandguard import allow, evaluate, quarantine
    from brandguard.campaign import cli as campaign
    from brandguard.web import cli as web

    return [quarantine.add_parser, allow.add_parser, evaluate.add_parser, web.add_parser, campaign.add_parser]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "run":
        _setup_logging("text", "warning")
    func: Command = args.func
    try:
        return func(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_CONFIG
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
