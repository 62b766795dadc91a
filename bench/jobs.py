"""Interest accrual and ledger verification over many accounts, with the use cases run in the app
and in the database, on loopback and behind a ~1 ms link.

    python -m bench.jobs [--sizes 10000 100000 1000000] [--modes app db] [--link-sizes 10000]
                         [--kernels reference auto] [--delay-ms 0.35] [--json docs/data/jobs.json]
                         [--jobs interest-accrual ledger-verification]

For each size N (customer accounts, each with a few transfers of history and an interest policy: see
`bench.seed_jobs`, which builds a template database per N once and keeps it) and each execution mode,
a fresh clone of the template gets two jobs, run one after the other exactly as a Celery worker runs
them: a job record is created, then a separate worker process (`bench.job_worker`) runs the real
`JobRunner` on it:

1. `interest-accrual` over 31 Oct and 1 Nov 2026 (a month end and the next day: every account gets
   October's posting, and November stays open). Rows: account-days accrued.
2. `ledger-verification` of the whole ledger that results. Rows: journal entries verified.

Measured per job: wall time of the run in the worker (wiring and imports excluded), rows per second,
the worker's peak anonymous memory (RssAnon, sampled from /proc every 20 ms) and its CPU time, and
the same for the PostgreSQL backends serving it (found in pg_stat_activity by database: the largest
single backend and the largest sum). Each result is checked (N accounts, 2N account-days and N
postings, no failure; verification ok over every account and 10N entries): a run that fails its
check reports no figures.

`--kernels` runs each size and mode once per kernel mode (`RAZAO_KERNEL` of the worker, which its
connections carry into PostgreSQL: `reference` is the pure-Python reference on both sides, `auto` the Rust
kernel where installed), one after the other on fresh clones: the side-by-side comparison of the kernel.
Each row records the implementation the worker reported using (`kernel_used`).

`--link-sizes` repeats both modes behind an emulated network link: the worker runs in a network
namespace (`razao-bench-<pid>`, a veth pair 10.231.0.1/24 - 10.231.0.2/24) and reaches PostgreSQL
through `bench.relay`, which holds every chunk `--delay-ms` in each direction (this kernel has no
netem). Each row records the `SELECT 1` round trip its worker measured before the job. Needs root;
the namespace is removed at the end, on errors too.

With `--json FILE`, results are merged into FILE (same size, mode, link and job: replaced), so sizes
can be measured by separate runs; each row carries its date and the load averages before and after
it (other work on the machine shows there). The clones are dropped at the end; the templates stay.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from adapters.tasks.jobs import INTEREST_ACCRUAL, LEDGER_VERIFICATION, JobRunner
from application.jobs import create_job
from bench import seed_jobs
from razao.container import build_container, dispose_engines
from razao.settings import Settings

HOST_ADDRESS, NS_ADDRESS = "10.231.0.1", "10.231.0.2"
SAMPLE_SECONDS = 0.02
#: Backends of the database are looked up every this many samples (a query per sample would be noise).
BACKEND_LOOKUP_EVERY = 5
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ROOT = Path(__file__).resolve().parents[1]


# --- /proc sampling --------------------------------------------------------------------------------


def _status_kib(pid: int, field_name: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field_name):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def _cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


class Sampler(threading.Thread):
    """Peak RssAnon of one process and of the backends of one database, every 20 ms."""

    def __init__(self, worker_pid: int, database: str) -> None:
        super().__init__(daemon=True)
        self.worker_pid = worker_pid
        self.database = database
        self.worker_peak_kib = 0
        self.backend_peak_kib = 0
        self.backends_total_peak_kib = 0
        self.backend_cpu: dict[int, tuple[float, float]] = {}  # pid -> (first seen, last seen)
        self._halt = threading.Event()

    def run(self) -> None:
        backends: set[int] = set()
        with seed_jobs.connect("postgres") as connection:
            tick = 0
            while not self._halt.is_set():
                if tick % BACKEND_LOOKUP_EVERY == 0:
                    backends |= {
                        pid
                        for (pid,) in connection.execute(
                            "SELECT pid FROM pg_stat_activity"
                            " WHERE datname = %s AND backend_type = 'client backend'",
                            (self.database,),
                        )
                    }
                tick += 1
                self.worker_peak_kib = max(self.worker_peak_kib, _status_kib(self.worker_pid, "RssAnon") or 0)
                total = 0
                for pid in list(backends):
                    anon = _status_kib(pid, "RssAnon")
                    cpu = _cpu_seconds(pid)
                    if anon is None or cpu is None:
                        backends.discard(pid)
                        continue
                    total += anon
                    self.backend_peak_kib = max(self.backend_peak_kib, anon)
                    first = self.backend_cpu.get(pid, (cpu, cpu))[0]
                    self.backend_cpu[pid] = (first, cpu)
                self.backends_total_peak_kib = max(self.backends_total_peak_kib, total)
                self._halt.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    @property
    def backend_cpu_seconds(self) -> float:
        return sum(last - first for first, last in self.backend_cpu.values())


# --- the emulated link -----------------------------------------------------------------------------


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@dataclass(frozen=True, slots=True)
class Link:
    namespace: str
    host: str
    port: int
    delay_ms: float


@contextlib.contextmanager
def emulated_link(delay_ms: float) -> Iterator[Link]:
    """A network namespace reaching PostgreSQL through a relay that delays each direction."""
    namespace, host_end, ns_end = f"razao-bench-{os.getpid()}", f"rzb{os.getpid()}h", f"rzb{os.getpid()}n"
    relay: subprocess.Popen[str] | None = None
    try:
        _ip("netns", "add", namespace)
        _ip("link", "add", host_end, "type", "veth", "peer", "name", ns_end)
        _ip("link", "set", ns_end, "netns", namespace)
        _ip("addr", "add", f"{HOST_ADDRESS}/24", "dev", host_end)
        _ip("link", "set", host_end, "up")
        for command in (
            ["addr", "add", f"{NS_ADDRESS}/24", "dev", ns_end],
            ["link", "set", ns_end, "up"],
            ["link", "set", "lo", "up"],
        ):
            _ip("netns", "exec", namespace, "ip", *command)
        relay = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.relay",
                "--listen",
                f"{HOST_ADDRESS}:0",
                "--delay-ms",
                str(delay_ms),
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert relay.stdout is not None
        listening = relay.stdout.readline().split()
        if not listening or listening[0] != "listening":
            raise RuntimeError(f"the relay did not start: {listening}")
        yield Link(namespace, HOST_ADDRESS, int(listening[1].rsplit(":", 1)[1]), delay_ms)
    finally:
        if relay is not None:
            relay.terminate()
            relay.wait(10)
        subprocess.run(["ip", "netns", "del", namespace], check=False, capture_output=True)
        subprocess.run(["ip", "link", "del", host_end], check=False, capture_output=True)


# --- one job ---------------------------------------------------------------------------------------


@dataclass
class Measurement:
    accounts: int
    mode: str
    link: bool
    job: str
    #: The kernel mode asked for (`RAZAO_KERNEL` of the worker), and what the worker reported using.
    kernel: str = "auto"
    kernel_used: str | None = None
    ok: bool = False
    #: Stopped at the time limit (`--time-limit`): the figures cover the part that finished.
    stopped: bool = False
    check: str = ""
    seconds: float | None = None
    rows: int | None = None
    unit: str = ""
    rows_per_second: float | None = None
    round_trip_ms: float | None = None
    #: `app_code_version()` of the worker: the code that ran (the same code runs in `db` mode).
    code_version: str | None = None
    worker_peak_mib: float | None = None
    worker_maxrss_mib: float | None = None
    worker_cpu_seconds: float | None = None
    db_backends: int | None = None
    db_peak_mib: float | None = None
    db_total_peak_mib: float | None = None
    db_cpu_seconds: float | None = None
    result: dict[str, Any] = field(default_factory=dict)
    date: str = ""
    load_before: list[float] = field(default_factory=list)
    load_after: list[float] = field(default_factory=list)

    @property
    def key(self) -> tuple[int, str, bool, str, str]:
        return (self.accounts, self.mode, self.link, self.job, self.kernel)


def _urls(database: str, link: Link | None) -> tuple[str, str]:
    base = Settings()
    app = make_url(base.database_url).set(database=database)
    worker = app.set(host=link.host, port=link.port) if link else app
    return app.render_as_string(hide_password=False), worker.render_as_string(hide_password=False)


def _accrual_days(accrual: tuple[dt.date, dt.date]) -> list[dt.date]:
    start, end = accrual
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def _month_ends(accrual: tuple[dt.date, dt.date]) -> int:
    """The postings each account gets: one per month whose last day the range accrues (a fresh clone
    has no period open, and every account's policy starts before the range)."""
    return sum(1 for day in _accrual_days(accrual) if (day + dt.timedelta(days=1)).day == 1)


def _check(
    job: str, accounts: int, result: dict[str, Any], complete_accrual: bool, accrual: tuple[dt.date, dt.date]
) -> str | None:
    """What is wrong with a job's result (None: it did what it had to). After an accrual stopped at
    the time limit, the number of entries to verify is not known exactly: it is not checked."""
    postings = _month_ends(accrual) * accounts
    if job == INTEREST_ACCRUAL:
        days = len(_accrual_days(accrual)) * accounts
        expected = {"accounts": accounts, "days": days, "postings": postings}
        wrong = {k: result.get(k) for k, v in expected.items() if result.get(k) != v}
        if result.get("failures"):
            wrong["failures"] = len(result["failures"])
        return f"expected {expected}, got {wrong}" if wrong else None
    entries = 2 * len(seed_jobs.HISTORY) * accounts + 2 * postings  # history, then the interest postings
    expected_v = {"ok": True, "accounts": accounts + 1 + seed_jobs.COUNTERPARTS}
    if complete_accrual:
        expected_v["entries"] = entries
    wrong = {k: result.get(k) for k, v in expected_v.items() if result.get(k) != v}
    return f"expected {expected_v}, got {wrong}" if wrong else None


def run_job(
    kind: str,
    params: dict[str, Any],
    accounts: int,
    database: str,
    mode: str,
    link: Link | None,
    time_limit: float | None = None,
    complete_accrual: bool = True,
    kernel: str = "auto",
    accrual: tuple[dt.date, dt.date] = (seed_jobs.ACCRUAL_START, seed_jobs.ACCRUAL_END),
) -> Measurement:
    app_url, worker_url = _urls(database, link)
    measured = Measurement(accounts, mode, link is not None, kind, kernel)
    container = build_container(
        Settings(database_url=app_url, admin_database_url=app_url, execution_mode="app", db_pool_size=1)
    )
    try:
        job = create_job(kind, params, None, container.uow(), container.clock(), container.ids())
        command = [sys.executable, "-m", "bench.job_worker", "--database-url", worker_url]
        command += ["--mode", mode, "--job-id", str(job.id)]
        if link is not None:
            command = ["ip", "netns", "exec", link.namespace, *command]
        worker = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "RAZAO_KERNEL": kernel},
        )
        assert worker.stdin is not None and worker.stdout is not None
        try:
            ready = worker.stdout.readline().split()
            if not ready or ready[0] != "ready":
                raise RuntimeError(f"the worker did not start: {ready}")
            sampler = Sampler(int(ready[1]), database)
            sampler.start()
            time.sleep(0.1)  # the sampler has seen the worker's pooled backends
            measured.date = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            measured.load_before = list(os.getloadavg())
            worker.stdin.write("go\n")
            worker.stdin.flush()
            began = time.perf_counter()
            try:
                lines = worker.communicate(timeout=time_limit)[0].splitlines()
            except subprocess.TimeoutExpired:  # killed, as a worker can be: the job stays running
                worker.kill()
                worker.communicate()
                lines, measured.stopped = [], True
            elapsed = time.perf_counter() - began
            sampler.stop()
            measured.load_after = list(os.getloadavg())
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        with container.uow() as uow:
            record = uow.jobs.get(job.id)
        if measured.stopped and record is not None and kind == INTEREST_ACCRUAL:
            measured.check = (
                f"stopped after {elapsed:.0f} s: {record.processed:,} of {record.total:,} accounts"
            )
            measured.seconds, measured.unit = elapsed, "account-days"
            measured.rows = 2 * record.processed
            measured.rows_per_second = measured.rows / elapsed
            _memory(measured, sampler)
            return measured
        report = next((json.loads(line[7:]) for line in lines if line.startswith("result ")), None)
        if report is None or record is None or record.state.value != "succeeded":
            state = record.state.value if record else "missing"
            measured.check = (
                f"job {state}: {record.errors if record else ''} (worker exit {worker.returncode})"
            )
            return measured
        result = report["result"]
        measured.result = {k: v for k, v in result.items() if not isinstance(v, list) or v}
        problem = _check(kind, accounts, result, complete_accrual, accrual)
        if problem:
            measured.check = problem
            return measured
        measured.ok = True
        measured.check = (
            f"{result['postings']:,} postings, no failure"
            if kind == INTEREST_ACCRUAL
            else f"ok, {result['accounts']:,} accounts, {result['transfers']:,} transfers"
        )
        measured.seconds = report["seconds"]
        measured.rows, measured.unit = (
            (result["days"], "account-days") if kind == INTEREST_ACCRUAL else (result["entries"], "entries")
        )
        measured.rows_per_second = measured.rows / measured.seconds
        measured.round_trip_ms = report["round_trip_ms"]
        measured.code_version = report.get("code_version")
        measured.kernel_used = report.get("kernel")
        measured.worker_maxrss_mib = report["maxrss_kib"] / 1024
        measured.worker_cpu_seconds = report["cpu_seconds"]
        _memory(measured, sampler)
        return measured
    finally:
        dispose_engines(container)


def _memory(measured: Measurement, sampler: Sampler) -> None:
    measured.worker_peak_mib = sampler.worker_peak_kib / 1024
    measured.db_backends = len(sampler.backend_cpu)
    measured.db_peak_mib = sampler.backend_peak_kib / 1024
    measured.db_total_peak_mib = sampler.backends_total_peak_kib / 1024
    measured.db_cpu_seconds = sampler.backend_cpu_seconds


def run_size(
    accounts: int,
    mode: str,
    link: Link | None,
    time_limit: float | None,
    kernel: str = "auto",
    *,
    verify: bool = True,
    accrual: tuple[dt.date, dt.date] = (seed_jobs.ACCRUAL_START, seed_jobs.ACCRUAL_END),
) -> list[Measurement]:
    """Both jobs (only the accrual without `verify`), one after the other, on a fresh clone of the size's
    template, in kernel mode `kernel`."""
    template = seed_jobs.build(accounts)
    database = f"razao_bench_jobs_run_{os.getpid()}"
    seed_jobs.clone(template, database)
    try:
        params = {"start": accrual[0].isoformat(), "end": accrual[1].isoformat()}
        accrued = run_job(
            INTEREST_ACCRUAL,
            params,
            accounts,
            database,
            mode,
            link,
            time_limit,
            kernel=kernel,
            accrual=accrual,
        )
        if not verify:
            return [accrued]
        verification = run_job(
            LEDGER_VERIFICATION,
            {},
            accounts,
            database,
            mode,
            link,
            complete_accrual=not accrued.stopped,
            kernel=kernel,
            accrual=accrual,
        )
        return [accrual, verification]
    finally:
        seed_jobs.drop(database)


# --- output ----------------------------------------------------------------------------------------

HEADER = (
    "| accounts  | mode | link | kernel    | job                 | seconds | rows/s  | rows       | RTT ms "
    "| worker MiB | worker CPU s | db MiB (max/sum) | db CPU s | load 1m |\n"
    "|-----------|------|------|-----------|---------------------|---------|---------|------------|--------"
    "|------------|--------------|------------------|----------|---------|"
)


def _n(value: float | None, spec: str) -> str:
    """A figure in the table, or a dash where it was not measured (a run stopped at the time limit)."""
    width = int("".join(c for c in spec.split(".")[0] if c.isdigit()) or 0)
    return "—".rjust(width) if value is None else format(value, spec)


def row(m: Measurement) -> str:
    used = "rust" if (m.kernel_used or "").startswith("razao_kernel") else (m.kernel_used or "?")
    label = f"| {m.accounts:>9,} | {m.mode:<4} | {'1 ms' if m.link else '-':<4} | {used:<9} | {m.job:<19} |"
    if not m.ok and not m.stopped:
        return f"{label} FAILED: {m.check}"
    return (
        f"{label} {_n(m.seconds, '>7.1f')} | {_n(m.rows_per_second, '>7,.0f')} | {_n(m.rows, '>10,')} | "
        f"{_n(m.round_trip_ms, '>6.2f')} | {_n(m.worker_peak_mib, '>10.0f')} | "
        f"{_n(m.worker_cpu_seconds, '>12.1f')} | {_n(m.db_peak_mib, '>7.0f')} / {_n(m.db_total_peak_mib, '>6.0f')} | "
        f"{_n(m.db_cpu_seconds, '>8.1f')} | {m.load_before[0]:>4.1f}-{m.load_after[0]:<3.1f}|"
        + (f" {m.check}" if m.stopped else "")
    )


def _server_version() -> str:
    with seed_jobs.connect("postgres") as connection:
        found = connection.execute("SHOW server_version").fetchone()
    return str(found[0]) if found else "unknown"


def _memory_gib() -> float:
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        return int(meminfo.readline().split()[1]) / 1024 / 1024


def save(path: Path, measurements: list[Measurement], facts: dict[str, Any]) -> None:
    """Merge into `path`: rows of the same (accounts, mode, link, job) are replaced."""
    existing: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    rows = {
        (r["accounts"], r["mode"], r["link"], r["job"], r.get("kernel", "auto")): r
        for r in existing.get("results", [])
    } | {m.key: asdict(m) for m in measurements}
    order = {"app": 0, "db": 1}
    ordered = sorted(
        rows.values(),
        key=lambda r: (r["link"], r["accounts"], order.get(r["mode"], 9), r["job"], r.get("kernel", "auto")),
    )
    data = {**existing, **facts, "results": ordered}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--modes", nargs="+", default=["app", "db"], choices=["app", "db"])
    parser.add_argument("--link-sizes", type=int, nargs="*", default=[10_000])
    parser.add_argument(
        "--kernels",
        nargs="+",
        default=["auto"],
        choices=["auto", "reference", "required"],
        help="kernel modes to run each size and mode with, side by side (reference auto: without and with)",
    )
    parser.add_argument(
        "--delay-ms", type=float, default=0.35, help="relay hold per direction (0.35: ~1 ms round trip)"
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        help="stop an accrual job after this many seconds (killed like a worker) and report its rate so far",
    )
    parser.add_argument(
        "--jobs",
        nargs="+",
        default=[INTEREST_ACCRUAL, LEDGER_VERIFICATION],
        choices=[INTEREST_ACCRUAL, LEDGER_VERIFICATION],
        help="the jobs to run (the verification always follows an accrual, which it needs)",
    )
    parser.add_argument(
        "--accrual-range",
        nargs=2,
        type=dt.date.fromisoformat,
        default=[seed_jobs.ACCRUAL_START, seed_jobs.ACCRUAL_END],
        metavar=("START", "END"),
        help="the days the accrual covers (default: 31 Oct and 1 Nov 2026; 2026-11-02 2026-11-02 is one night"
        " in mid-month: every account accrues a day and none posts)",
    )
    parser.add_argument("--json", type=Path, help="merge the figures into this file")
    parser.add_argument(
        "--server-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a reloadable server setting for the runs (ALTER SYSTEM, then reset): e.g. max_wal_size=16GB",
    )
    args = parser.parse_args(argv)
    verify = LEDGER_VERIFICATION in args.jobs
    accrual = (args.accrual_range[0], args.accrual_range[1])
    # A SIGTERM unwinds like an error, so that `--server-setting`s are put back and the clone is dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    facts = {
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gib": round(_memory_gib(), 1),
            "postgresql": _server_version(),
            "python": sys.version.split()[0],
        },
        "accrual_range": [day.isoformat() for day in args.accrual_range],
        "history_transfers_per_account": len(seed_jobs.HISTORY),
        "job_chunk_size": Settings().job_chunk_size,
        "verify_chunk": next((f.default for f in fields(JobRunner) if f.name == "verify_chunk"), None),
        "verify_rows": next((f.default for f in fields(JobRunner) if f.name == "verify_rows"), None),
        "link_delay_ms_per_direction": args.delay_ms,
    }
    measurements: list[Measurement] = []
    print(HEADER)

    def record(found: list[Measurement]) -> None:
        for m in found:
            print(row(m), flush=True)
        measurements.extend(found)
        if args.json:
            save(args.json, measurements, facts)

    with server_settings(dict(item.split("=", 1) for item in args.server_setting)) as applied:
        facts["server_settings"] = applied
        for accounts in args.sizes:
            for mode in args.modes:
                for kernel in args.kernels:
                    record(
                        run_size(
                            accounts, mode, None, args.time_limit, kernel, verify=verify, accrual=accrual
                        )
                    )
        if args.link_sizes:
            with emulated_link(args.delay_ms) as link:
                for accounts in args.link_sizes:
                    for mode in args.modes:
                        for kernel in args.kernels:
                            record(
                                run_size(
                                    accounts,
                                    mode,
                                    link,
                                    args.time_limit,
                                    kernel,
                                    verify=verify,
                                    accrual=accrual,
                                )
                            )
    return 0 if all(m.ok or m.stopped for m in measurements) else 1


@contextlib.contextmanager
def server_settings(wanted: dict[str, str]) -> Iterator[dict[str, str]]:
    """Reloadable server settings (`ALTER SYSTEM`, `pg_reload_conf()`) for the runs, each put back as it
    was afterwards (reset, or its earlier `ALTER SYSTEM` value), on errors too. A setting that needs a
    restart is refused. Yields the settings in force (as `SHOW` gives them)."""
    with seed_jobs.connect("postgres") as c:
        c.autocommit = True
        before: dict[str, str | None] = {}
        for name in wanted:
            row = c.execute(
                "SELECT context, setting, coalesce(sourcefile, '') LIKE '%%postgresql.auto.conf' FROM pg_settings"
                " WHERE name = %s",
                (name,),
            ).fetchone()
            if row is None or row[0] != "sighup":
                raise SystemExit(
                    f"--server-setting {name}: not a setting a reload changes ({row and row[0]})"
                )
            before[name] = c.execute(f"SHOW {name}").fetchone()[0] if row[2] else None  # type: ignore[index]
        try:
            for name, value in wanted.items():
                c.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            c.execute("SELECT pg_reload_conf()")
            time.sleep(0.5)  # the postmaster and its children reread the files
            yield {name: c.execute(f"SHOW {name}").fetchone()[0] for name in wanted}  # type: ignore[index]
        finally:
            for name, earlier in before.items():
                c.execute(
                    f"ALTER SYSTEM RESET {name}"
                    if earlier is None
                    else f"ALTER SYSTEM SET {name} = '{earlier}'"
                )
            c.execute("SELECT pg_reload_conf()")


if __name__ == "__main__":
    raise SystemExit(main())
