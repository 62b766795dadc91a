"""Where an interest accrual's time goes: the SQL of each chunk, statement by statement, and the Python
around it, in either execution mode.

    python -m bench.accrual_profile [--accounts 100000] [--mode app|db] [--kernel auto|reference]
                                    [--seconds 30] [--server-log /var/log/postgresql/postgresql-15-main.log]

One accrual job (the range of `bench.jobs`) runs on a fresh clone of the size's template
(`bench.seed_jobs`), exactly as `bench.jobs` runs it. Meanwhile:

- PostgreSQL logs the duration of every statement the job's connections run, nested ones included
  (the statements inside `razao.accrue_interest` and inside the `entries_book` trigger): `auto_explain`,
  loaded for the clone's sessions only (`ALTER DATABASE ... SET session_preload_libraries`), without
  ANALYZE, so the plans are not timed node by node. The figures are read back from the server's log
  (`--server-log`; Debian's `pg_ctlcluster` writes it there) and given per chunk.
- `py-spy` samples the process that runs the job's Python for `--seconds`: the worker in `app` mode, the
  PostgreSQL backend (PL/Python) in `db` mode. A sample whose innermost Python line is a call into the
  database (`plpy.execute` inside PostgreSQL, the socket wait in the worker) counts as SQL.

Nested statements are counted inside their caller too: read the SQL table as "where the statement time
goes", not as a sum. Needs root (py-spy attaches to another user's process) and a superuser connection.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from adapters.tasks.jobs import INTEREST_ACCRUAL
from bench import jobs, seed_jobs
from razao.settings import Settings

#: auto_explain for the clone's sessions: every statement's duration, nested ones too, no per-node timing.
AUTO_EXPLAIN = {
    "session_preload_libraries": "auto_explain",
    "auto_explain.log_min_duration": "0",
    "auto_explain.log_nested_statements": "on",
    "auto_explain.log_analyze": "off",
}
#: Innermost frames that are the database at work, not Python: the in-database store's SPI calls, and the
#: worker's waits for a statement's answer.
SQL_FRAMES = re.compile(
    r"^(Spi\.(flush|execute) \(razao_store|.*plpy|Connection\.wait|wait_c|BaseCursor\._execute_send)"
)
_STATEMENT = re.compile(r"duration: ([\d.]+) ms\s+plan:\s*\n\s*Query Text: (.*)")


def statement_times(log_text: str, width: int = 96) -> dict[str, tuple[int, float]]:
    """(count, total ms) per statement text (its first `width` characters) in an auto_explain log."""
    found: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])
    for block in re.split(r"\n(?=\d{4}-\d\d-\d\d )", log_text):
        if match := _STATEMENT.search(block):
            key = re.sub(r"\s+", " ", match.group(2))[:width]
            found[key][0] += 1
            found[key][1] += float(match.group(1))
    return {key: (int(n), ms) for key, (n, ms) in found.items()}


def python_lines(raw: str) -> tuple[int, float, collections.Counter[str]]:
    """(samples, share that is SQL, samples per innermost line) of a py-spy `raw` profile."""
    total, sql = 0, 0
    lines: collections.Counter[str] = collections.Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        leaf = stack.split(";")[-1]
        if SQL_FRAMES.match(leaf):
            sql += n
        else:
            lines[leaf] += n
    return total, (sql / total if total else 0.0), lines


def _sampled_pid(mode: str, database: str, deadline: float) -> int | None:
    """The process whose Python runs the job, once it is at work: the backend calling
    `razao.accrue_interest` (db mode), or this process's job worker (app mode)."""
    while time.monotonic() < deadline:
        if mode == "db":
            with seed_jobs.connect("postgres") as c:
                row = c.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND query LIKE %s LIMIT 1",
                    (database, "%accrue_interest%"),
                ).fetchone()
            if row:
                return int(row[0])
        else:
            children = subprocess.run(
                ["pgrep", "-P", str(os.getpid()), "-f", "bench.job_worker"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.split()
            if children:
                return int(children[0])
        time.sleep(0.2)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--mode", choices=["app", "db"], default="db")
    parser.add_argument("--kernel", choices=["auto", "reference"], default="auto")
    parser.add_argument("--seconds", type=float, default=30.0, help="py-spy's sampling time")
    parser.add_argument("--server-log", type=Path, default=Path("/var/log/postgresql/postgresql-15-main.log"))
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    if not os.access(args.server_log, os.R_OK):
        parser.error(f"cannot read the server's log {args.server_log} (--server-log)")
    template = seed_jobs.build(args.accounts)
    database = f"razao_bench_profile_{os.getpid()}"
    seed_jobs.clone(template, database)
    raw_path = Path(f"/tmp/{database}.pyspy")
    try:
        with seed_jobs.connect("postgres") as c:
            for name, value in AUTO_EXPLAIN.items():
                c.execute(f"ALTER DATABASE {database} SET {name} = '{value}'")
        offset = args.server_log.stat().st_size
        spy: list[subprocess.Popen[bytes]] = []

        def sample() -> None:
            pid = _sampled_pid(args.mode, database, time.monotonic() + 120)
            if pid is not None:
                command = [
                    str(Path(sys.executable).with_name("py-spy")),
                    "record",
                    "--pid",
                    str(pid),
                    "--nonblocking",
                    "-d",
                    str(int(args.seconds)),
                    "-r",
                    "200",
                    "-f",
                    "raw",
                    "-o",
                    str(raw_path),
                ]
                spy.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        params = {"start": seed_jobs.ACCRUAL_START.isoformat(), "end": seed_jobs.ACCRUAL_END.isoformat()}
        measured = jobs.run_job(
            INTEREST_ACCRUAL, params, args.accounts, database, args.mode, None, kernel=args.kernel
        )
        sampler.join()
        for process in spy:
            process.wait()
        with args.server_log.open(errors="replace") as log:
            log.seek(offset)
            times = statement_times(log.read())
    finally:
        seed_jobs.drop(database)
    chunks = -(-args.accounts // Settings().job_chunk_size)
    print(
        f"{args.accounts:,} accounts, {args.mode} mode, kernel {measured.kernel_used}: {measured.check}; "
        f"{measured.seconds or 0:.1f} s, {chunks} chunks"
    )
    print("\n| statement (nested ones also inside their caller) | calls | ms per chunk |\n|---|---|---|")
    for text, (count, ms) in sorted(times.items(), key=lambda kv: -kv[1][1])[: args.top]:
        print(f"| `{text.replace('|', '/')}` | {count:,} | {ms / chunks:.1f} |")
    if raw_path.exists():
        total, sql, lines = python_lines(raw_path.read_text())
        raw_path.unlink()
        print(f"\npy-spy: {total:,} samples, {sql:.0%} in the database's calls; the rest by innermost line:")
        for line, n in lines.most_common(args.top):
            print(f"  {n / total:6.1%}  {line}")
    return 0 if measured.ok else 1


if __name__ == "__main__":
    sys.exit(main())
