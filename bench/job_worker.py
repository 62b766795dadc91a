"""One background job run to its end by the real `JobRunner`, in a process of its own (what a Celery
worker does with a `razao.run_job` task), for `bench.jobs`.

    python -m bench.job_worker --database-url URL --mode app|db --job-id UUID

Wires the container like the worker does (`razao.container`: `job_runner` with the execution mode's
batch path), opens its pooled connections and times `SELECT 1` on one of them (the round trip to
the database, as this process sees it), then prints `ready <pid>` and waits for a line on stdin, so
that the caller's memory sampler is running before the work starts. It then runs the job and prints
one line `result <json>`: the job's result, the wall time of the run, this process's peak resident
set (`ru_maxrss`) and CPU time, the version of the code it ran (`app_code_version`) and what ran its hot
functions on the side that runs the job (`domain.kernel`: the Rust kernel or the reference; `RAZAO_KERNEL`
chooses, for this process and, through its connections, for PostgreSQL). Imports and
wiring are not part of the timed run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
import uuid

from sqlalchemy import text

from adapters.db.code_bundle import app_code_version, database_kernel
from domain import kernel
from razao.container import build_container, dispose_engines
from razao.logging import configure_logging
from razao.settings import Settings


def _round_trip_ms(engine: object, samples: int = 200) -> float:
    """Median wall time of `SELECT 1` on one pooled connection, in milliseconds."""
    times = []
    with engine.connect() as connection:  # type: ignore[attr-defined]
        for _ in range(samples):
            began = time.perf_counter()
            connection.execute(text("SELECT 1")).scalar_one()
            times.append(time.perf_counter() - began)
        connection.rollback()
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--mode", choices=["app", "db"], required=True)
    parser.add_argument("--job-id", type=uuid.UUID, required=True)
    parser.add_argument("--pool-size", type=int, default=2)
    args = parser.parse_args(argv)

    configure_logging("WARNING", "json")
    settings = Settings(
        database_url=args.database_url,
        admin_database_url=args.database_url,
        execution_mode=args.mode,
        db_pool_size=args.pool_size,
        db_max_overflow=0,
    )
    container = build_container(settings)
    try:
        runner = container.job_runner()
        assert container.execution_mode() == args.mode
        round_trip = _round_trip_ms(container.engine())
        container.function_engine().connect().close()
        used = kernel.describe() if args.mode == "app" else database_kernel(container.function_engine())
        print(f"ready {os.getpid()}", flush=True)
        sys.stdin.readline()

        before = resource.getrusage(resource.RUSAGE_SELF)
        began = time.perf_counter()
        result = runner(args.job_id)
        seconds = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        dispose_engines(container)
    report = {
        "result": result,
        "seconds": seconds,
        "round_trip_ms": round_trip,
        "code_version": app_code_version(),
        "kernel": used.get("kernel"),
        "maxrss_kib": after.ru_maxrss,
        "cpu_seconds": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    }
    print("result " + json.dumps(report, default=str), flush=True)


if __name__ == "__main__":
    main()
