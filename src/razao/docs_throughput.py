"""The `throughput` region of docs/benchmarks.md, from docs/data/throughput.json.

The JSON holds two runs of the same harness (`bench.sql` and `bench.http`, each writing its key), one on the
code before the throughput work and one after: `{"before": {"sql": ..., "http": ...}, "after": {...},
"notes": [...]}`. Each table puts a row's two rates side by side, with the latency, CPU and load figures of
the run after.
"""

from __future__ import annotations

import math
from typing import Any

LEVELS = {"sql": "At the SQL level (pgbench)", "http": "Over HTTP (wrk)"}


def _rate(row: dict[str, Any] | None) -> str:
    if row is None or row.get("skipped") or not isinstance(row.get("rate"), int | float):
        return "-"
    rate = float(row["rate"])
    return "-" if math.isnan(rate) else f"{rate:,.0f}"


def _ms(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return "-" if not isinstance(value, int | float) or math.isnan(value) else f"{value:,.1f}"


def _reference(run: dict[str, Any]) -> str:
    tps = run.get("tpcb_reference_tps")
    return f"{tps:,.0f} tps" if isinstance(tps, int | float) else "-"


def _level(level: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    earlier = {(r["mode"], r["name"]): r for r in before.get("rows", [])}
    out = [
        f"**{LEVELS[level]}**, measured {after.get('measured_at', '?')}: TPC-B reference {_reference(after)}"
        f" after, {_reference(before)} before.\n\n",
        "| mode | row | clients | before /s | after /s | p50 ms | p99 ms | vs TPC-B | API CPU s | PG CPU s "
        "| load | note |\n",
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    ]
    for row in after.get("rows", []):
        ratio = row.get("vs_tpcb")
        out.append(
            f"| {row['mode']} | {row['name']} | {row['clients']} | {_rate(earlier.get((row['mode'], row['name'])))}"
            f" | {_rate(row)} | {_ms(row, 'p50_ms')} | {_ms(row, 'p99_ms')}"
            f" | {'-' if ratio is None else f'{ratio:.2f}'} | {row.get('api_cpu_s', 0):.1f}"
            f" | {row.get('pg_cpu_s', 0):.1f} | {row.get('load_before', 0):.2f}→{row.get('load_after', 0):.2f}"
            f" | {str(row.get('note', '')).replace('|', '/')} |\n"
        )
    return "".join(out)


def throughput_tables(data: dict[str, Any]) -> str:
    out = [f"{note}\n\n" for note in data.get("notes", [])]
    for level in LEVELS:
        if level in data.get("after", {}):
            out.append(_level(level, data.get("before", {}).get(level, {}), data["after"][level]) + "\n")
    return "".join(out)
