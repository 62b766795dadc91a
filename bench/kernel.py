"""The Rust kernel on the booking path, in memory: `domain.ledger.post_transfers` and `post_each` on a
batch of transfers, with the kernel and with the pure-Python reference, side by side in one run.

    python -m bench.kernel [--sizes 1 10 100 1000] [--transfers 1000] [--accounts 1000]
                           [--repetitions 9] [--json docs/data/kernel.json]

No database and no I/O: `--accounts` accounts (credit- and debit-normal, minimum None or 0, funded so that
nothing is refused) and `--transfers` simple transfers between random pairs of them (one in ten a hold)
are built once; each repetition books all the transfers in calls of `--sizes` transfers, once per
implementation, in alternating order (reference, kernel, kernel measured; then the next repetition), on
the same accounts (their balances keep growing; nothing is refused). Printed per operation and size:

- `us/transfer`: the whole domain call (wall time, median and best of the repetitions, divided by the
  transfers booked), for the reference (`kernel.configure("reference")`) and the kernel;
- `cpu us/transfer`: the same, in CPU time of the process, and its ratio to the reference's (`cpu vs
  reference`: CPU time is what other work on the machine disturbs least);
- `kernel us/transfer`: the time spent inside the kernel's calls (`apply_batch`), from
  `time.perf_counter_ns` around each call in a measuring wrapper that this bench puts in front of the
  kernel (the product code is not instrumented; the wrapper's own cost is in the third run only, which
  gives no other figure). The kernel's calls are single-threaded and do no I/O: their wall time is CPU.

Before measuring, one batch is booked by both on copies of the accounts and the outcomes, entries and
balances are compared: a kernel that disagrees with the reference reports no figures. The load average
is printed before and after: the figures are only comparable within one run. With `--json FILE` the
figures are written into FILE under the key `ledger` (other keys are kept).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import os
import platform
import random
import statistics
import sys
import time
import types
import uuid
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from unittest import mock

from domain import kernel, ledger
from domain.accounts import Account, AccountStatus, Balances, Side
from domain.assets import Asset
from domain.transfers import Posting, TransferRequest

AT = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
BRL = Asset("BRL", 2)
NAMESPACE = uuid.UUID("9d0f3b52-7c1e-4a86-b3d4-2e6f8a0c1b57")
IMPLEMENTATIONS = ("reference", "kernel", "kernel measured")
Operation = Callable[..., list[Any]]


def loadavg() -> float:
    with open("/proc/loadavg", encoding="ascii") as f:
        return float(f.read().split()[0])


# --- the accounts and the transfers ----------------------------------------------------------------------


def accounts(count: int, seed: int) -> dict[uuid.UUID, Account]:
    rnd = random.Random(seed)
    books = {}
    for n in range(count):
        side = Side.CREDIT if n % 4 else Side.DEBIT
        funds = rnd.randint(10**12, 10**13)
        account = Account(
            id=uuid.uuid5(NAMESPACE, f"account:{n}"),
            code=f"bench:acct:{n}",
            name=f"Account {n}",
            asset=BRL,
            normal_side=side,
            min_balance=None if n % 3 == 0 else 0,
            status=AccountStatus.ACTIVE,
            metadata={},
            created_at=AT,
            balances=Balances(0, funds) if side is Side.CREDIT else Balances(funds, 0),
            last_seq=rnd.randint(0, 1000),
        )
        books[account.id] = account
    return books


def transfers(books: dict[uuid.UUID, Account], count: int, seed: int) -> list[TransferRequest]:
    rnd = random.Random(seed)
    ids = list(books)
    requests = []
    for n in range(count):
        debit, credit = rnd.sample(ids, 2)
        amount = rnd.randint(1, 100_000)
        requests.append(
            TransferRequest(
                uuid.uuid5(NAMESPACE, f"transfer:{n}"),
                (Posting(debit, Side.DEBIT, amount), Posting(credit, Side.CREDIT, amount)),
                pending=n % 10 == 0,
            )
        )
    return requests


# --- running the implementations --------------------------------------------------------------------------


class Measured:
    """The kernel behind a stopwatch: each `apply_batch` call timed with `perf_counter_ns`."""

    def __init__(self, native: types.ModuleType) -> None:
        self.module = types.ModuleType(f"{native.__name__}_measured")
        self.module.__dict__.update({k: v for k, v in vars(native).items() if not k.startswith("__")})
        self.module.apply_batch = self._apply_batch  # type: ignore[attr-defined]
        self._inner = native.apply_batch
        self.ns = 0
        self.calls = 0

    def _apply_batch(self, *args: Any) -> Any:
        start = time.perf_counter_ns()
        try:
            return self._inner(*args)
        finally:
            self.ns += time.perf_counter_ns() - start
            self.calls += 1


def book_all(operation: Operation, requests: Sequence[TransferRequest], size: int, books: Any) -> int:
    booked = 0
    for start in range(0, len(requests), size):
        results = operation(requests[start : start + size], existing={}, accounts=books, at=AT)
        booked += sum(1 for r in results if isinstance(r, ledger.Outcome))
    return booked


def run(
    implementation: str, operation: Operation, requests: Sequence[TransferRequest], size: int, books: Any
) -> dict[str, float]:
    """One repetition: µs per transfer (wall and CPU) and, measured, µs per transfer inside the kernel."""
    kernel.configure("reference" if implementation == "reference" else "required")
    native = kernel.native()
    measured = Measured(native) if native is not None and implementation == "kernel measured" else None
    stopwatch: Any = nullcontext()  # the product's own path, unless measuring inside the kernel
    if measured is not None:
        stopwatch = mock.patch.object(kernel, "native", lambda: measured.module)
    with stopwatch:
        cpu, wall = time.process_time_ns(), time.perf_counter_ns()
        booked = book_all(operation, requests, size, books)
        wall, cpu = time.perf_counter_ns() - wall, time.process_time_ns() - cpu
    if booked != len(requests):
        raise SystemExit(f"{implementation}: {len(requests) - booked} transfers were refused")
    figures = {"us": wall / booked / 1000, "cpu_us": cpu / booked / 1000}
    if measured is not None:
        figures["kernel_us"] = measured.ns / booked / 1000
        figures["kernel_calls"] = measured.calls
    return figures


def same_results(operation: Operation, requests: Sequence[TransferRequest], books: Any) -> bool:
    """Whether the kernel books `requests` exactly as the reference does (outcomes, entries, balances)."""
    answers = []
    for mode in ("reference", "required"):
        copied = copy.deepcopy(books)
        kernel.configure(mode)
        results = operation(requests, existing={}, accounts=copied, at=AT)
        answers.append(
            (
                [(dataclasses.astuple(r.transfer), r.entries) for r in results],
                [(a.balances, a.last_seq) for a in copied.values()],
            )
        )
    return answers[0] == answers[1]


@dataclass
class Row:
    operation: str
    size: int
    implementation: str
    us_median: float
    us_best: float
    cpu_us_median: float
    kernel_us_median: float | None = None
    kernel_calls: int | None = None


def measure(
    operation: str, size: int, requests: Sequence[TransferRequest], books: Any, repetitions: int
) -> list[Row]:
    fn: Operation = getattr(ledger, operation)
    samples: dict[str, list[dict[str, float]]] = {i: [] for i in IMPLEMENTATIONS}
    run("reference", fn, requests, size, books)  # warm up both paths
    run("kernel", fn, requests, size, books)
    for _ in range(repetitions):
        for implementation in IMPLEMENTATIONS:
            samples[implementation].append(run(implementation, fn, requests, size, books))
    rows = []
    for implementation in IMPLEMENTATIONS[:2]:
        got = samples[implementation]
        rows.append(
            Row(
                operation,
                size,
                implementation,
                statistics.median(s["us"] for s in got),
                min(s["us"] for s in got),
                statistics.median(s["cpu_us"] for s in got),
            )
        )
    timed = samples["kernel measured"]
    rows[1].kernel_us_median = statistics.median(s["kernel_us"] for s in timed)
    rows[1].kernel_calls = int(timed[0]["kernel_calls"])
    return rows


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| operation | batch | implementation | us/transfer (median) | best | cpu us/transfer | kernel us/transfer "
        "| kernel calls | cpu vs reference |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    reference: dict[tuple[str, int], float] = {}
    for r in rows:
        if r.implementation == "reference":
            reference[r.operation, r.size] = r.cpu_us_median
        ratio = r.cpu_us_median / reference[r.operation, r.size]
        kernel_us = f"{r.kernel_us_median:.3f}" if r.kernel_us_median is not None else "-"
        calls = str(r.kernel_calls) if r.kernel_calls is not None else "-"
        lines.append(
            f"| {r.operation} | {r.size} | {r.implementation} | {r.us_median:.2f} | {r.us_best:.2f} "
            f"| {r.cpu_us_median:.2f} | {kernel_us} | {calls} | {ratio:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000])
    parser.add_argument("--transfers", type=int, default=1000)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--repetitions", type=int, default=9)
    parser.add_argument("--operations", nargs="+", default=["post_transfers", "post_each"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="write the figures into this file (key `ledger`)")
    args = parser.parse_args(argv)

    kernel.configure("required")
    try:
        described = kernel.describe()
        kernel.native()
    except kernel.KernelUnavailable as missing:
        print(f"no kernel to compare with the reference: {missing}", file=sys.stderr)
        return 1
    books = accounts(args.accounts, args.seed)
    requests = transfers(books, args.transfers, args.seed)
    for operation in args.operations:
        if not same_results(getattr(ledger, operation), requests[: max(args.sizes)], books):
            print(
                f"{operation}: the kernel's results differ from the reference's; no figures", file=sys.stderr
            )
            return 1

    load_before = loadavg()
    started = time.perf_counter()
    rows = [
        row
        for operation in args.operations
        for size in args.sizes
        for row in measure(operation, size, requests, books, args.repetitions)
    ]
    load_after = loadavg()
    kernel.configure("auto")
    meta = {
        "kernel": described.get("kernel"),
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "transfers": args.transfers,
        "accounts": args.accounts,
        "repetitions": args.repetitions,
        "seconds": round(time.perf_counter() - started, 1),
        "loadavg_before": load_before,
        "loadavg_after": load_after,
    }
    print("\nBooking in memory: the domain call per transfer, with the reference and with the Rust kernel")
    print(", ".join(f"{k}: {v}" for k, v in meta.items()))
    print(table(rows))
    if args.json:
        data: dict[str, Any] = {}
        if os.path.exists(args.json):
            with open(args.json, encoding="utf-8") as f:
                data = json.load(f)
        data["ledger"] = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **meta,
            "rows": [dataclasses.asdict(r) for r in rows],
        }
        os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
