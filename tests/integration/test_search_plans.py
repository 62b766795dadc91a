"""Every search the API accepts is answered from an index (docs/search.md, revision 0016).

A ledger large enough for the planner to prefer indexes (20,000 accounts, 60,000 transfers and their
120,000 entries, written straight into the tables and ANALYZEd) is searched through the list use cases;
each statement they send is EXPLAINed (JSON) as it was sent. No plan may read accounts, transfers or
entries with a sequential scan, and each filter's own index must be the one used where the filter is
the selective one: the GIN metadata indexes (which only the literal `metadata <> '{}'` predicate
lets the planner use), `ix_accounts_status_code`, the members' primary key, the time-basis indexes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, pool, text

from adapters.db.engine import make_engine
from adapters.db.unit_of_work import SqlUnitOfWork
from application import accounts as account_cases
from application import transfers as transfer_cases
from application.search import account_filter, transfer_filter
from tests.conftest import APP_ROLE, _quote, _unique_name, _url_for, set_kernel_mode

ACCOUNTS = 20_000
#: Accounts that transfers move money between (the first ones; half debited, half credited).
BOOKING_ACCOUNTS = 2_000
TRANSFERS = 60_000
START = datetime(2025, 1, 1, tzinfo=UTC)
#: The large tables: none may be read by a sequential scan.
LARGE = {"accounts", "transfers", "entries", "account_categories"}

SEED = [
    "INSERT INTO assets (code, scale, created_at) VALUES ('BRL', 2, now()) ON CONFLICT DO NOTHING",
    # 1% gold (with kyc on a tenth of them), 1% frozen, the rest without metadata.
    f"""INSERT INTO accounts (id, code, name, asset_code, normal_side, min_balance, status, metadata, created_at)
    SELECT md5('account' || i)::uuid, 'plan:' || lpad(i::text, 6, '0'), 'Plan ' || i, 'BRL', 'credit', NULL,
           CASE WHEN i % 100 = 7 AND i >= {BOOKING_ACCOUNTS} THEN 'frozen' ELSE 'active' END,
           CASE WHEN i % 100 = 3 THEN jsonb_build_object('tier', 'gold', 'n', i::text)
                WHEN i % 1000 = 5 THEN '{{"kyc": true}}'::jsonb ELSE '{{}}'::jsonb END,
           now()
    FROM generate_series(0, {ACCOUNTS - 1}) AS i""",
    "INSERT INTO categories (id, code, name, created_at) VALUES (md5('category')::uuid, 'plan', 'Plan', now())",
    "INSERT INTO categories (id, code, name, created_at) VALUES (md5('big')::uuid, 'big', 'Big', now())",
    # 'plan' has 50 members, 'big' every other account.
    f"""INSERT INTO account_categories (category_id, account_id)
    SELECT CASE WHEN i < 50 THEN md5('category') ELSE md5('big') END::uuid, md5('account' || i)::uuid
    FROM generate_series(0, {ACCOUNTS - 1}) AS i""",
    # A transfer a minute, value dates up to a day earlier; 1% with an order; 2% voided (no entries).
    f"""INSERT INTO transfers (id, status, two_phase, description, metadata, effective_at, created_at, fingerprint)
    SELECT md5('transfer' || i)::uuid, CASE WHEN i % 50 = 1 THEN 'voided' ELSE 'posted' END, i % 50 = 1, '',
           CASE WHEN i % 100 = 3 THEN jsonb_build_object('order', 'o-' || i) ELSE '{{}}'::jsonb END,
           :start + i * interval '1 minute' - (i % 1440) * interval '1 minute',
           :start + i * interval '1 minute', md5('transfer' || i)
    FROM generate_series(1, {TRANSFERS}) AS i""",
    # Each posted transfer debits account n % 1000 and credits 1000 + n % 1000 (credit-normal, unbounded).
    f"""WITH t AS (
        SELECT i, md5('transfer' || i)::uuid AS id, :start + i * interval '1 minute' AS created_at,
               :start + i * interval '1 minute' - (i % 1440) * interval '1 minute' AS effective_at,
               100 + i % 5000 AS amount
        FROM generate_series(1, {TRANSFERS}) AS i WHERE i % 50 <> 1
    ), lines AS (
        SELECT id, created_at, effective_at, amount, 0 AS line, 'debit' AS side,
               md5('account' || (i % {BOOKING_ACCOUNTS // 2}))::uuid AS account_id, -amount AS delta FROM t
        UNION ALL
        SELECT id, created_at, effective_at, amount, 1, 'credit',
               md5('account' || ({BOOKING_ACCOUNTS // 2} + i % {BOOKING_ACCOUNTS // 2}))::uuid, amount FROM t
    )
    INSERT INTO entries (transfer_id, account_id, seq, line, layer, side, amount, asset_code, balance_after,
                         created_at, effective_at)
    SELECT id, account_id, row_number() OVER w, line, 'posted', side, amount, 'BRL', sum(delta) OVER w,
           created_at, effective_at
    FROM lines WINDOW w AS (PARTITION BY account_id ORDER BY created_at, id)""",
    "ANALYZE accounts",
    "ANALYZE transfers",
    "ANALYZE entries",
    "ANALYZE account_categories",
    "ANALYZE categories",
]


@pytest.fixture(scope="module")
def seeded(
    server: Engine, admin_url: str, migrated_template: str, _dropper: Callable[[str], None]
) -> Iterator[tuple[Engine, Engine]]:
    """(application engine, superuser engine) on one seeded database shared by this module's tests:
    seeding takes seconds, and the searches only read."""
    name = _unique_name("plans")
    with server.connect() as conn:
        conn.execute(
            text(f"CREATE DATABASE {_quote(server, name)} TEMPLATE {_quote(server, migrated_template)}")
        )
        set_kernel_mode(conn, name)
    app = make_engine(_url_for(admin_url, name, user=APP_ROLE), pool_size=2, max_overflow=0)
    admin = create_engine(_url_for(admin_url, name), poolclass=pool.NullPool)
    try:
        with admin.begin() as conn:
            for statement in SEED:
                conn.execute(text(statement), {"start": START})
        yield app, admin
    finally:
        app.dispose()
        admin.dispose()
        _dropper(name)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def plans_of(
    run: Callable[[], Any], app_engine: Engine, admin_engine: Engine
) -> list[list[tuple[str, str | None, str | None]]]:
    """(node type, table, index) of every node of the plan of each search statement `run` sends."""
    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "ORDER BY" in statement and "LIMIT" in statement:  # the search itself, not the entries it loads
            sent.append((statement, parameters))

    event.listen(app_engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(app_engine, "before_cursor_execute", capture)
    assert sent, "no search statement was sent"
    raw = admin_engine.raw_connection()
    try:
        cursor = raw.cursor()
        found = []
        for statement, parameters in sent:
            cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
            [[document]] = cursor.fetchall()
            plan = document[0]["Plan"]
            found.append(
                [(n["Node Type"], n.get("Relation Name"), n.get("Index Name")) for n in _nodes(plan)]
            )
        return found
    finally:
        raw.close()


def indexes(plans: list[list[tuple[str, str | None, str | None]]]) -> set[str]:
    seq_scans = [(kind, table) for plan in plans for kind, table, _ in plan if kind == "Seq Scan"]
    assert not [s for s in seq_scans if s[1] in LARGE], plans
    return {index for plan in plans for _, _, index in plan if index is not None}


ACCOUNT_SEARCHES: list[tuple[dict[str, Any], set[str]]] = [
    ({}, {"accounts_code_key"}),
    ({"metadata": ["tier:gold", "n:203"]}, {"ix_accounts_metadata"}),
    ({"metadata_has": ["kyc"]}, {"ix_accounts_metadata"}),
    ({"metadata": ["tier:gold"], "status": "active", "code_prefix": "plan:00"}, set()),
    ({"status": "frozen"}, {"ix_accounts_status_code"}),
    ({"code_prefix": "plan:0123"}, {"accounts_code_key"}),
    ({"category": "plan"}, {"account_categories_pkey"}),
    (
        {"category": "plan", "category_descendants": True, "metadata_has": ["tier"]},
        {"ix_accounts_metadata", "ix_account_categories_account_id"},  # the rarer filter first
    ),
]


@pytest.mark.parametrize(("options", "expected"), ACCOUNT_SEARCHES)
def test_account_searches_are_index_lookups(
    seeded: tuple[Engine, Engine], options: dict[str, Any], expected: set[str]
) -> None:
    app_engine, admin_engine = seeded
    uow_factory = partial(SqlUnitOfWork, app_engine)
    where = account_filter(**options)
    used = indexes(
        plans_of(lambda: account_cases.list_accounts(uow_factory(), where), app_engine, admin_engine)
    )

    assert expected <= used, used


ALICE = uuid.UUID(bytes=bytes.fromhex("0" * 32))  # replaced by an account id in the test
DAY = {"start": START + timedelta(days=20), "end": START + timedelta(days=21)}
TRANSFER_SEARCHES: list[tuple[dict[str, Any], set[str]]] = [
    ({}, {"ix_transfers_created_at_id"}),
    ({"basis": "effective"}, {"ix_transfers_effective_at_id"}),
    ({"metadata": ["order:o-303"]}, {"ix_transfers_metadata"}),
    ({"metadata_has": ["order"], "amount_min": 1000}, set()),
    ({"status": "voided"}, {"ix_transfers_status_created_at_id"}),
    (DAY, {"ix_transfers_created_at_id"}),
    ({"basis": "effective", **DAY}, {"ix_transfers_effective_at_id"}),
    ({"basis": "effective", "amount_min": 4000, "asset": "BRL", **DAY}, {"ix_transfers_effective_at_id"}),
    ({"basis": "effective", "status": "voided", **DAY}, {"ix_transfers_effective_at_id"}),
    ({"account_id": ALICE, "amount_max": 200}, set()),
    ({"account_id": ALICE, "basis": "effective"}, set()),
]


@pytest.mark.parametrize(("options", "expected"), TRANSFER_SEARCHES)
def test_transfer_searches_are_index_lookups(
    seeded: tuple[Engine, Engine], options: dict[str, Any], expected: set[str]
) -> None:
    app_engine, admin_engine = seeded
    uow_factory = partial(SqlUnitOfWork, app_engine)
    if options.get("account_id") == ALICE:
        options = {**options, "account_id": uuid.UUID(hex=_md5("account7"))}
    where = transfer_filter(**options)
    used = indexes(
        plans_of(lambda: transfer_cases.list_transfers(uow_factory(), where), app_engine, admin_engine)
    )

    assert expected <= used, used
    if where.amount_min is not None or where.amount_max is not None:
        assert "entries_transfer_id_layer_line_key" in used, used  # the amount: the transfer's own lines


def _md5(text_: str) -> str:
    import hashlib

    return hashlib.md5(text_.encode()).hexdigest()
