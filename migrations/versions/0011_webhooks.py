"""Webhooks: endpoints that receive the events, their deliveries and every attempt.

Why: systems around the ledger want to be told what happened, pushed to them, signed (Standard
Webhooks), at least once and in order, without a client polling the feed. The dispatcher reads the
outbox of revision 0010_events through the feed's commit-safe reader, per endpoint from the endpoint's
own cursor, and writes one delivery per (endpoint, event) in the same transaction as it advances the
cursor; Celery tasks claim due deliveries, send them outside any transaction and record each attempt
(`application.webhooks`, docs/webhooks.md).

Creates
- table `webhook_endpoints` (public, owned by razao_owner, `src/adapters/db/models.py`): `id` (uuid),
  `url`, `description`, `event_types` (text[], NULL: every type), `account_code_prefix` (NULL: every
  event), `enabled`, `ordered` (default true) and `max_in_flight` (smallint 1..100, CHECK
  `webhook_endpoints_ordered_check`: an ordered endpoint has one delivery in flight), the signing secret
  encrypted with the deployment's key (`secret_ciphertext`, Fernet) and the previous one while a rotation
  overlaps (`previous_secret_ciphertext`, `previous_secret_expires_at`, both or neither: CHECK
  `webhook_endpoints_previous_secret_check`), the fan-out cursor (`cursor_txid` xid8, `cursor_n`: the
  feed position after which events are still to be fanned out; a new endpoint starts at the feed's
  watermark), the circuit breaker (`consecutive_failures`, `circuit_open_until`), `created_at`,
  `updated_at`, and the endpoint's delivery counters for `/metrics` (`delivered_total`, `failed_total`,
  `retried_total`: attempts by outcome; `latency_bucket_counts` bigint[13], the deliveries whose
  event-to-delivery latency fell in each bucket of `adapters.db.webhooks.LATENCY_BUCKETS`, the last one
  above them all, and `latency_sum_ms`), raised in the transaction that records an attempt and never
  lowered, so that retention deleting the history leaves the counters monotonic, and a scrape reads
  this small table instead of counting the history (CHECKs `webhook_endpoints_*_total_check`,
  `webhook_endpoints_latency_bucket_counts_check`);
- table `webhook_deliveries`: one event for one endpoint: `id`, `endpoint_id` (foreign key, ON DELETE
  CASCADE: deleting an endpoint deletes its deliveries), `event_id`, `event_txid`/`event_n` (the event's
  position: the order of delivery), `event_type`, `event_occurred_at`, `state` (pending, delivering,
  succeeded, failed: CHECK), `attempts`, `next_attempt_at`, `lease_until` (a claimed delivery's lease: an
  expired lease makes it claimable again), `last_status`, `last_error`, `created_at`, `first_attempt_at`,
  `delivered_at`, `finished_at` (when it succeeded or failed for good: what retention ages by; set
  exactly when the delivery is finished, CHECK `webhook_deliveries_finished_at_check`); UNIQUE
  (endpoint_id, event_id): fanning out twice inserts nothing twice;
  index `ix_webhook_deliveries_endpoint_id_event_txid_event_n` (endpoint, position) WHERE state IN
  (pending, delivering): the claim reads the head of an endpoint's unfinished deliveries in position
  order, and the due-work and oldest-undelivered queries read only unfinished rows; index
  `ix_webhook_deliveries_endpoint_id_created_at_id` for the API's listing; partial index
  `ix_webhook_deliveries_created_at_unfinished` (created_at) WHERE unfinished: the age of the oldest
  undelivered delivery (`/metrics`) is its first entry; partial index
  `ix_webhook_deliveries_finished_at` (finished_at) WHERE finished: retention finds old finished
  deliveries without reading the rest; partial indexes `ix_webhook_deliveries_endpoint_id_next_attempt_at`
  (endpoint, next_attempt_at) WHERE pending and `ix_webhook_deliveries_endpoint_id_lease_until`
  (endpoint, lease_until) WHERE delivering: what is due is found without walking a backlog that waits
  for its retry;
- table `webhook_attempts`: every attempt: `id` (bigint identity), `delivery_id` (ON DELETE CASCADE),
  `attempt`, `attempted_at`, `duration_ms`, `status_code`, `error`, `outcome` (delivered, retry, failed:
  CHECK), `next_try_at`; index on (delivery_id, id) (also what the cascade of a deletion uses);
- function `razao.prune_webhook_deliveries(older_than timestamptz, max_rows integer) RETURNS bigint`,
  plpgsql, SECURITY DEFINER owned by razao_owner, `search_path` pinned to pg_catalog, public: deletes at
  most `max_rows` FINISHED deliveries (succeeded, or failed for good) that finished before `older_than`,
  with their attempts (the foreign key's cascade), skipping rows another transaction holds (a re-send
  in progress); a pending or in-flight delivery is never deleted, whatever its age. It refuses (SQLSTATE
  22023) a cut-off later than a day ago. EXECUTE is revoked from PUBLIC and granted to razao_app.

Privileges (least privilege): razao_app may SELECT, INSERT, UPDATE and DELETE endpoints (the API manages
them), SELECT, INSERT and UPDATE deliveries (fan-out, claims, re-sends; never DELETE: they go with their
endpoint, through the foreign key's cascade, which runs with the table owner's rights), SELECT and
INSERT attempts (a history: never rewritten). No TRUNCATE; nothing for PUBLIC. Retention goes through
the SECURITY DEFINER function, like the events' (revision 0010_events), rather than a DELETE grant on
deliveries and attempts: a grant would let the role delete unfinished deliveries (an event then never
delivered, silently) or rewrite an attempt history; the function deletes only finished, old ones.

Downgrade drops the function and the three tables: endpoints, their secrets and the delivery history
are lost (the events stay in the outbox).

Revision ID: 0011_webhooks
Revises: 0010_events
Create Date: 2026-12-05
Docs: docs/webhooks.md
"""

from collections.abc import Sequence
from textwrap import dedent

from alembic import op

revision: str = "0011_webhooks"
down_revision: str | None = "0010_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What the migration linter (squawk, tests/suites/test_migration_lint.py) reports on this revision's
#: SQL, and why it is accepted; each is explained again by a `# squawk:` comment at its statement.
SQUAWK_ACCEPTED: dict[str, str] = {
    "require-lock-timeout": (
        "the upgrade locks only the tables it creates in the same transaction (their indexes and grants"
        " included); the downgrade drops them, which the application of this release writes: stop it first"
    ),
    "require-statement-timeout": (
        "nothing here depends on the amount of data but the downgrade's DROP TABLEs, which must run to"
        " the end; a timeout could only cut a migration short"
    ),
    "ban-drop-table": "only in the downgrade, which drops the three tables this revision created",
    "ban-drop-function": "only in the downgrade, which removes the function this revision created",
    "prefer-bigint-over-smallint": "max_in_flight is at most 100 (CHECK)",
    "prefer-bigint-over-int": "counters of attempts and failures of one delivery or endpoint, and HTTP statuses",
}

OWNER = "razao_owner"
APP = "razao_app"
#: Slots of the latency histogram's counts: the buckets of `adapters.db.webhooks.LATENCY_BUCKETS`, then
#: one above them all (+Inf).
LATENCY_SLOTS = 13
#: The youngest finished deliveries retention may delete, whoever calls it.
MINIMUM_AGE = "1 day"
PRUNE_SIGNATURE = "razao.prune_webhook_deliveries(timestamptz, integer)"
GRANTS = {
    "webhook_endpoints": "SELECT, INSERT, UPDATE, DELETE",
    "webhook_deliveries": "SELECT, INSERT, UPDATE",
    "webhook_attempts": "SELECT, INSERT",
}

ENDPOINTS = (
    dedent(
        """\
    CREATE TABLE webhook_endpoints (
        id uuid NOT NULL,
        url text NOT NULL,
        description text DEFAULT '' NOT NULL,
        event_types text[],
        account_code_prefix text,
        enabled boolean DEFAULT true NOT NULL,
        ordered boolean DEFAULT true NOT NULL,
        max_in_flight smallint DEFAULT 1 NOT NULL,
        secret_ciphertext text NOT NULL,
        previous_secret_ciphertext text,
        previous_secret_expires_at timestamptz,
        cursor_txid xid8 NOT NULL,
        cursor_n bigint DEFAULT 0 NOT NULL,
        consecutive_failures integer DEFAULT 0 NOT NULL,
        circuit_open_until timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        delivered_total bigint DEFAULT 0 NOT NULL,
        failed_total bigint DEFAULT 0 NOT NULL,
        retried_total bigint DEFAULT 0 NOT NULL,
        latency_bucket_counts bigint[] DEFAULT '{LATENCY_ZEROS}'::bigint[] NOT NULL,
        latency_sum_ms bigint DEFAULT 0 NOT NULL,
        CONSTRAINT webhook_endpoints_pkey PRIMARY KEY (id),
        CONSTRAINT webhook_endpoints_max_in_flight_check CHECK (max_in_flight BETWEEN 1 AND 100),
        CONSTRAINT webhook_endpoints_ordered_check CHECK (NOT ordered OR max_in_flight = 1),
        CONSTRAINT webhook_endpoints_previous_secret_check
            CHECK ((previous_secret_ciphertext IS NULL) = (previous_secret_expires_at IS NULL)),
        CONSTRAINT webhook_endpoints_consecutive_failures_check CHECK (consecutive_failures >= 0),
        CONSTRAINT webhook_endpoints_cursor_n_check CHECK (cursor_n >= 0),
        CONSTRAINT webhook_endpoints_delivered_total_check CHECK (delivered_total >= 0),
        CONSTRAINT webhook_endpoints_failed_total_check CHECK (failed_total >= 0),
        CONSTRAINT webhook_endpoints_retried_total_check CHECK (retried_total >= 0),
        CONSTRAINT webhook_endpoints_latency_sum_ms_check CHECK (latency_sum_ms >= 0),
        CONSTRAINT webhook_endpoints_latency_bucket_counts_check
            CHECK (cardinality(latency_bucket_counts) = {LATENCY_SLOTS})
    )"""
    )
    .replace("{LATENCY_ZEROS}", "{" + ",".join(["0"] * LATENCY_SLOTS) + "}")
    .replace("{LATENCY_SLOTS}", str(LATENCY_SLOTS))
)

DELIVERIES = dedent(
    """\
    CREATE TABLE webhook_deliveries (
        id uuid DEFAULT gen_random_uuid() NOT NULL,
        endpoint_id uuid NOT NULL,
        event_id uuid NOT NULL,
        event_txid xid8 NOT NULL,
        event_n bigint NOT NULL,
        event_type text NOT NULL,
        event_occurred_at timestamptz NOT NULL,
        state text DEFAULT 'pending' NOT NULL,
        attempts integer DEFAULT 0 NOT NULL,
        next_attempt_at timestamptz NOT NULL,
        lease_until timestamptz,
        last_status integer,
        last_error text,
        created_at timestamptz NOT NULL,
        first_attempt_at timestamptz,
        delivered_at timestamptz,
        finished_at timestamptz,
        CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id),
        CONSTRAINT webhook_deliveries_endpoint_id_fkey FOREIGN KEY (endpoint_id)
            REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        CONSTRAINT webhook_deliveries_endpoint_id_event_id_key UNIQUE (endpoint_id, event_id),
        CONSTRAINT webhook_deliveries_state_check
            CHECK (state IN ('pending', 'delivering', 'succeeded', 'failed')),
        CONSTRAINT webhook_deliveries_attempts_check CHECK (attempts >= 0),
        CONSTRAINT webhook_deliveries_finished_at_check
            CHECK ((state IN ('succeeded', 'failed')) = (finished_at IS NOT NULL))
    )"""
)

ATTEMPTS = dedent(
    """\
    CREATE TABLE webhook_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        delivery_id uuid NOT NULL,
        attempt integer NOT NULL,
        attempted_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        status_code integer,
        error text,
        outcome text NOT NULL,
        next_try_at timestamptz,
        CONSTRAINT webhook_attempts_pkey PRIMARY KEY (id),
        CONSTRAINT webhook_attempts_delivery_id_fkey FOREIGN KEY (delivery_id)
            REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        CONSTRAINT webhook_attempts_outcome_check CHECK (outcome IN ('delivered', 'retry', 'failed'))
    )"""
)


PRUNE_DELIVERIES = dedent(
    f"""\
    CREATE FUNCTION razao.prune_webhook_deliveries(older_than timestamptz, max_rows integer) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
    -- Deletes at most max_rows finished deliveries (succeeded, or failed for good) that finished before
    -- older_than, with their attempts (ON DELETE CASCADE). Pending and in-flight ones are never touched;
    -- rows another transaction holds (a re-send) are skipped. Returns how many it deleted.
    DECLARE
        deleted bigint;
    BEGIN
        IF older_than IS NULL OR max_rows IS NULL OR max_rows < 1 THEN
            RAISE EXCEPTION 'prune_webhook_deliveries needs a cut-off time and a positive number of rows'
                USING ERRCODE = '22023';
        END IF;
        IF older_than > now() - interval '{MINIMUM_AGE}' THEN
            RAISE EXCEPTION 'deliveries younger than {MINIMUM_AGE} are kept: the cut-off % is too late',
                older_than USING ERRCODE = '22023';
        END IF;
        WITH old AS (
            SELECT id FROM public.webhook_deliveries
            WHERE state IN ('succeeded', 'failed') AND finished_at < older_than
            ORDER BY finished_at
            LIMIT max_rows
            FOR UPDATE SKIP LOCKED
        ), gone AS (
            DELETE FROM public.webhook_deliveries d USING old
            WHERE d.id = old.id AND d.state IN ('succeeded', 'failed')
            RETURNING d.id
        )
        SELECT count(*) INTO deleted FROM gone;
        RETURN deleted;
    END
    $fn$"""
)


def upgrade() -> None:
    # squawk: require-lock-timeout, require-statement-timeout: the tables (with their indexes and
    # grants) are created in this transaction: no other session can hold a lock on them.
    # squawk: prefer-bigint-over-smallint, prefer-bigint-over-int: max_in_flight is at most 100; the
    # integers count one delivery's attempts or one endpoint's failures, or hold an HTTP status.
    op.execute(ENDPOINTS)
    op.execute(DELIVERIES)
    op.execute(
        "CREATE INDEX ix_webhook_deliveries_endpoint_id_event_txid_event_n ON webhook_deliveries"
        " (endpoint_id, event_txid, event_n) WHERE state IN ('pending', 'delivering')"
    )
    op.execute(
        "CREATE INDEX ix_webhook_deliveries_endpoint_id_created_at_id ON webhook_deliveries"
        " (endpoint_id, created_at, id)"
    )
    op.execute(
        "CREATE INDEX ix_webhook_deliveries_created_at_unfinished ON webhook_deliveries (created_at)"
        " WHERE state IN ('pending', 'delivering')"
    )
    op.execute(
        "CREATE INDEX ix_webhook_deliveries_finished_at ON webhook_deliveries (finished_at)"
        " WHERE state IN ('succeeded', 'failed')"
    )
    op.execute(
        "CREATE INDEX ix_webhook_deliveries_endpoint_id_next_attempt_at ON webhook_deliveries"
        " (endpoint_id, next_attempt_at) WHERE state = 'pending'"
    )
    op.execute(
        "CREATE INDEX ix_webhook_deliveries_endpoint_id_lease_until ON webhook_deliveries"
        " (endpoint_id, lease_until) WHERE state = 'delivering'"
    )
    op.execute(ATTEMPTS)
    op.execute("CREATE INDEX ix_webhook_attempts_delivery_id_id ON webhook_attempts (delivery_id, id)")
    for table, privileges in GRANTS.items():
        op.execute(f"ALTER TABLE {table} OWNER TO {OWNER}")
        op.execute(f"REVOKE ALL ON TABLE {table} FROM PUBLIC")
        op.execute(f"GRANT {privileges} ON TABLE {table} TO {APP}")
    op.execute(PRUNE_DELIVERIES)
    op.execute(f"ALTER FUNCTION {PRUNE_SIGNATURE} OWNER TO {OWNER}")
    op.execute(f"REVOKE ALL ON FUNCTION {PRUNE_SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {PRUNE_SIGNATURE} TO {APP}")


def downgrade() -> None:
    # squawk: ban-drop-function: undoing this revision removes the function it created.
    op.execute(f"DROP FUNCTION {PRUNE_SIGNATURE}")
    # squawk: ban-drop-table: undoing this revision drops its tables and their rows (the docstring).
    op.drop_table("webhook_attempts")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
