"""The checker's `events` check: the outbox agrees with the books, over the checker's snapshot.

Every committed change has its events, and no event was invented: recomputed from the tables the events
describe, in plain SQL, sharing nothing with the use cases that record them (`application.events`).

- each transfer has exactly one creation event: `transfer.pending` when it is two-phase, else
  `transfer.posted`; a resolved hold has exactly one `transfer.captured`, `transfer.voided` or
  `transfer.expired` matching its status, an open hold none; a reversed transfer has exactly one
  `transfer.reversed`, naming its reversal, and any other transfer none;
- each account has exactly one `account.opened`; a closed account exactly one `account.closed`, any other
  none; its `account.frozen` events outnumber its `account.unfrozen` ones by one when it is frozen, and
  equal them when it is active (status changes record an event only when the status changed);
- each interest posting (an `interest_accruals` row with a transfer) has exactly one
  `account.interest_posted` for its account and transfer;
- a succeeded job has exactly one `job.succeeded`, a failed one one `job.failed`, any other none;
- every event names objects that exist, and its `data.id` is the object's id.

Which objects are compared: all of them, except in a ledger that held objects before the outbox
existed (`events_horizon.started_at`, set by the upgrade to revision 0010: only objects created since
are compared) or once retention has deleted events (only objects created at or after the latest cut-off
it ran with, `events_horizon.pruned_before`: every event it deleted occurred before it). `counts["events"]` is the
number of events kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from adapters.db.checker import CheckReport

CHECK = "events"

_HAS_EVENTS = text("SELECT to_regclass('events_horizon')")
#: Objects created before this are not compared ('-infinity': all are).
_SINCE = text("""
SELECT coalesce((SELECT greatest(started_at, pruned_before) FROM events_horizon), '-infinity')::text
""")

#: Per transfer created since :since, how many events of each transfer type name it; only mismatches.
_TRANSFERS = text("""
WITH counted AS (
    SELECT transfer_id,
           count(*) FILTER (WHERE type = 'transfer.posted') AS posted,
           count(*) FILTER (WHERE type = 'transfer.pending') AS pending,
           count(*) FILTER (WHERE type = 'transfer.captured') AS captured,
           count(*) FILTER (WHERE type = 'transfer.voided') AS voided,
           count(*) FILTER (WHERE type = 'transfer.expired') AS expired,
           count(*) FILTER (WHERE type = 'transfer.reversed') AS reversed,
           array_agg(data ->> 'reversed_by_id') FILTER (WHERE type = 'transfer.reversed') AS reversed_by
    FROM events WHERE transfer_id IS NOT NULL AND type LIKE 'transfer.%' GROUP BY transfer_id
), expected AS (
    SELECT t.id, t.status,
           CASE WHEN t.two_phase THEN 0 ELSE 1 END AS posted,
           CASE WHEN t.two_phase THEN 1 ELSE 0 END AS pending,
           CASE WHEN t.two_phase AND t.status = 'posted' THEN 1 ELSE 0 END AS captured,
           CASE WHEN t.status = 'voided' THEN 1 ELSE 0 END AS voided,
           CASE WHEN t.status = 'expired' THEN 1 ELSE 0 END AS expired,
           r.id AS reversal_id
    FROM transfers t LEFT JOIN transfers r ON r.reverses_id = t.id
    WHERE t.created_at >= CAST(:since AS timestamptz)
)
SELECT x.id::text AS id, x.status, x.reversal_id::text AS reversal_id,
       coalesce(c.posted, 0) AS posted, coalesce(c.pending, 0) AS pending,
       coalesce(c.captured, 0) AS captured, coalesce(c.voided, 0) AS voided,
       coalesce(c.expired, 0) AS expired, coalesce(c.reversed, 0) AS reversed, c.reversed_by
FROM expected x LEFT JOIN counted c ON c.transfer_id = x.id
WHERE (coalesce(c.posted, 0), coalesce(c.pending, 0), coalesce(c.captured, 0), coalesce(c.voided, 0),
       coalesce(c.expired, 0), coalesce(c.reversed, 0))
   IS DISTINCT FROM (x.posted, x.pending, x.captured, x.voided, x.expired,
                     CASE WHEN x.reversal_id IS NULL THEN 0 ELSE 1 END)
   OR (x.reversal_id IS NOT NULL AND c.reversed_by <> ARRAY[x.reversal_id::text])
""")

_ACCOUNTS = text("""
WITH counted AS (
    SELECT a.id AS account_id,
           count(*) FILTER (WHERE e.type = 'account.opened') AS opened,
           count(*) FILTER (WHERE e.type = 'account.closed') AS closed,
           count(*) FILTER (WHERE e.type = 'account.frozen') AS frozen,
           count(*) FILTER (WHERE e.type = 'account.unfrozen') AS unfrozen
    FROM events e CROSS JOIN LATERAL unnest(e.account_ids) AS a(id)
    WHERE e.type IN ('account.opened', 'account.closed', 'account.frozen', 'account.unfrozen')
    GROUP BY a.id
)
SELECT a.id::text AS id, a.status, coalesce(c.opened, 0) AS opened, coalesce(c.closed, 0) AS closed,
       coalesce(c.frozen, 0) AS frozen, coalesce(c.unfrozen, 0) AS unfrozen
FROM accounts a LEFT JOIN counted c ON c.account_id = a.id
WHERE (a.created_at >= CAST(:since AS timestamptz))
  AND (coalesce(c.opened, 0) <> 1
       OR coalesce(c.closed, 0) <> CASE WHEN a.status = 'closed' THEN 1 ELSE 0 END
       OR CASE a.status
              WHEN 'frozen' THEN coalesce(c.frozen, 0) - coalesce(c.unfrozen, 0) <> 1
              WHEN 'active' THEN coalesce(c.frozen, 0) <> coalesce(c.unfrozen, 0)
              ELSE coalesce(c.frozen, 0) - coalesce(c.unfrozen, 0) NOT IN (0, 1)
          END)
""")

_INTEREST = text("""
WITH postings AS (
    SELECT DISTINCT account_id, transfer_id FROM razao.interest_accruals
    WHERE transfer_id IS NOT NULL
      AND (created_at >= CAST(:since AS timestamptz))
), counted AS (
    SELECT e.transfer_id, a.id AS account_id, count(*) AS n
    FROM events e CROSS JOIN LATERAL unnest(e.account_ids) AS a(id)
    WHERE e.type = 'account.interest_posted' GROUP BY 1, 2
)
SELECT p.account_id::text AS account_id, p.transfer_id::text AS transfer_id, coalesce(c.n, 0) AS n
FROM postings p LEFT JOIN counted c USING (transfer_id, account_id)
WHERE coalesce(c.n, 0) <> 1
""")

_JOBS = text("""
WITH counted AS (
    SELECT job_id,
           count(*) FILTER (WHERE type = 'job.succeeded') AS succeeded,
           count(*) FILTER (WHERE type = 'job.failed') AS failed
    FROM events WHERE job_id IS NOT NULL GROUP BY job_id
)
SELECT j.id::text AS id, j.state, coalesce(c.succeeded, 0) AS succeeded, coalesce(c.failed, 0) AS failed
FROM razao.jobs j LEFT JOIN counted c ON c.job_id = j.id
WHERE (j.created_at >= CAST(:since AS timestamptz))
  AND (coalesce(c.succeeded, 0) <> CASE WHEN j.state = 'succeeded' THEN 1 ELSE 0 END
       OR coalesce(c.failed, 0) <> CASE WHEN j.state = 'failed' THEN 1 ELSE 0 END)
""")

#: Events naming an object that does not exist, or whose document is of another object.
_INVENTED = text("""
SELECT e.id::text AS id, e.type FROM events e
WHERE (e.transfer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM transfers t WHERE t.id = e.transfer_id))
   OR (e.job_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM razao.jobs j WHERE j.id = e.job_id))
   OR EXISTS (SELECT 1 FROM unnest(e.account_ids) AS a(id)
              WHERE NOT EXISTS (SELECT 1 FROM accounts x WHERE x.id = a.id))
   OR (e.type LIKE 'transfer.%' AND e.data ->> 'id' IS DISTINCT FROM e.transfer_id::text)
   OR (e.type LIKE 'job.%' AND e.data ->> 'id' IS DISTINCT FROM e.job_id::text)
   OR (e.type IN ('account.opened', 'account.closed', 'account.frozen', 'account.unfrozen')
       AND ARRAY[CAST(e.data ->> 'id' AS uuid)] IS DISTINCT FROM e.account_ids)
""")

_COUNT = text("SELECT count(*) FROM events")


def check_events(conn: Connection, report: CheckReport) -> None:
    """Add a violation to `report` for each object whose events disagree with it, and for each event
    that names what does not exist."""
    if conn.execute(_HAS_EVENTS).scalar() is None:  # a database older than the outbox (revision 0010)
        return
    since = conn.execute(_SINCE).scalar()
    where = {"since": since}
    report.counts[CHECK] = int(conn.execute(_COUNT).scalar_one())
    for row in conn.execute(_TRANSFERS, where).mappings():
        report.add(
            CHECK,
            row["id"],
            f"transfer ({row['status']}, reversal {row['reversal_id']}) has events posted={row['posted']}"
            f" pending={row['pending']} captured={row['captured']} voided={row['voided']}"
            f" expired={row['expired']} reversed={row['reversed']} (by {row['reversed_by']})",
        )
    for row in conn.execute(_ACCOUNTS, where).mappings():
        report.add(
            CHECK,
            row["id"],
            f"account ({row['status']}) has events opened={row['opened']} closed={row['closed']}"
            f" frozen={row['frozen']} unfrozen={row['unfrozen']}",
        )
    for row in conn.execute(_INTEREST, where).mappings():
        report.add(
            CHECK,
            row["account_id"],
            f"interest posting {row['transfer_id']} has {row['n']} account.interest_posted events",
        )
    for row in conn.execute(_JOBS, where).mappings():
        report.add(
            CHECK,
            row["id"],
            f"job ({row['state']}) has events succeeded={row['succeeded']} failed={row['failed']}",
        )
    for row in conn.execute(_INVENTED).mappings():
        report.add(CHECK, row["id"], f"{row['type']} names an object that does not exist, or another one")
