"""The `sealing` and `reconciliation` regions of `docs/benchmarks.md`, from docs/data/sealing.json
(`python -m bench.sealing --json`) and docs/data/reconciliation.json (`python -m bench.reconciliation
--json`)."""

from __future__ import annotations

from typing import Any

from razao.docs_common import cell


def sealing_table(data: dict[str, Any]) -> str:
    run = data["sealing"]
    rounds = ", ".join(f"{r:.2f}" for r in run.get("with_over_without_rounds", []))
    out = [
        f"Measured on {run['measured_at'][:10]}, {run['cores']} cores, {run['seconds_per_row']} s per row, "
        f"{run['accounts']} accounts, blocks of at most {run['block_rows']:,} rows. **The write rate with a "
        f"sealer beside it{_every(run)} is {run['with_over_without']:.2f}× the rate without** (median of the rounds: "
        f"{rounds}; each row with the sealer against the mean of the rows without on either side of it; "
        "target 0.95 or more).\n\n",
        "| mode | row | clients | rate | unit/s | p50 ms | vs TPC-B | PG CPU s | load before→after | note |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n",
    ]
    for r in run["rows"]:
        ratio = f"{r['vs_tpcb']:.2f}" if r.get("vs_tpcb") else "—"
        p50 = f"{r['p50_ms']:.2f}" if r.get("p50_ms") == r.get("p50_ms") and r.get("p50_ms") else "—"
        out.append(
            f"| {r['mode']} | {cell(r['name'])} | {r['clients']} | {r['rate']:,.0f} | {r['unit']} | {p50} | "
            f"{ratio} | {r['pg_cpu_s']:.1f} | {r['load_before']:.2f}→{r['load_after']:.2f} | {cell(r['note'])} |\n"
        )
    for note in run.get("notes", []):
        out.append(f"\n{note}.\n")
    return "".join(out)


def _every(run: dict[str, Any]) -> str:
    interval = run.get("interval_s")
    if interval is None:
        return ""
    return f" sealing every {interval:g} s (beat's period)" if interval else " sealing as soon as it can"


def reconciliation_table(data: dict[str, Any]) -> str:
    seeded = data["seeded"]
    out = [
        f"Measured on {data['generated_at'][:10]}, {data['cpus']} cores, load {data['load_before']:.2f}→"
        f"{data['load_after']:.2f}: a statement of {seeded['lines']:,} lines against "
        f"{seeded['transfers']:,} transfers on its mirror account, in chunks of {data['chunk_lines']:,} lines "
        "(target: 60 s or less, memory flat).\n\n",
        "| mode | seconds | lines/s | chunks | largest window (entries) | worker peak RSS MB | "
        "backend peak (own) MB | matched | ambiguous | unmatched | closing balance difference |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n",
    ]
    for r in data["runs"]:
        bank = r["summary"]["bank"]
        backend = (
            f"{r['backend_peak_rss_mb']} ({r['backend_peak_private_mb']})"
            if r.get("backend_peak_rss_mb")
            else "—"
        )
        out.append(
            f"| {r['mode']} | {r['seconds']:,.1f} | {r['lines_per_s']:,} | {r['chunks']} | {r['largest_window']:,} | "
            f"{r['peak_rss_mb']} | {backend} | {bank['matched']:,} | {bank['ambiguous']:,} | "
            f"{bank['unmatched']:,} | {r['balance_check'].get('difference')} |\n"
        )
    return "".join(out)
