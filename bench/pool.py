"""Prototype for issue 8's multi-core question: ONE libmilter process, analysis in a process pool.

libmilter's threads only collect the SMTP facts; at end-of-message the frozen MessageContext is
pickled to one of N worker processes (each with its own App: policy, resolver, DNS cache), and
the libmilter thread waits for the Outcome without holding the GIL. Metrics stay in the parent:
eom latency here includes the hand-off (pickling, queueing for a free worker).

    python bench/pool.py --config settings.yaml --workers 2

A bench prototype, not product code: the lead decides.
"""
from __future__ import annotations

import argparse
import logging
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "milter"))

from brandguard.adapter.runner import Runner  # noqa: E402
from brandguard.app import App  # noqa: E402
from brandguard.http import MetricsServer  # noqa: E402
from brandguard.metrics import Metrics  # noqa: E402
from brandguard.settings import load_settings  # noqa: E402

_worker_app: App | None = None


def _init(config: str, with_dns: bool) -> None:
    global _worker_app
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    _worker_app = App(load_settings(config), metrics=None, with_dns=with_dns)


def _process(ctx):
    return _worker_app.pipeline.process(ctx)


def _ping() -> int:
    return 1


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
    mp = multiprocessing.get_context("forkserver")
    mp.set_forkserver_preload(["brandguard.app", "brandguard.content", "brandguard.checks"])
    pool = ProcessPoolExecutor(args.workers, mp_context=mp, initializer=_init,
                               initargs=(args.config, not args.no_dns))
    for f in [pool.submit(_ping) for _ in range(args.workers * 4)]:  # start the workers before libmilter's threads
        f.result()
    metrics = Metrics()
    app = App(settings, metrics=metrics, with_dns=False)  # the parent only plans and applies actions

    def process(ctx):
        t0 = time.monotonic()
        outcome = pool.submit(_process, ctx).result()
        metrics.record_auth(outcome.auth)
        metrics.record_verdict(outcome.verdict, time.monotonic() - t0, outcome.stages)
        return outcome

    app.pipeline.process = process
    runner = Runner(app)
    runner.open()
    http = MetricsServer(metrics, settings.metrics, ready=app.ready.is_set)
    http.start()
    logging.getLogger("brandguard").info("pool of %d analysis processes behind %s", args.workers, settings.milter.socket)
    try:
        return runner.serve()
    finally:
        http.stop()
        pool.shutdown(wait=False, cancel_futures=True)


if __name__ == "__main__":
    sys.exit(main())
