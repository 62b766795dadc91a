"""The closed-period rule PostgreSQL enforces whatever writes to the journal (revision 0015, trigger
`entries_book`, SQLSTATE RZ120; docs/periods.md).

Entries are inserted with raw SQL over a superuser connection, which no privilege stops: only the trigger
refuses an entry whose value date falls on or before an active close's day, in its asset or ledger-wide.
A reopened close refuses nothing; holds are refused like postings; the application role may not lock the
journal itself, only through `razao.lock_journal_for_close()`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from application.write_path import InAppWritePath
from domain.accounts import Account
from domain.transfers import TransferRequest
from tests.integration.test_db_rules import insert, lines, refused

Open = Callable[..., Account]
JAN_15 = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
FEB_01 = datetime(2025, 2, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def cash(open_: Open) -> Account:
    return open_("cash", normal_side="debit", min_balance=None)


@pytest.fixture
def alice(open_: Open, cash: Account, write_path: InAppWritePath) -> Account:
    alice = open_("alice", normal_side="credit", min_balance=0)
    write_path.post_transfers(
        [
            TransferRequest.simple(
                uuid.uuid4(), debit_account_id=cash.id, credit_account_id=alice.id, amount=1000
            )
        ]
    )
    return alice


def close(engine: Engine, through: date, asset: str | None = None) -> uuid.UUID:
    close_id = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO period_closes (id, asset_code, through, closed_at, closed_by)"
                " VALUES (:id, :asset, :through, now(), 'raw sql')"
            ),
            {"id": close_id, "asset": asset, "through": through},
        )
    return close_id


def dated(conn: Connection, effective_at: datetime, *, status: str = "posted") -> uuid.UUID:
    transfer_id = uuid.uuid4()
    conn.execute(
        text(
            "INSERT INTO transfers (id, status, two_phase, effective_at, created_at, fingerprint)"
            " VALUES (:id, :status, :two_phase, :effective_at, now(), 'raw sql')"
        ),
        {"id": transfer_id, "status": status, "two_phase": status != "posted", "effective_at": effective_at},
    )
    return transfer_id


def pay(
    cash: Account, alice: Account, effective_at: datetime, *, layer: str = "posted"
) -> Callable[[Connection], Any]:
    def action(conn: Connection) -> None:
        transfer_id = dated(conn, effective_at, status="pending" if layer == "pending" else "posted")
        insert(conn, lines(conn, transfer_id, (cash, "debit", 10), (alice, "credit", 10), layer=layer))

    return action


def test_an_entry_dated_in_a_closed_period_is_refused(
    cash: Account, alice: Account, admin_engine: Engine
) -> None:
    close(admin_engine, date(2025, 1, 31))
    refusal = refused(admin_engine, pay(cash, alice, JAN_15))
    assert (refusal.sqlstate, refusal.rule) == ("RZ120", "entries_book")
    assert "closed through 2025-01-31" in refusal.message
    # the last instant of the closed day is closed; the first of the next is open
    last = datetime(2025, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert refused(admin_engine, pay(cash, alice, last)).sqlstate == "RZ120"
    with admin_engine.begin() as conn:
        pay(cash, alice, FEB_01)(conn)


def test_holds_are_refused_like_postings(cash: Account, alice: Account, admin_engine: Engine) -> None:
    close(admin_engine, date(2025, 1, 31))
    assert refused(admin_engine, pay(cash, alice, JAN_15, layer="pending")).sqlstate == "RZ120"


def test_an_asset_close_refuses_its_asset_only(
    cash: Account, alice: Account, open_: Open, admin_engine: Engine, write_path: InAppWritePath
) -> None:
    usd_cash = open_("usd-cash", asset="USD", normal_side="debit", min_balance=None)
    usd_bob = open_("usd-bob", asset="USD", normal_side="credit", min_balance=0)
    close(admin_engine, date(2025, 1, 31), asset="USD")
    assert refused(admin_engine, pay(usd_cash, usd_bob, JAN_15)).sqlstate == "RZ120"
    with admin_engine.begin() as conn:
        pay(cash, alice, JAN_15)(conn)  # BRL is open


def test_a_reopened_close_refuses_nothing(cash: Account, alice: Account, admin_engine: Engine) -> None:
    close_id = close(admin_engine, date(2025, 1, 31))
    with admin_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE period_closes SET reopened_at = now(), reopened_by = 'raw sql', reopen_reason = 'late'"
                " WHERE id = :id"
            ),
            {"id": close_id},
        )
        pay(cash, alice, JAN_15)(conn)


def test_the_app_role_locks_the_journal_only_through_the_function(app_engine: Engine) -> None:
    with pytest.raises(DBAPIError) as caught, app_engine.begin() as conn:
        conn.execute(text("LOCK TABLE entries IN SHARE MODE"))
    assert getattr(caught.value.orig, "sqlstate", None) == "42501"  # insufficient privilege
    with app_engine.begin() as conn:
        conn.execute(text("SELECT razao.lock_journal_for_close()"))
        mode = (
            conn.execute(
                text(
                    "SELECT mode FROM pg_locks WHERE relation = 'entries'::regclass AND pid = pg_backend_pid()"
                    " AND granted"
                )
            )
            .scalars()
            .all()
        )
    assert "ShareLock" in mode


def test_the_app_role_cannot_delete_or_rewrite_a_close(admin_engine: Engine, app_engine: Engine) -> None:
    close_id = close(admin_engine, date(2025, 1, 31))
    for statement in (
        "DELETE FROM period_closes WHERE id = :id",
        "UPDATE period_closes SET through = '2024-12-31' WHERE id = :id",
    ):
        with pytest.raises(DBAPIError) as caught, app_engine.begin() as conn:
            conn.execute(text(statement), {"id": close_id})
        assert getattr(caught.value.orig, "sqlstate", None) == "42501", statement


@pytest.mark.parametrize("writer", ["admin_engine", "app_engine"])
def test_a_close_changes_only_by_being_reopened_once(
    alice: Account, request: pytest.FixtureRequest, writer: str
) -> None:
    """Revision 0015's trigger `period_closes_reopen_once` (RZ123): reopening is recorded once, and a
    reopened close can be neither re-activated nor have its reopening rewritten, by anyone."""
    engine: Engine = request.getfixturevalue(writer)
    admin: Engine = request.getfixturevalue("admin_engine")
    close_id = close(admin, date(2025, 1, 31))
    for changes in ({"reopen_reason": "NULL"}, {"reopened_by": "NULL", "reopened_at": "NULL"}):
        refusal = refused(engine, partial(_reopen_in, close_id=close_id, changes=changes))
        assert refusal.sqlstate in ("RZ123", "23514"), refusal
    with engine.begin() as conn:
        _reopen_in(conn, close_id, {})
    for changes in (
        {"reopened_at": "NULL", "reopened_by": "NULL", "reopen_reason": "NULL"},
        {"reopened_by": "'someone else'"},
    ):
        refusal = refused(engine, partial(_reopen_in, close_id=close_id, changes=changes))
        assert (refusal.sqlstate, refusal.rule) == ("RZ123", "period_closes_reopen_once"), refusal
    if writer == "admin_engine":  # the app role may not even name these columns (42501)
        refusal = refused(
            engine, lambda conn: conn.execute(text("UPDATE period_closes SET through = '2024-12-31'"))
        )
        assert refusal.sqlstate == "RZ123", refusal


def _reopen_in(conn: Connection, close_id: uuid.UUID, changes: dict[str, str]) -> None:
    columns = {"reopened_at": "now()", "reopened_by": "'ops'", "reopen_reason": "'late invoice'", **changes}
    conn.execute(
        text(
            f"UPDATE period_closes SET {', '.join(f'{c} = {v}' for c, v in columns.items())} WHERE id = :id"
        ),
        {"id": close_id},
    )
