"""Exports (docs/export.md): rows/s of a streamed export, and the API process's memory while it streams.

    python -m bench.export [--quick] [--entries 1000000] [--modes app,db] [--formats csv,jsonl]
                           [--json FILE]

A database of its own, at head with this checkout's code, holds one credit-normal account with
`--entries` posted entries (one per transfer, booked a second apart; a debit-normal counterpart takes
the other line, so the journal holds twice as many), seeded with set-based SQL through every trigger.
Descriptions carry a comma and quotes, so that every CSV line is quoted.

Then, per execution mode, `razao serve --workers 1` starts on a free port (one process: its RSS is the
API's), and each row streams one export over HTTP to the end, reading the body in chunks:

- `statement`: `GET /v1/accounts/{id}/entries` with `Accept: text/csv` or `application/x-ndjson`: the
  account's `--entries` lines;
- `journal`: `GET /v1/journal?from=...&to=...` over the window that holds `--entries` lines (half the
  transfers, both lines of each), each page a keyset read of `ix_entries_created_at` (revision 0015;
  without it each page scanned the journal: at 100,000 lines, 3.3 times slower in app mode and 3.5 in db
  mode, measured when the index was added).

Each row prints: lines (checked against what was seeded, and the last line's balance against the
account's), seconds, lines/s, MiB/s, time to the first byte, and the API process's resident memory
(VmRSS of /proc/<pid>/status, with its children's) before the export (after a small warm-up export),
at its peak while streaming (sampled every 20 ms), and one second after the end. Flat memory means the
peak stays within a few MiB of the before figure whatever `--entries` is.

`--quick`: 100,000 entries. Nothing here is a test: every figure is printed, none is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

from bench import _harness as h
from bench.http import Api, _api_key

START = datetime(2025, 3, 1, tzinfo=UTC)
STEP = timedelta(seconds=1)
#: Transfers per INSERT while seeding.
CHUNK = 100_000
ACCOUNT = uuid.UUID("00000000-0000-4000-8000-0000000000e1")
COUNTERPART = uuid.UUID("00000000-0000-4000-8000-0000000000e2")
SAMPLE_SECONDS = 0.02
MEDIA = {"csv": "text/csv", "jsonl": "application/x-ndjson"}


def _log(message: str) -> None:
    print(f"[export {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _connect(url: str) -> psycopg.Connection[Any]:
    u = make_url(url)
    return psycopg.connect(
        host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database, autocommit=True
    )


def seed(db: h.Database, entries: int) -> int:
    """`entries` transfers debiting COUNTERPART and crediting ACCOUNT, one a second from START; returns
    the account's posted balance."""
    started = time.perf_counter()
    with _connect(db.admin_url) as c:
        c.execute("SET synchronous_commit = off")
        c.execute("SET work_mem = '256MB'")
        c.execute(
            "INSERT INTO assets (code, scale, created_at) VALUES ('BRL', 2, %s) ON CONFLICT DO NOTHING",
            (START,),
        )
        c.execute(
            """
            INSERT INTO accounts (id, code, name, asset_code, normal_side, min_balance, status, created_at)
            VALUES (%(a)s, 'bench:export:account', 'Export account', 'BRL', 'credit', NULL, 'active', %(at)s),
                   (%(c)s, 'bench:export:counterpart', 'Counterpart', 'BRL', 'debit', NULL, 'active', %(at)s)
            """,
            {"a": ACCOUNT, "c": COUNTERPART, "at": START - timedelta(days=1)},
        )
        c.execute(
            """
            CREATE UNLOGGED TABLE bench_export_rows AS
            SELECT i, gen_random_uuid() AS transfer_id, %(start)s + i * %(step)s AS at, amount,
                   sum(amount) OVER (ORDER BY i) AS balance
            FROM (SELECT i, (1 + i %% 9973)::numeric AS amount FROM generate_series(1, %(n)s) AS i) s
            """,
            {"start": START, "step": STEP, "n": entries},
        )
        c.execute("ALTER TABLE bench_export_rows ADD PRIMARY KEY (i)")
        for low in range(0, entries, CHUNK):
            chunk = "FROM bench_export_rows WHERE i > %(low)s AND i <= %(high)s"
            params = {"low": low, "high": low + CHUNK, "a": ACCOUNT, "c": COUNTERPART}
            c.execute(
                f"""
                INSERT INTO transfers (id, status, two_phase, description, metadata, effective_at,
                                       created_at, fingerprint)
                SELECT transfer_id, 'posted', false, 'Deposit, "bench" #' || i, '{{}}'::jsonb, at, at,
                       md5(transfer_id::text)
                {chunk} ORDER BY i
                """,
                params,
            )
            c.execute(
                f"""
                INSERT INTO entries (transfer_id, account_id, seq, line, layer, side, amount, asset_code,
                                     balance_after, created_at, effective_at)
                SELECT transfer_id, %(c)s, i, 0, 'posted', 'debit', amount, 'BRL', balance, at, at {chunk}
                UNION ALL
                SELECT transfer_id, %(a)s, i, 1, 'posted', 'credit', amount, 'BRL', balance, at, at {chunk}
                """,
                params,
            )
            _log(f"  {min(low + CHUNK, entries):,} transfers ({time.perf_counter() - started:.0f} s)")
        c.execute("DROP TABLE bench_export_rows")
        c.execute("VACUUM (ANALYZE)")
        c.execute("CHECKPOINT")
        row = c.execute(
            "SELECT posted_credits - posted_debits FROM accounts WHERE id = %s", (ACCOUNT,)
        ).fetchone()
    assert row is not None
    _log(f"seeded {entries:,} transfers in {time.perf_counter() - started:.0f} s")
    return int(row[0])


# --- the API process's memory --------------------------------------------------------------------------


def _rss_kib(pid: int) -> int:
    """VmRSS of `pid` and of its children (uvicorn with one worker has none), in KiB."""
    total = 0
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
            pids += [int(p) for p in f.read().split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


class Sampler:
    """Samples the RSS of a process every SAMPLE_SECONDS in a thread while in its `with` block."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._stop = threading.Event()
        self.peak = 0
        self.samples = 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_kib(self._pid))
            self.samples += 1
            self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --- the rows --------------------------------------------------------------------------------------------


@dataclass
class Row:
    mode: str
    export: str
    format: str
    lines: int
    expected: int
    balance_ok: bool | None
    seconds: float
    lines_per_s: float
    mib_per_s: float
    first_byte_ms: float
    rss_before_mib: float
    rss_peak_mib: float
    rss_after_mib: float
    samples: int
    loadavg: float


def _stream(api: Api, path: str, token: str, media: str) -> tuple[int, int, bytes, float]:
    """Lines, bytes, the last line and the time to the first byte of one export, read in chunks."""
    lines = size = 0
    tail = b""
    first = 0.0
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}", "Accept": media}
    with httpx.stream("GET", api.base + path, headers=headers, timeout=None) as response:
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.read()[:300]!r}")
        for chunk in response.iter_raw(256 * 1024):
            if not first:
                first = time.perf_counter() - started
            lines += chunk.count(b"\n")
            size += len(chunk)
            tail = (tail + chunk)[-4096:]
    return lines, size, tail.rstrip(b"\r\n").rsplit(b"\n", 1)[-1], first


def _balance_of(last: bytes, fmt: str) -> int:
    if fmt == "jsonl":
        return int(json.loads(last)["balance_after"])
    import csv
    import io

    [cells] = list(csv.reader(io.StringIO(last.decode())))
    return int(cells[10])  # balance_after (exports.COLUMNS)


def measure(
    api: Api, token: str, mode: str, export: str, fmt: str, path: str, expected: int, balance: int | None
) -> Row:
    pid = api.process.pid
    before = _rss_kib(pid)
    load = h.loadavg()
    started = time.perf_counter()
    with Sampler(pid) as sampler:
        lines, size, last, first = _stream(api, path, token, MEDIA[fmt])
    seconds = time.perf_counter() - started
    time.sleep(1)
    after = _rss_kib(pid)
    rows = lines - (1 if fmt == "csv" else 0)
    row = Row(
        mode=mode,
        export=export,
        format=fmt,
        lines=rows,
        expected=expected,
        balance_ok=None if balance is None else _balance_of(last, fmt) == balance,
        seconds=round(seconds, 2),
        lines_per_s=round(rows / seconds),
        mib_per_s=round(size / seconds / 2**20, 1),
        first_byte_ms=round(first * 1000, 1),
        rss_before_mib=round(before / 1024, 1),
        rss_peak_mib=round(max(sampler.peak, before) / 1024, 1),
        rss_after_mib=round(after / 1024, 1),
        samples=sampler.samples,
        loadavg=load,
    )
    _log(f"  {row}")
    return row


def _window(transfers: int) -> str:
    start = START
    end = START + transfers * STEP + STEP / 2  # transfers 1..n booked at START + i s
    return f"from={start.isoformat().replace('+', '%2B')}&to={end.isoformat().replace('+', '%2B')}"


def run_mode(db: h.Database, mode: str, entries: int, balance: int, formats: list[str]) -> list[Row]:
    token = _api_key(db)
    if note := h.deploy_checkout_code(db):  # the sources may have changed since the database was made
        _log(note)
    api = Api(db, mode, workers=1, pool=4)
    rows: list[Row] = []
    try:
        if api.ready:
            _log(f"{mode}: {api.ready}")
        statement = f"/v1/accounts/{ACCOUNT}/entries"
        # warm-up: a small export of each kind (imports, pools, plans), then the figures.
        for fmt in formats:
            _stream(
                api,
                statement + f"?to={(START + 1000 * STEP).isoformat().replace('+', '%2B')}",
                token,
                MEDIA[fmt],
            )
            _stream(api, f"/v1/journal?{_window(500)}", token, MEDIA[fmt])
        for fmt in formats:
            rows.append(measure(api, token, mode, "statement", fmt, statement, entries, balance))
        journal = f"/v1/journal?{_window(entries // 2)}"
        for fmt in formats:
            rows.append(measure(api, token, mode, "journal", fmt, journal, 2 * (entries // 2), None))
    finally:
        api.stop()
    return rows


def table(rows: list[Row]) -> str:
    head = (
        "| mode | export | format | lines | s | lines/s | MiB/s | first byte ms | RSS before MiB | RSS peak MiB"
        " | RSS after MiB | checked |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    body = [
        f"| {r.mode} | {r.export} | {r.format} | {r.lines:,} | {r.seconds} | {r.lines_per_s:,} | {r.mib_per_s} |"
        f" {r.first_byte_ms} | {r.rss_before_mib} | {r.rss_peak_mib} | {r.rss_after_mib} |"
        f" {'ok' if r.lines == r.expected and r.balance_ok is not False else 'MISMATCH'} |"
        for r in rows
    ]
    return "\n".join([head, *body])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 entries")
    parser.add_argument("--modes", default="app,db")
    parser.add_argument("--formats", default="csv,jsonl")
    parser.add_argument("--json", help="write the rows to this file too")
    args = parser.parse_args(argv)
    entries = 100_000 if args.quick else args.entries
    formats = [f for f in args.formats.split(",") if f]
    notes: list[str] = []
    rows: list[Row] = []
    name = f"razao_bench_export_{os.getpid()}"
    with h.ledger_database(name, notes) as db:
        balance = seed(db, entries)
        for mode in [m for m in args.modes.split(",") if m]:
            _log(f"mode {mode}")
            rows += run_mode(db, mode, entries, balance, formats)
    print(
        f"\nExports of {entries:,} entries, {os.cpu_count()} cores, PostgreSQL on {db.host};"
        " API: razao serve --workers 1"
    )
    for note in notes:
        print(f"- {note}")
    print(table(rows))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"entries": entries, "notes": notes, "rows": [asdict(r) for r in rows]}, f, indent=2)


if __name__ == "__main__":
    main()
