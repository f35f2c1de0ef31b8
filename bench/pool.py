"""Prototype for issue 8's multi-core question: ONE libmilter process, analysis in N forked processes.

libmilter's threads only collect the SMTP facts; at end-of-message the libmilter thread takes an idle
analysis process, writes the pickled MessageContext down its socketpair and blocks reading the
pickled Outcome back (the GIL is released while it blocks). No executor and no helper threads in
the parent: each hand-off is one write and one read. The analysis processes are forked before
libmilter starts its threads, each with its own App (policy, resolver, DNS cache). Metrics stay in
the parent; eom latency is the analysis process's pipeline time, as in `brandguard run`.

    python bench/pool.py --config settings.yaml --workers 2

A bench prototype, not product code (no respawn, no reload): the lead decides.
"""
from __future__ import annotations

import argparse
import logging
import os
import pickle
import queue
import socket
import sys
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "milter"))

from brandguard.adapter.runner import Runner  # noqa: E402
from brandguard.app import HARD_DEADLINE_SLACK, App  # noqa: E402
from brandguard.http import MetricsServer  # noqa: E402
from brandguard.metrics import Metrics  # noqa: E402
from brandguard.settings import load_settings  # noqa: E402


def _serve(conn: Connection, config: str, with_dns: bool) -> None:
    """An analysis process: read a context, answer its outcome, until the parent closes the pipe."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    process = App(load_settings(config), metrics=None, with_dns=with_dns).pipeline.process
    while True:
        try:
            blob = conn.recv_bytes()
        except (EOFError, OSError):
            return
        conn.send_bytes(pickle.dumps(process(pickle.loads(blob)), pickle.HIGHEST_PROTOCOL))


def _fork_workers(n: int, config: str, with_dns: bool) -> queue.SimpleQueue:
    idle: queue.SimpleQueue = queue.SimpleQueue()
    for _ in range(n):
        parent, child = socket.socketpair()
        if os.fork() == 0:
            parent.close()
            code = 1
            try:
                _serve(Connection(child.detach()), config, with_dns)
                code = 0
            finally:
                os._exit(code)
        child.close()
        idle.put(Connection(parent.detach()))
    return idle


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-dns", action="store_true")
    ap.add_argument("--switch-interval", type=float, default=0.0,
                    help="sys.setswitchinterval() for the parent (Python's default 0.005 s); 0 = leave it")
    args = ap.parse_args()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    settings = load_settings(args.config)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s brandguard[%(process)d] %(levelname)s %(message)s")
    idle = _fork_workers(args.workers, args.config, not args.no_dns)  # before libmilter's threads exist
    metrics = Metrics()
    app = App(settings, metrics=metrics, with_dns=False)  # the parent only plans and applies actions
    limit = settings.message_time_budget + HARD_DEADLINE_SLACK

    def process(ctx):
        conn = idle.get()
        try:
            conn.send_bytes(pickle.dumps(ctx, pickle.HIGHEST_PROTOCOL))
            if not conn.poll(limit):  # a prototype: the stuck process is dropped, not replaced
                conn.close()
                conn = None
                return app.pipeline.fallback_outcome(ctx, "hard deadline exceeded")
            outcome = pickle.loads(conn.recv_bytes())
        finally:
            if conn is not None:
                idle.put(conn)
        metrics.record_auth(outcome.auth)
        # the analysis time, as the in-process pipeline records it (the wait for an idle process is not in it)
        metrics.record_verdict(outcome.verdict, outcome.seconds, outcome.stages)
        return outcome

    app.process = process
    runner = Runner(app)
    runner.open()
    http = MetricsServer(metrics, settings.metrics, ready=app.ready.is_set)
    http.start()
    logging.getLogger("brandguard").info("%d analysis processes behind %s", args.workers, settings.milter.socket)
    try:
        return runner.serve()
    finally:
        http.stop()


if __name__ == "__main__":
    sys.exit(main())
