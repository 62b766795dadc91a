"""The `jobs` and `kernel` regions of docs/benchmarks.md, from `bench.jobs --json` files.

- `jobs` (docs/data/jobs.json): interest accrual and ledger verification at 10k to 1M accounts, each row with
  its memory, CPU and load figures, and app mode against db mode;
- `kernel` (docs/data/kernel.json, `bench.jobs --kernels reference auto`): the same jobs run side by side
  in one run without the Rust kernel (the Python reference on both sides) and with it, and the booking
  path's figures in memory (`bench.kernel --json docs/data/kernel.json`, under `"ledger"`).
"""

from __future__ import annotations

from typing import Any

from razao.docs_common import cell


def _run_facts(data: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    machine = data["machine"]
    days = sorted({r["date"][:10] for r in rows if r.get("date")})
    loads = [
        load for r in rows for load in (r.get("load_before") or [])[:1] + (r.get("load_after") or [])[:1]
    ]
    return (
        f"Measured on a {machine['cpus']}-core machine ({machine['memory_gib']:.0f} GiB), PostgreSQL "
        f"{machine['postgresql']} on the same machine, {', '.join(days)}, by `python -m bench.jobs`. "
        f"1-minute load average {min(loads, default=0):.1f} to {max(loads, default=0):.1f} around the runs "
        "(each row gives it before and after; the benchmark's own worker and backend account for 1 to 2 "
        f"of it on these {machine['cpus']} cores, anything above is other work). Accrual range "
        f"{data['accrual_range'][0]} to {data['accrual_range'][1]}, "
        f"{data['history_transfers_per_account']} transfers of history per account, "
        f"accrual chunks of {data['job_chunk_size']} accounts, verification parts of "
        f"{data['verify_chunk']:,} accounts or transfers"
        + (f" and at most {data['verify_rows']:,} journal rows" if data.get("verify_rows") else "")
        + ".\n\n"
    )


def jobs_tables(data: dict[str, Any]) -> str:
    """The `jobs` region: every row of one `bench.jobs --json` file, and app mode against db mode."""
    rows = data["results"]
    out = [_run_facts(data, rows)]
    link_trips = [r["round_trip_ms"] for r in rows if r["link"] and r.get("round_trip_ms")]
    local_trips = [r["round_trip_ms"] for r in rows if not r["link"] and r.get("round_trip_ms")]
    if link_trips and local_trips:
        out.append(
            f"`SELECT 1` round trip as the worker measured it: {min(local_trips):.2f} to "
            f"{max(local_trips):.2f} ms on loopback, {min(link_trips):.2f} to {max(link_trips):.2f} ms "
            f"through the emulated link ({data['link_delay_ms_per_direction']} ms held per direction).\n\n"
        )
    out.append(
        "| accounts | mode | link | job | seconds | rows | rows/s | worker peak (MiB) "
        "| database peak (MiB): largest backend / all | worker CPU (s) | database CPU (s) | load before → after |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    for r in rows:
        label = f"| {r['accounts']:,} | {r['mode']} | {'~1 ms' if r['link'] else 'loopback'} | {r['job']} |"
        if not r["ok"] and not r.get("stopped"):
            out.append(f"{label} failed: {cell(r['check'])} | | | | | | | |\n")
            continue
        seconds = f"{r['seconds']:,.1f}" + (" (stopped)" if r.get("stopped") else "")
        cpu = "—" if r.get("worker_cpu_seconds") is None else f"{r['worker_cpu_seconds']:,.1f}"
        out.append(
            f"{label} {seconds} | {r['rows']:,} {r['unit']} | {r['rows_per_second']:,.0f} | "
            f"{r['worker_peak_mib']:,.0f} | {r['db_peak_mib']:,.0f} / {r['db_total_peak_mib']:,.0f} | "
            f"{cpu} | {r['db_cpu_seconds']:,.1f} | "
            f"{r['load_before'][0]:.1f} → {r['load_after'][0]:.1f} |\n"
        )
    stopped = [r for r in rows if r.get("stopped")]
    if stopped:
        out.append("\nStopped at the time limit (the worker killed; figures cover what finished): ")
        out.append("; ".join(f"{r['accounts']:,} accounts, {r['mode']} mode: {r['check']}" for r in stopped))
        out.append(".\n")
    wall: dict[tuple[Any, ...], float] = {
        (r["accounts"], r["link"], r["job"], r["mode"]): r["seconds"]
        for r in rows
        if r["ok"] and not r.get("stopped")
    }
    pairs = sorted({k[:3] for k in wall if (*k[:3], "app") in wall and (*k[:3], "db") in wall})
    if pairs:
        cpu_time: dict[tuple[Any, ...], float] = {
            (r["accounts"], r["link"], r["job"], r["mode"]): r["worker_cpu_seconds"] + r["db_cpu_seconds"]
            for r in rows
            if r["ok"] and not r.get("stopped")
        }
        out.append(
            "\n`app` mode against `db` mode: wall time, and CPU time of worker and database together "
            "(less sensitive to the other work on the machine). Above 1: the database mode is cheaper.\n\n"
            "| accounts | link | job | app (s) | db (s) | app / db | app CPU (s) | db CPU (s) | app / db |\n"
            "|---|---|---|---|---|---|---|---|---|\n"
        )
        for key in pairs:
            app, db = wall[(*key, "app")], wall[(*key, "db")]
            app_cpu, db_cpu = cpu_time[(*key, "app")], cpu_time[(*key, "db")]
            accounts, link, job = key
            out.append(
                f"| {accounts:,} | {'~1 ms' if link else 'loopback'} | {job} | {app:,.1f} | {db:,.1f} | "
                f"{app / db:.1f} | {app_cpu:,.1f} | {db_cpu:,.1f} | {app_cpu / db_cpu:.1f} |\n"
            )
    return "".join(out)


def _used(row: dict[str, Any]) -> str:
    used = row.get("kernel_used") or "?"
    return "Rust kernel" if used.startswith("razao_kernel") else used


def kernel_tables(data: dict[str, Any]) -> str:
    """The `kernel` region: the booking path in memory, then each job without the kernel (reference) and
    with it, each from one run."""
    booking = _booking_table(data["ledger"]) if "ledger" in data else ""
    return booking + ("\n" + _jobs_side_by_side(data) if data.get("results") else "")


def _booking_table(run: dict[str, Any]) -> str:
    loads = f"{run['loadavg_before']:.1f} → {run['loadavg_after']:.1f}"
    out = [
        f"`python -m bench.kernel`, {run['measured_at'][:10]}, Python {run['python']} on {run['cores']} cores, "
        f"1-minute load average {loads}: {run['transfers']:,} transfers between {run['accounts']:,} accounts "
        f"booked in memory in calls of 1 to 1,000 transfers, {run['repetitions']} repetitions (medians). "
        "CPU time of the whole domain call per transfer, with the reference and with the kernel, and the time "
        "spent inside the kernel itself.\n\n"
        "| operation | transfers per call | reference (µs/transfer) | kernel (µs/transfer) "
        "| kernel / reference | inside the kernel (µs/transfer) |\n"
        "|---|---|---|---|---|---|\n"
    ]
    rows = {(r["operation"], r["size"], r["implementation"]): r for r in run["rows"]}
    for operation, size in sorted({(op, size) for op, size, _ in rows}, key=lambda k: (k[0], k[1])):
        ref, rust = rows.get((operation, size, "reference")), rows.get((operation, size, "kernel"))
        if ref is None or rust is None:
            continue
        inside = rust.get("kernel_us_median")
        out.append(
            f"| `{operation}` | {size:,} | {ref['cpu_us_median']:.1f} | {rust['cpu_us_median']:.1f} | "
            f"{rust['cpu_us_median'] / ref['cpu_us_median']:.2f} | "
            f"{'—' if inside is None else f'{inside:.2f}'} |\n"
        )
    return "".join(out)


def _jobs_side_by_side(data: dict[str, Any]) -> str:
    rows = [r for r in data["results"] if r["ok"] and not r.get("stopped")]
    out = [_run_facts(data, rows)]
    by_key = {(r["accounts"], r["mode"], r["link"], r["job"], r.get("kernel", "auto")): r for r in rows}
    pairs = sorted({k[:4] for k in by_key if (*k[:4], "reference") in by_key and (*k[:4], "auto") in by_key})
    out.append(
        "Each job twice on fresh copies of the same data, one after the other: with `RAZAO_KERNEL=reference` "
        "(the Python reference, in the worker and inside PostgreSQL) and with the Rust kernel (`auto`; the "
        "implementation each run reported is checked). Above 1: the kernel is faster.\n\n"
        "| accounts | mode | link | job | rows | reference (s) | kernel (s) | reference / kernel "
        "| worker CPU (s): reference → kernel | database CPU (s): reference → kernel |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
    )
    for key in pairs:
        ref, rust = by_key[(*key, "reference")], by_key[(*key, "auto")]
        if _used(ref) != "reference" or _used(rust) != "Rust kernel":
            raise ValueError(f"{key}: the runs used {_used(ref)} and {_used(rust)}, not reference and kernel")
        accounts, mode, link, job = key
        out.append(
            f"| {accounts:,} | {mode} | {'~1 ms' if link else 'loopback'} | {job} | "
            f"{rust['rows']:,} {rust['unit']} | {ref['seconds']:,.1f} | {rust['seconds']:,.1f} | "
            f"{ref['seconds'] / rust['seconds']:.2f} | "
            f"{ref['worker_cpu_seconds']:,.1f} → {rust['worker_cpu_seconds']:,.1f} | "
            f"{ref['db_cpu_seconds']:,.1f} → {rust['db_cpu_seconds']:,.1f} |\n"
        )
    return "".join(out)
