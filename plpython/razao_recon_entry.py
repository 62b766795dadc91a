"""Entry points of the reconciliation's in-database reads: `razao.recon_ledger_window(...)` calls these.

The calling convention, errors and security context are those of `razao_entry` (its docstring): the
loader checks the deployed code version and calls `<name>(plpy, **sql_args)`; a `DomainError` becomes
SQLSTATE RZ001 with the codec's JSON of the error; the answer is JSON text.
"""

from __future__ import annotations

from typing import Any

from razao_entry import _answer, _date, _uuid
from razao_recon_store import PlpyLedgerWindow

from application import codec
from application.reconciliation import items_to_rows
from domain.errors import ValidationError
from domain.reconciliation import rule_from_dict


def ledger_window(
    plpy: Any,
    account_id: str,
    first_day: str,
    last_day: str,
    rule: str,
    run_id: str | None,
    chunk: int,
) -> str:
    """The mirror account's posted entries of value dates first_day..last_day, in the bank's terms, with
    the reference and counterparty the rule reads, except those an active match of another run (or a
    person) holds and those the run's chunks before `chunk` matched.

    Inputs:  account_id uuid; first_day, last_day date; rule jsonb (`domain.reconciliation.rule_to_dict`);
             run_id uuid (NULL: no run); chunk integer (0 and up).
    Outputs: jsonb, `application.reconciliation.items_to_rows`: [[key, value_date, amount (decimal text),
             reference, counterparty], ...] in (effective_at, seq) order.
    Uses:    razao_recon_store.LEDGER_WINDOW over public.accounts, public.entries (ix_entries_value_date),
             public.transfers, public.recon_match_entries, public.recon_matches, public.recon_results.
    Example: SELECT razao.recon_ledger_window('<version>', '<account>', '2026-01-01', '2026-01-31',
             '{"reference": "description"}', NULL, 0);
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE.
    """

    def work() -> Any:
        decoded = codec.loads(rule)
        if not isinstance(decoded, dict):
            raise ValidationError.of("rule", "must be an object")
        if not isinstance(chunk, int) or chunk < 0:
            raise ValidationError.of("chunk", "must be a non-negative integer")
        items = PlpyLedgerWindow(plpy).items(
            _uuid(account_id, "account_id"),
            _date(plpy, first_day, "first_day"),
            _date(plpy, last_day, "last_day"),
            rule_from_dict(decoded),
            None if run_id is None else _uuid(run_id, "run_id"),
            chunk,
        )
        return items_to_rows(items)

    return _answer(plpy, work)
