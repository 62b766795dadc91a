"""The outbox of events: what happened to the ledger, in an order no reader can skip, and its retention.

Why: systems around the ledger must learn what happened (a wallet credited, a hold expired) without
polling every object, and without losing an event when a process dies between a commit and a publish.
So every use case writes its events in the transaction of the change itself (both execution modes), and
readers take them from this table in commit-safe order.

Creates
- table `events` (public, owned by razao_owner, `src/adapters/db/models.py`): `id` (uuid, assigned by
  the database), `txid` (xid8, `pg_current_xact_id()`: the writing transaction), `n` (bigint identity,
  cache 32: grows within a transaction), `type`, `occurred_at`, `account_ids` (uuid[]), `transfer_id`,
  `job_id` and `data` (json: what the API answered for the object then). The position is (txid, n),
  the primary key. A reader returns only rows with `txid < pg_snapshot_xmin(pg_current_snapshot())`:
  every transaction below that watermark has ended, so a row that becomes visible later has a txid at
  or above it and sorts after everything already returned (a sequence alone would not do: its values
  are taken before commit, and a reader that moved past a committed value could skip an earlier one
  still in flight). Indexes: the primary key (position order), GIN on account_ids and btree on (type,
  txid, n) for the feed's filters; CHECK `events_type_check` (`family.action` in lower case);
- table `events_horizon`: at most one row (CHECK `events_horizon_singleton_check`): the position of the
  last event retention deleted ((0, 0): none yet), how many it deleted and when, and the latest cut-off
  it ran with (`pruned_before`: every deleted event occurred before it); and `started_at`, when the
  outbox started in a ledger that already held accounts or jobs (they have no events). The upgrade
  writes the row only in such a ledger, with `started_at = now()`; otherwise retention writes it on its
  first deletion (no row: nothing was ever deleted, and every object has its events). The checker's
  `events` check compares only the objects created since both instants;
- triggers `events_immutable` (BEFORE UPDATE, each row) and `events_no_truncate` (BEFORE TRUNCATE)
  refusing with SQLSTATE RZ107 (`razao.refuse` of revision 0002), whoever asks: an event is never
  rewritten, and events leave only through retention, which records its horizon;
- function `razao.prune_events(older_than timestamptz, max_rows integer) RETURNS bigint`, plpgsql,
  SECURITY DEFINER owned by razao_owner, `search_path` pinned to pg_catalog, public: deletes at most
  `max_rows` events, a prefix of the position order below the watermark whose every row occurred before
  `older_than`, and moves the horizon to the last one (holding an EXCLUSIVE lock on `events_horizon`,
  which readers do not wait for, so that two runs never move it back). It refuses (SQLSTATE 22023)
  a cut-off later than a day ago: whoever calls it cannot empty the outbox of recent events. EXECUTE
  is revoked from PUBLIC and granted to razao_app.

Privileges (least privilege): razao_app may SELECT both tables and INSERT into `events` only the
columns type, occurred_at, account_ids, transfer_id, job_id and data (so it can neither forge an id
nor a position); it has no UPDATE, DELETE or TRUNCATE on either. Retention goes through the
SECURITY DEFINER function rather than a DELETE grant: a grant would let the role delete any event,
recent ones or ones in the middle of the order (a reader's cursor would then skip them silently, with no
horizon to tell it); the function deletes only old prefixes and records the horizon in the same
transaction. Nothing for PUBLIC.

Downgrade drops the function and both tables (with their triggers and grants): the events are lost
(tests/suites/test_migrations.py reports them).

Revision ID: 0010_events
Revises: 0009_entries_refs_in_trigger
Create Date: 2026-12-04
Docs: docs/events.md
"""

from collections.abc import Sequence
from textwrap import dedent

from alembic import op

revision: str = "0010_events"
down_revision: str | None = "0009_entries_refs_in_trigger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "require-lock-timeout": (
        "the upgrade locks only the tables it creates in the same transaction (their indexes, triggers"
        " and grants included) and creates a function; the downgrade drops them, which the application of"
        " this release writes: stop it first"
    ),
    "require-statement-timeout": (
        "nothing here depends on the amount of data but the downgrade's DROP TABLEs, which must run to"
        " the end; a timeout could only cut a migration short"
    ),
    "ban-drop-function": "only in the downgrade, which removes the function this revision created",
    "ban-drop-table": (
        "only in the downgrade, which drops the two tables this revision created and their rows (the"
        " events: tests/suites/test_migrations.py reports them)"
    ),
}

OWNER = "razao_owner"
APP = "razao_app"
#: What razao_app may write into an event: everything but the id and the position.
EVENT_INSERT_COLUMNS = "type, occurred_at, account_ids, transfer_id, job_id, data"
#: The youngest events retention may delete, whoever calls it.
MINIMUM_AGE = "1 day"

#: `razao.refuse` of revision 0002: SQLSTATE, rule, message (%s: the operation, %s: the table).
TRIGGERS = [
    (
        "events_immutable",
        "BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION razao.refuse('RZ107', 'events_immutable',"
        " 'events are never changed: %s on %s is refused')",
    ),
    (
        "events_no_truncate",
        "BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION razao.refuse('RZ107',"
        " 'events_no_truncate', 'events leave only through retention (razao.prune_events): %s on %s"
        " is refused')",
    ),
]

PRUNE_EVENTS = dedent(
    f"""\
    CREATE FUNCTION razao.prune_events(older_than timestamptz, max_rows integer) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
    -- Deletes at most max_rows events: the longest prefix of the position order, below the watermark,
    -- whose every event occurred before older_than. Returns how many it deleted.
    DECLARE
        deleted bigint;
        last_txid xid8;
        last_n bigint;
    BEGIN
        IF older_than IS NULL OR max_rows IS NULL OR max_rows < 1 THEN
            RAISE EXCEPTION 'prune_events needs a cut-off time and a positive number of rows'
                USING ERRCODE = '22023';
        END IF;
        IF older_than > now() - interval '{MINIMUM_AGE}' THEN
            RAISE EXCEPTION 'events younger than {MINIMUM_AGE} are kept: the cut-off % is too late', older_than
                USING ERRCODE = '22023';
        END IF;
        -- One run at a time (readers are not blocked): a second waits here, then sees what the first
        -- deleted (READ COMMITTED: its next statement takes a new snapshot).
        LOCK TABLE public.events_horizon IN EXCLUSIVE MODE;
        WITH head AS (
            SELECT e.txid, e.n,
                   bool_and(e.occurred_at < older_than) OVER (ORDER BY e.txid, e.n) AS all_old
            FROM (
                SELECT txid, n, occurred_at FROM public.events
                WHERE txid < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY txid, n
                LIMIT max_rows
            ) e
        ), gone AS (
            DELETE FROM public.events d USING head h
            WHERE h.all_old AND d.txid = h.txid AND d.n = h.n
            RETURNING d.txid, d.n
        )
        SELECT count(*), (array_agg(txid ORDER BY txid DESC, n DESC))[1],
               (array_agg(n ORDER BY txid DESC, n DESC))[1]
        INTO deleted, last_txid, last_n
        FROM gone;
        IF deleted > 0 THEN
            INSERT INTO public.events_horizon AS h (singleton, txid, n, pruned, pruned_at, pruned_before)
            VALUES (true, last_txid, last_n, deleted, now(), older_than)
            ON CONFLICT (singleton) DO UPDATE
            SET txid = excluded.txid, n = excluded.n, pruned = h.pruned + excluded.pruned,
                pruned_at = excluded.pruned_at,
                pruned_before = greatest(h.pruned_before, excluded.pruned_before);
        END IF;
        RETURN deleted;
    END
    $fn$"""
)


def upgrade() -> None:
    # squawk: require-lock-timeout, require-statement-timeout: the tables (with their indexes, triggers
    # and grants) are created in this transaction: no other session can hold a lock on them.
    op.execute(
        dedent(
            """\
            CREATE TABLE events (
                id uuid DEFAULT gen_random_uuid() NOT NULL,
                txid xid8 DEFAULT pg_current_xact_id() NOT NULL,
                n bigint GENERATED ALWAYS AS IDENTITY (CACHE 32) NOT NULL,
                type text NOT NULL,
                occurred_at timestamptz NOT NULL,
                account_ids uuid[] DEFAULT '{}'::uuid[] NOT NULL,
                transfer_id uuid,
                job_id uuid,
                data json NOT NULL,
                CONSTRAINT events_pkey PRIMARY KEY (txid, n),
                CONSTRAINT events_type_check CHECK (type ~ '^[a-z]+(_[a-z]+)*\\.[a-z]+(_[a-z]+)*$')
            )"""
        )
    )
    op.create_index("ix_events_account_ids", "events", ["account_ids"], postgresql_using="gin")
    op.create_index("ix_events_type_txid_n", "events", ["type", "txid", "n"])
    op.execute(
        dedent(
            """\
            CREATE TABLE events_horizon (
                singleton boolean DEFAULT true NOT NULL,
                txid xid8 NOT NULL,
                n bigint NOT NULL,
                pruned bigint DEFAULT 0 NOT NULL,
                pruned_at timestamptz,
                pruned_before timestamptz,
                started_at timestamptz,
                CONSTRAINT events_horizon_pkey PRIMARY KEY (singleton),
                CONSTRAINT events_horizon_singleton_check CHECK (singleton)
            )"""
        )
    )
    op.execute(
        "INSERT INTO events_horizon (singleton, txid, n, started_at) SELECT true, '0', 0, now()"
        " WHERE EXISTS (SELECT 1 FROM accounts) OR EXISTS (SELECT 1 FROM razao.jobs)"
    )
    for name, definition in TRIGGERS:
        op.execute(f"CREATE TRIGGER {name} {definition}")
    op.execute(PRUNE_EVENTS)
    for table in ("events", "events_horizon"):
        op.execute(f"ALTER TABLE {table} OWNER TO {OWNER}")
        op.execute(f"REVOKE ALL ON TABLE {table} FROM PUBLIC")
        op.execute(f"GRANT SELECT ON TABLE {table} TO {APP}")
    op.execute(f"GRANT INSERT ({EVENT_INSERT_COLUMNS}) ON TABLE events TO {APP}")
    op.execute(f"ALTER FUNCTION razao.prune_events(timestamptz, integer) OWNER TO {OWNER}")
    op.execute("REVOKE ALL ON FUNCTION razao.prune_events(timestamptz, integer) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION razao.prune_events(timestamptz, integer) TO {APP}")


def downgrade() -> None:
    # squawk: ban-drop-function: undoing this revision removes the function it created.
    op.execute("DROP FUNCTION razao.prune_events(timestamptz, integer)")
    # squawk: ban-drop-table: undoing this revision drops its tables and their rows (the docstring).
    op.drop_table("events_horizon")
    op.drop_table("events")
