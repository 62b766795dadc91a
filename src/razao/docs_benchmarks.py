"""The generated regions of `docs/benchmarks.md` (from docs/data/*.json, written by the benchmarks'
`--json`) and its chart, docs/data/benchmarks.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from razao.docs_audit import reconciliation_table, sealing_table
from razao.docs_common import ROOT, region, with_region
from razao.docs_events import delivery_table, outbox_table
from razao.docs_jobs import jobs_tables, kernel_tables
from razao.docs_throughput import throughput_tables


def benchmark_tables() -> str:
    data = json.loads((ROOT / "docs/data/benchmarks.json").read_text(encoding="utf-8"))
    tpcb = {int(k): v for k, v in data.get("tpcb", {}).items()}
    out = []
    if "machine" in data:
        out.append(f"Measured on {data['machine']}.\n\n")
    if tpcb:
        out.append("pgbench's TPC-B-like script on the same server (the `vs TPC-B` column divides by it): ")
        out.append(", ".join(f"{c} clients {t:,.0f} tps" for c, t in sorted(tpcb.items())) + ".\n\n")
    failures = any(r.get("failures") for r in data["results"])
    out.append(
        "| path | mode | shape | clients | transfers | transfers/s | p50 (ms) | p99 (ms) | vs TPC-B |"
        + (" failed calls |\n" if failures else "\n")
        + "|---|---|---|---|---|---|---|---|---|"
        + ("---|\n" if failures else "\n")
    )
    for r in data["results"]:
        ratio = f"{r['rate'] / tpcb[r['clients']]:.2f}" if r["clients"] in tpcb else "—"
        failed = ", ".join(f"{n} {kind}" for kind, n in (r.get("failures") or {}).items()) or "0"
        out.append(
            f"| {r['path']} | {r['mode']} | {r['shape']} | {r['clients']} | {r['transfers']:,} | "
            f"{r['rate']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {ratio} |"
            + (f" {failed} |\n" if failures else "\n")
        )
    return "".join(out)


def draw_benchmark_chart(target: Path) -> None:
    """Transfers/s per mode, shape and clients, as a bar chart (needs matplotlib: the `docs` extra)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = json.loads((ROOT / "docs/data/benchmarks.json").read_text(encoding="utf-8"))
    results = [r for r in data["results"] if r["path"] != "http"] or data["results"]
    groups = sorted({(r["shape"], r["clients"]) for r in results}, key=lambda g: (g[0] != "single", g))
    modes = sorted({r["mode"] for r in results})
    rate = {(r["mode"], r["shape"], r["clients"]): r["rate"] for r in results}
    figure, axes = plt.subplots(figsize=(9, 4.5), dpi=100)
    width = 0.8 / max(len(modes), 1)
    for i, mode in enumerate(modes):
        axes.bar(
            [g + i * width for g in range(len(groups))],
            [rate.get((mode, shape, clients), 0) for shape, clients in groups],
            width,
            label=f"{mode} mode",
        )
    axes.set_xticks([g + width * (len(modes) - 1) / 2 for g in range(len(groups))])
    axes.set_xticklabels([f"{shape}\n{clients} clients" for shape, clients in groups])
    axes.set_ylabel("transfers per second")
    axes.set_title("Razão transfers per second (bench/transfers.py)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(target, metadata={"Software": None})
    plt.close(figure)


def benchmarks_page() -> str:
    return with_region("docs/benchmarks.md", "benchmarks", benchmark_tables())


def benchmarks_with_jobs_page() -> str:
    """docs/benchmarks.md with its generated regions: throughput (`throughput`, from
    docs/data/throughput.json), transfers (`benchmarks`) and jobs (`jobs`)."""
    page = "docs/benchmarks.md"
    throughput = json.loads((ROOT / "docs/data/throughput.json").read_text(encoding="utf-8"))
    jobs = json.loads((ROOT / "docs/data/jobs.json").read_text(encoding="utf-8"))
    kernel = json.loads((ROOT / "docs/data/kernel.json").read_text(encoding="utf-8"))
    events = json.loads((ROOT / "docs/data/events.json").read_text(encoding="utf-8"))
    text = region(benchmarks_page(), page, "jobs", jobs_tables(jobs))
    text = region(text, page, "outbox", outbox_table(events))
    text = region(text, page, "delivery", delivery_table(events))
    text = region(text, page, "kernel", kernel_tables(kernel))
    text = region(text, page, "sealing", sealing_table(_data("sealing.json")))
    text = region(text, page, "reconciliation", reconciliation_table(_data("reconciliation.json")))
    return region(text, page, "throughput", throughput_tables(throughput))


def _data(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "docs/data" / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]
