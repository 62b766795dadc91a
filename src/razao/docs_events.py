"""The generated pages about events: the event-type reference, and the events rows of the benchmarks.

- `docs/api/event-types.md`: every member of `application.events.EventType`, with what it means
  (`application.events.DESCRIPTIONS`), which document its `data` holds (`application.events.DOCUMENTS`,
  linked to that schema in the API reference) and which objects it names; then the envelope every event
  has, from the `EventOut` schema of the OpenAPI document the app serves, with its example;
- the `outbox` region of `docs/benchmarks.md`, from docs/data/events.json (`bench.outbox --json`);
- the `delivery` region of `docs/benchmarks.md`, from the same file (`bench.webhooks --json`).
"""

from __future__ import annotations

import json
from typing import Any

from application.events import DESCRIPTIONS, DOCUMENTS, EventType
from razao.docs_common import HEADER

#: The API schema of each kind of document an event's `data` holds.
SCHEMAS = {
    "transfer": "TransferOut",
    "account": "AccountOut",
    "job": "JobOut",
    "monitor": "MonitorOut",
    "period": "PeriodOut",
    "block": "BlockOut",
    "reconciliation": "ReconRunOut",
}
#: Which of the envelope's fields name objects, for each kind of document.
NAMES = {
    "transfer": "`transfer_id` (the transfer), `account_ids` (every account it moves)",
    "account": "`account_ids` (the account)",
    "job": "`job_id` (the job)",
    "monitor": "`account_ids` (the monitored account)",
    "period": "nothing (the close is in `data`)",
    "block": "nothing (the block header is in `data`)",
    "reconciliation": "`account_ids` (the statement's mirror account), `job_id` (the run's job)",
}
#: Types whose named objects differ from their document's usual ones.
NAMED_BY_TYPE = {
    EventType.ACCOUNT_INTEREST_POSTED: "`transfer_id` (the posting), `account_ids` (the account it accrued for)",
}


def _schema_link(name: str) -> str:
    return f"[`{name}`](reference.md)"


def _data(document: str) -> str:
    """What `data` holds for a kind of document: the API schema, linked (a monitor's event holds three)."""
    if document == "monitor":
        return (
            f"`monitor` ({_schema_link(SCHEMAS['monitor'])}), `account` ({_schema_link(SCHEMAS['account'])}),"
            " `value` (the balance that crossed)"
        )
    return _schema_link(SCHEMAS[document])


def event_types_page(openapi: dict[str, Any]) -> str:
    """docs/api/event-types.md from `EventType` and the OpenAPI document `openapi`."""
    schemas = openapi["components"]["schemas"]
    envelope = schemas["EventOut"]
    out = [
        HEADER,
        "# Event types\n\n",
        "Every event the ledger records, by type: what happened, the document its `data` holds (the API's "
        "answer for that object as it stood then) and the objects it names. How to read them: "
        "[the events guide](../events.md); webhooks: [the webhooks guide](../webhooks.md).\n\n",
        "| type | what happened | `data` | names |\n|---|---|---|---|\n",
    ]
    for member in EventType:
        document = DOCUMENTS[member]
        out.append(
            f"| `{member.value}` | {DESCRIPTIONS[member]} | {_data(document)} "
            f"| {NAMED_BY_TYPE.get(member, NAMES[document])} |\n"
        )
    out.append("\n## The envelope\n\nEvery event, in the feed, in a webhook and on the broker stream:\n\n")
    out.append("| field | type | meaning |\n|---|---|---|\n")
    for field, spec in envelope["properties"].items():
        kind = spec.get("type") or ("object" if "$ref" in spec else "any")
        if "anyOf" in spec:
            kind = " or ".join(s.get("type", "object") for s in spec["anyOf"])
        meaning = " ".join(str(spec.get("description", "")).split())
        out.append(f"| `{field}` | {kind} | {meaning} |\n")
    example = (envelope.get("examples") or [None])[0]
    if example is not None:
        out.append("\nFor example:\n\n```json\n" + json.dumps(example, indent=2) + "\n```\n")
    return "".join(out)


def _rate(row: dict[str, Any]) -> str:
    return "-" if row.get("rate") is None else f"{row['rate']:,.0f}"


def outbox_table(data: dict[str, Any]) -> str:
    """The `outbox` region of docs/benchmarks.md: each write-path row with and without the outbox."""
    run = data.get("outbox")
    if not run:
        return "Not measured yet: `python -m bench.outbox --json docs/data/events.json`.\n"
    rows = run["rows"]
    out = [
        f"Measured {run['measured_at']} on {run['cores']} cores, {run['seconds_per_row']} s per row; "
        f"TPC-B reference {run['tpcb_reference_tps']:,} tps.\n\n",
        "| mode | row | clients | with outbox /s | without /s | with ÷ without | p99 ms with → without "
        "| load before→after |\n|---|---|---|---|---|---|---|---|\n",
    ]
    pairs = [(r, rows[i + 1]) for i, r in enumerate(rows[:-1]) if "with_over_without" in r.get("extra", {})]
    for with_row, without_row in pairs:
        name = with_row["name"].removesuffix(", with outbox")
        out.append(
            f"| {with_row['mode']} | {name} | {with_row['clients']} | {_rate(with_row)} | {_rate(without_row)} "
            f"| {with_row['extra']['with_over_without']:.2f} | {with_row['p99_ms'] or 0:.1f} → "
            f"{without_row['p99_ms'] or 0:.1f} | {with_row['load_before']:.2f}→{without_row['load_after']:.2f} |\n"
        )
    return "".join(out)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def delivery_table(data: dict[str, Any]) -> str:
    """The `delivery` region of docs/benchmarks.md: webhook deliveries/s of one worker process, per
    kind of endpoint, with the latencies of one attempt and from commit to delivery."""
    run = data.get("delivery")
    if not run:
        return "Not measured yet: `python -m bench.webhooks --json docs/data/events.json`.\n"
    out = [
        f"Measured {run['measured_at']} on {run['cores']} cores, {run['events_per_row']:,} events per row "
        f"recorded before the row; {run['driver']}.\n\n",
        "| endpoint | deliveries/s | fan-out s | deliver s | one attempt p50 / p99 ms "
        "| commit → delivery p50 / p99 ms | worker CPU s | PG CPU s | load before→after | failed |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n",
    ]
    for row in run["rows"]:
        extra = row.get("extra", {})
        out.append(
            f"| {row['name']} | {_rate(row)} | {extra.get('fan_out_s', 0):.2f} | {extra.get('deliver_s', 0):.2f} "
            f"| {_ms(extra.get('attempt_p50_ms'))} / {_ms(extra.get('attempt_p99_ms'))} "
            f"| {_ms(row.get('p50_ms'))} / {_ms(row.get('p99_ms'))} | {row['client_cpu_s']:.1f} "
            f"| {row['pg_cpu_s']:.1f} | {row['load_before']:.2f}→{row['load_after']:.2f} | {row['failed']} |\n"
        )
    return "".join(out)
