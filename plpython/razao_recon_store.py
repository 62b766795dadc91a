"""The reconciliation's ledger side inside PostgreSQL: the mirror account's posted entries of a value-date
window, read over SPI (`application.reconciliation.LedgerWindow`).

`LEDGER_WINDOW` is the one statement both execution modes run: here through a prepared plan and
`plpy.cursor`, in the app by `adapters.db.reconciliation.SqlLedgerWindow`, which reads this constant from
this file's source (`ast.literal_eval`) and sends it as it is, with PostgreSQL's own `$n` parameters.
Its parameters: $1 the account, $2/$3 the first and last value dates (UTC days of `effective_at`), $4 where
the reference comes from ('description', 'transfer_id', 'metadata' or 'none'), $5 the metadata key of the
reference, $6 the metadata key of the counterparty (NULL: none), $7 the run and $8 its chunk: entries an
active match of another run (or a person) holds are left out, and so are those the run's earlier chunks
matched. Its columns: key ("<transfer id>:<layer>:<line>"), value_date (ISO text, whatever the session's
DateStyle), amount (signed in the bank's terms:
positive when the entry raises the account's balance from its normal side), reference, counterparty; in
(effective_at, seq) order, along `ix_entries_value_date`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from application.reconciliation import reference_parts
from domain.reconciliation import LedgerItem, Rule

LEDGER_WINDOW = (
    "SELECT k.key,"
    " to_char((e.effective_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS value_date,"
    " CASE WHEN e.side = a.normal_side THEN e.amount ELSE -e.amount END AS amount,"
    " coalesce(CASE $4::text WHEN 'description' THEN t.description WHEN 'transfer_id' THEN t.id::text"
    "   WHEN 'metadata' THEN t.metadata ->> $5::text END, '') AS reference,"
    " coalesce(t.metadata ->> $6::text, '') AS counterparty"
    " FROM public.accounts a"
    " JOIN public.entries e ON e.account_id = a.id AND e.layer = 'posted'"
    "  AND e.effective_at >= ($2::date)::timestamp AT TIME ZONE 'UTC'"
    "  AND e.effective_at < ($3::date + 1)::timestamp AT TIME ZONE 'UTC'"
    " JOIN public.transfers t ON t.id = e.transfer_id"
    " CROSS JOIN LATERAL (SELECT e.transfer_id::text || ':' || e.layer || ':' || e.line AS key) k"
    " WHERE a.id = $1::uuid"
    "  AND NOT EXISTS (SELECT 1 FROM public.recon_match_entries me"
    "   JOIN public.recon_matches m ON m.id = me.match_id"
    "   WHERE me.active AND me.transfer_id = e.transfer_id AND me.layer = e.layer AND me.line = e.line"
    "    AND m.run_id IS DISTINCT FROM $7::uuid)"
    "  AND NOT EXISTS (SELECT 1 FROM public.recon_results r"
    "   WHERE r.run_id = $7::uuid AND r.side = 'ledger' AND r.chunk < $8::integer"
    "    AND r.key = k.key)"
    " ORDER BY e.effective_at, e.seq"
)
LEDGER_WINDOW_TYPES = ("uuid", "date", "date", "text", "text", "text", "uuid", "integer")
#: Rows per fetch of the cursor.
FETCH_ROWS = 5000


def window_parameters(
    account_id: UUID, first: date, last: date, rule: Rule, run_id: UUID | None, chunk: int
) -> list[Any]:
    """The statement's parameters, as both modes send them."""
    kind, key = reference_parts(rule)
    return [
        str(account_id),
        first.isoformat(),
        last.isoformat(),
        kind,
        key,
        rule.counterparty,
        None if run_id is None else str(run_id),
        chunk,
    ]


_PLANS: dict[str, Any] = {}


class PlpyLedgerWindow:
    """Implements `application.reconciliation.LedgerWindow` over SPI."""

    def __init__(self, plpy: Any) -> None:
        self._plpy = plpy

    def items(
        self, account_id: UUID, first: date, last: date, rule: Rule, run_id: UUID | None, chunk: int
    ) -> Sequence[LedgerItem]:
        plan = _PLANS.get("window")
        if plan is None:
            plan = _PLANS["window"] = self._plpy.prepare(LEDGER_WINDOW, list(LEDGER_WINDOW_TYPES))
        cursor = self._plpy.cursor(plan, window_parameters(account_id, first, last, rule, run_id, chunk))
        found: list[LedgerItem] = []
        day_of: dict[str, date] = {}  # parse each day once
        while rows := cursor.fetch(FETCH_ROWS):
            for row in rows:
                text = row["value_date"]
                day = day_of.get(text)
                if day is None:
                    day = day_of[text] = date.fromisoformat(text)
                found.append(
                    LedgerItem(row["key"], day, int(row["amount"]), row["reference"], row["counterparty"])
                )
        return found
