"""The checker's `value_dates` check: value dates and closed periods agree with the journal.

Recomputed in plain SQL over the checker's snapshot, sharing nothing with the trigger `entries_book` that
keeps them (revision 0015_value_dates_and_periods, docs/value-dates.md):

- every entry's `effective_at` is its transfer's;
- `account_value_days` holds, per account and UTC day of value date, exactly the sums of the posted
  entries (no day missing, none invented, none off by a cent);
- no entry was booked into a period after it was closed: for each active close, no entry of its scope
  with a value date on or before `through` was created after `closed_at` (a close takes its time after
  the journal's lock, so every entry that committed before it was created before it);
- each active close's snapshot (`period_balances`) equals the value-day sums of its accounts through
  `through` (a reopened close keeps the snapshot it was closed with, which later postings may differ
  from; entries booked after a close are compared with the closes active when the check runs, and
  created_at and closed_at are compared as instants, so the clocks of the writers and of the database
  must agree: one host, or synchronised clocks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from adapters.db.checker import CheckReport

CHECK = "value_dates"

_HAS_VALUE_DATES = text("SELECT to_regclass('account_value_days')")

_OFF_DATE = text("""
SELECT e.account_id, e.seq, e.effective_at::text AS entry_at, t.effective_at::text AS transfer_at
FROM entries e JOIN transfers t ON t.id = e.transfer_id
WHERE e.effective_at <> t.effective_at
ORDER BY e.account_id, e.seq
""")

_DAYS = text("""
WITH recomputed AS (
    SELECT account_id, (effective_at AT TIME ZONE 'UTC')::date AS value_date,
           sum(amount) FILTER (WHERE side = 'debit') AS debits,
           sum(amount) FILTER (WHERE side = 'credit') AS credits
    FROM entries WHERE layer = 'posted'
    GROUP BY 1, 2
)
SELECT coalesce(r.account_id, d.account_id) AS account_id, coalesce(r.value_date, d.value_date) AS value_date,
       coalesce(r.debits, 0) AS debits, coalesce(r.credits, 0) AS credits,
       d.debits AS stored_debits, d.credits AS stored_credits
FROM recomputed r FULL JOIN account_value_days d USING (account_id, value_date)
WHERE d.account_id IS NULL OR r.account_id IS NULL
   OR coalesce(r.debits, 0) <> d.debits OR coalesce(r.credits, 0) <> d.credits
ORDER BY 1, 2
""")

_INTO_CLOSED = text("""
SELECT p.id AS close_id, p.asset_code, p.through, e.account_id, e.seq, e.created_at::text AS created_at
FROM period_closes p
JOIN entries e ON (p.asset_code IS NULL OR e.asset_code = p.asset_code)
              AND e.effective_at < (p.through + 1)::timestamp AT TIME ZONE 'UTC'
              AND e.created_at > p.closed_at
WHERE p.reopened_at IS NULL
ORDER BY p.id, e.account_id, e.seq
""")

_SNAPSHOTS = text("""
WITH expected AS (
    SELECT p.id AS close_id, d.account_id, sum(d.debits) AS debits, sum(d.credits) AS credits
    FROM period_closes p
    JOIN account_value_days d ON d.value_date <= p.through
    JOIN accounts a ON a.id = d.account_id AND (p.asset_code IS NULL OR a.asset_code = p.asset_code)
    WHERE p.reopened_at IS NULL AND EXISTS (SELECT FROM period_balances b WHERE b.close_id = p.id)
    GROUP BY p.id, d.account_id
)
SELECT coalesce(x.close_id, b.close_id) AS close_id, coalesce(x.account_id, b.account_id) AS account_id,
       x.debits, x.credits, b.posted_debits, b.posted_credits
FROM expected x
FULL JOIN (
    SELECT b.* FROM period_balances b JOIN period_closes p ON p.id = b.close_id AND p.reopened_at IS NULL
    WHERE b.posted_debits <> 0 OR b.posted_credits <> 0
) b ON b.close_id = x.close_id AND b.account_id = x.account_id
WHERE x.close_id IS NULL OR b.close_id IS NULL
   OR x.debits <> b.posted_debits OR x.credits <> b.posted_credits
ORDER BY 1, 2
""")

#: Each snapshot's header counts its lines.
_HEADERS = text("""
SELECT s.close_id, s.accounts, (SELECT count(*) FROM period_balances b WHERE b.close_id = s.close_id) AS lines
FROM period_snapshots s
WHERE s.accounts <> (SELECT count(*) FROM period_balances b WHERE b.close_id = s.close_id)
""")

_COUNT = text("SELECT count(*) FROM account_value_days")


def check_value_dates(conn: Connection, report: CheckReport) -> None:
    """Add a violation to `report` for each entry, value day, closed period or snapshot that disagrees
    with the journal."""
    if conn.execute(_HAS_VALUE_DATES).scalar() is None:  # older than revision 0015
        return
    report.counts[CHECK] = int(conn.execute(_COUNT).scalar_one())
    for row in conn.execute(_OFF_DATE).mappings():
        report.add(
            CHECK,
            f"{row['account_id']}#{row['seq']}",
            f"entry value date {row['entry_at']} is not its transfer's {row['transfer_at']}",
        )
    for row in conn.execute(_DAYS).mappings():
        report.add(
            CHECK,
            f"{row['account_id']}@{row['value_date']}",
            f"value day holds debits {row['stored_debits']} credits {row['stored_credits']}; the journal"
            f" sums to {row['debits']} and {row['credits']}",
        )
    for row in conn.execute(_INTO_CLOSED).mappings():
        report.add(
            CHECK,
            f"{row['account_id']}#{row['seq']}",
            f"entry created {row['created_at']} after close {row['close_id']}"
            f" ({row['asset_code'] or 'ledger'} through {row['through']}) falls in the closed period",
        )
    for row in conn.execute(_HEADERS).mappings():
        report.add(
            CHECK,
            row["close_id"],
            f"snapshot header says {row['accounts']} accounts, it holds {row['lines']}",
        )
    for row in conn.execute(_SNAPSHOTS).mappings():
        report.add(
            CHECK,
            f"{row['close_id']}:{row['account_id']}",
            f"closing snapshot holds debits {row['posted_debits']} credits {row['posted_credits']}; the"
            f" value days through the close sum to {row['debits']} and {row['credits']}",
        )
