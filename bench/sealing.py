"""What sealing the journal costs the write path, and how fast it seals, in one run.

    python -m bench.sealing [--quick] [--seconds 10] [--rounds 3] [--accounts 50] [--block-rows 4096] [--json FILE]

Rows, in this order (pgbench custom scripts as the `razao_app` role, like `bench.sql`):

- pgbench TPC-B-like, 8 clients (before);
- db mode, `razao.post_transfers` with one transfer per call, 8 clients, **no sealer running** (the rows
  it writes stay unsealed: a backlog);
- app mode sealer, sealing that backlog alone: journal rows sealed per second (`application.seals` in this
  process, a block per transaction);
- `--rounds` times (3): the same write row **with a sealer beside it** (db mode, `razao.seal_journal` in a
  loop: it seals everything sealable, then waits `--interval` seconds as beat does, 10 by default; `0`
  seals as soon as anything is sealable, in blocks of a few rows: the worst case), and the rows it sealed
  meanwhile, then the write row again without a sealer (a new backlog);
- db mode sealer, sealing that backlog alone;
- pgbench TPC-B-like, 8 clients (after).

`with/without` divides each write rate with the sealer by the mean of the rows without on either side of
it, and reports the median of the rounds (the target is 0.95 or more); each row reports CPU seconds of
PostgreSQL and of the client, and the load average before and after. Nothing is asserted; the database
is created and dropped by the run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from application.seals import SealPath
from bench import _harness as h
from bench.sql import SINGLE_SCRIPT, _expected_version
from razao.container import build_container, dispose_engines

TPCB_CLIENTS = 8
WRITE_CLIENTS = 8


def _sealer_path(db: h.Database, mode: str, block_rows: int) -> tuple[Any, SealPath]:
    container = build_container(db.settings(mode, pool=2).model_copy(update={"seal_block_rows": block_rows}))
    return container, container.seal_path()


def _drain(path: SealPath) -> tuple[int, int]:
    """Seal until nothing is sealable: (blocks, rows)."""
    blocks = rows = 0
    while (block := path.seal_next()) is not None:
        blocks, rows = blocks + 1, rows + block["row_count"]
    return blocks, rows


class _Beside(threading.Thread):
    """A sealer running beside the writes until stopped: seals whenever anything is sealable."""

    def __init__(self, path: SealPath, interval: float) -> None:
        super().__init__(daemon=True)
        self.path, self.interval, self.rows, self.blocks, self.errors = path, interval, 0, 0, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                block = self.path.seal_next()
            except Exception:  # counted and reported
                self.errors += 1
                time.sleep(0.1)
                continue
            if block is None:  # all sealed: beat's next firing (`--interval`), or soon
                self._stop_event.wait(self.interval or 0.05)
            else:
                self.blocks, self.rows = self.blocks + 1, self.rows + block["row_count"]

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="seconds per write row (default 10)")
    parser.add_argument("--quick", action="store_true", help="3 seconds per row, for development")
    parser.add_argument("--accounts", type=int, default=50, help="accounts the transfers move between")
    parser.add_argument(
        "--block-rows", type=int, default=4096, help="most rows per block (RAZAO_SEAL_BLOCK_ROWS)"
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=10.0,
        help="seconds the sealer beside the writes waits once all is sealed, as beat does"
        " (RAZAO_SEAL_INTERVAL_SECONDS, default 10; 0: it seals as soon as anything is sealable)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rows with the sealer, each between two rows without (default 3)",
    )
    parser.add_argument("--database", default=f"razao_bench_sealing_{os.getpid()}")
    parser.add_argument(
        "--json", help="also write the rows to this file (key `sealing`; other keys are kept)"
    )
    args = parser.parse_args(argv)
    seconds = 3 if args.quick else args.seconds

    rows: list[h.Row] = []
    notes: list[str] = []
    with h.ledger_database(args.database, notes) as db:
        print(f"opening {args.accounts} accounts in {db.name}", file=sys.stderr)
        h.open_accounts(db, range(1, args.accounts + 1))
        version, note = _expected_version(db)
        if note:
            notes.append(note)
        app_container, app_sealer = _sealer_path(db, "app", args.block_rows)
        db_container, db_sealer = _sealer_path(db, "db", args.block_rows)
        with (
            h.tpcb_database(db.host, db.port, f"{db.name}_tpcb") as tpcb,
            tempfile.TemporaryDirectory() as tmp,
        ):
            meter = h.CpuMeter(h.postmaster_pid(db), [db.name, tpcb.name])
            script = Path(tmp) / "single.sql"
            script.write_text(SINGLE_SCRIPT.replace("{function}", "razao.post_transfers"), encoding="utf-8")
            variables = {"version": version, "accounts": str(args.accounts)}

            def writes(name: str, beside: SealPath | None) -> h.Row:
                sealer = _Beside(beside, args.interval) if beside is not None else None
                with h.row(meter, h.Row("sql", "db", name, WRITE_CLIENTS, "transfers")) as r:
                    if sealer is not None:
                        sealer.start()
                    result = h.pgbench(
                        db,
                        ["-n", "-f", str(script)],
                        clients=WRITE_CLIENTS,
                        seconds=seconds,
                        user="razao_app",
                        variables=variables,
                    )
                    h.fill_from_pgbench(r, result, 1, seconds)
                    if sealer is not None:
                        sealer.stop()
                        r.extra.update(sealed_rows=sealer.rows, sealed_blocks=sealer.blocks)
                        r.note = (
                            f"sealed {sealer.rows:,} rows in {sealer.blocks:,} blocks beside"
                            f" ({sealer.errors} errors)"
                        )
                print(f"  {name}: {r.rate:,.0f} transfers/s", file=sys.stderr)
                return r

            def seal(name: str, mode: str, path: SealPath) -> h.Row:
                waiting = path.status().unsealed_rows
                with h.row(meter, h.Row("sql", mode, name, 1, "rows")) as r:
                    began = time.perf_counter()
                    blocks, sealed = _drain(path)
                    r.seconds = time.perf_counter() - began
                r.calls, r.rate = blocks, sealed / r.seconds if r.seconds else float("nan")
                r.p50_ms = r.seconds * 1000 / blocks if blocks else float("nan")
                r.extra.update(rows=sealed, blocks=blocks, backlog=waiting)
                r.note = (
                    f"a backlog of {waiting:,} rows, {blocks:,} blocks of at most {args.block_rows:,};"
                    " p50: ms per block (mean)"
                )
                print(f"  {name}: {r.rate:,.0f} rows/s", file=sys.stderr)
                return r

            rows.append(h.tpcb_row("sql", tpcb, meter, TPCB_CLIENTS, seconds, "before"))
            # Rounds of (without, with), ending with a row without: each row with the sealer is compared
            # with the rows without on either side of it, so that a drift of the machine over the run
            # (another process, the tables growing) weighs on both sides alike.
            without = [writes("post_transfers single, no sealer", None)]
            rows.append(without[0])
            rows.append(seal("sealing the backlog (app mode)", "app", app_sealer))
            beside: list[h.Row] = []
            for n in range(1, args.rounds + 1):
                name = f"post_transfers single, db-mode sealer every {args.interval:g} s ({n})"
                beside.append(writes(name, db_sealer))
                without.append(writes(f"post_transfers single, no sealer ({n + 1})", None))
                rows += [beside[-1], without[-1]]
            rows.append(seal("sealing the backlog (db mode)", "db", db_sealer))
            rows.append(h.tpcb_row("sql", tpcb, meter, TPCB_CLIENTS, seconds, "after"))
            report = db_sealer.verify(0, 1_000_000)
            notes.append(
                f"verification after the run: {report.blocks:,} blocks, {report.rows:,} rows,"
                f" {'ok' if report.ok else f'{report.broken_blocks} broken'}"
            )
        for container in (app_container, db_container):
            dispose_engines(container)

    ratios = [
        r.rate / ((before.rate + after.rate) / 2)
        for r, before, after in zip(beside, without, without[1:], strict=False)
        if before.rate > 0 and after.rate > 0
    ]
    ratio = statistics.median(ratios) if ratios else None
    for r, each in zip(beside, ratios, strict=False):
        r.extra["with_over_without"] = round(each, 3)
    h.finish(
        f"Sealing beside the write path (pgbench -M prepared), {os.cpu_count()} cores, PostgreSQL on {db.host}",
        rows,
        TPCB_CLIENTS,
        args.json,
        "sealing",
        {
            "seconds_per_row": seconds,
            "accounts": args.accounts,
            "block_rows": args.block_rows,
            "interval_s": args.interval,
            "with_over_without": None if ratio is None else round(ratio, 3),
            "with_over_without_rounds": [round(r, 3) for r in ratios],
            "notes": notes,
        },
    )
    print(
        f"\nwrite rate with the sealer / without, median of {len(ratios)} rounds: {ratio:.3f} (target >= 0.95);"
        f" rounds {[round(r, 3) for r in ratios]}"
        if ratio
        else ""
    )


if __name__ == "__main__":
    main()
