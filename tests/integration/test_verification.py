"""Ledger verification on the real PostgreSQL, in both execution modes: a sound ledger verifies clean,
and corruption planted by a superuser with the triggers bypassed (`session_replication_role =
replica`) is found, with the same report in either mode."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine, text

from adapters.db.code_bundle import current_bundle
from adapters.db.in_database import InDatabaseBatchPath
from adapters.db.unit_of_work import SqlUnitOfWork
from application.batch_path import BatchPath, InAppBatchPath
from application.verification import ACCOUNTS, PART_ROWS, TRANSFERS, VerificationPart
from application.write_path import InAppWritePath
from domain.transfers import TransferRequest
from domain.verification import VerificationReport, combine
from tests.integration.conftest import ManualClock, OpenFn


@pytest.fixture
def paths(
    app_engine: Engine, uow_factory: Callable[[], SqlUnitOfWork], clock: ManualClock
) -> list[BatchPath]:
    """Both modes over the same database."""
    return [InAppBatchPath(uow_factory, clock), InDatabaseBatchPath(app_engine, current_bundle().version)]


def _verify(paths: list[BatchPath]) -> VerificationReport:
    app, db = (path.verify_ledger() for path in paths)
    assert app == db
    return app


def _plant(admin_engine: Engine, sql: str, **params: object) -> None:
    """Raw SQL as a superuser with every trigger switched off."""
    with admin_engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql), params)


@pytest.fixture
def ledger(open_: OpenFn, write_path: InAppWritePath) -> dict[str, UUID]:
    cash = open_("cash", normal_side="debit", min_balance=None).id
    alice = open_("alice", normal_side="credit").id
    bob = open_("bob", normal_side="credit").id
    paid, held, voided = uuid4(), uuid4(), uuid4()
    write_path.post_transfers(
        [TransferRequest.simple(paid, debit_account_id=cash, credit_account_id=alice, amount=10_000)]
    )
    write_path.post_transfers(
        [
            TransferRequest.simple(
                held, debit_account_id=alice, credit_account_id=bob, amount=2_500, pending=True
            )
        ]
    )
    write_path.post_transfers(
        [
            TransferRequest.simple(
                voided, debit_account_id=alice, credit_account_id=bob, amount=100, pending=True
            )
        ]
    )
    write_path.void_pending(voided)
    return {"cash": cash, "alice": alice, "bob": bob, "paid": paid, "held": held}


def _kinds(report: VerificationReport) -> set[tuple[str, str]]:
    return {(d.kind, d.subject_id) for d in report.discrepancies}


def test_a_sound_ledger_verifies_clean(paths: list[BatchPath], ledger: dict[str, UUID]) -> None:
    report = _verify(paths)
    assert report.ok and report.discrepancies == ()
    assert (report.accounts, report.entries, report.transfers) == (3, 6, 3)


def test_finds_a_stored_balance_changed_behind_the_triggers(
    paths: list[BatchPath], ledger: dict[str, UUID], admin_engine: Engine
) -> None:
    _plant(
        admin_engine,
        "UPDATE accounts SET posted_credits = posted_credits + 1 WHERE id = :id",
        id=ledger["alice"],
    )
    report = _verify(paths)
    assert _kinds(report) == {("balance_mismatch", f"{ledger['alice']}.posted_credits")}
    assert (report.discrepancies[0].expected, report.discrepancies[0].found) == ("10000", "10001")


def test_finds_a_pending_balance_without_its_hold(
    paths: list[BatchPath], ledger: dict[str, UUID], admin_engine: Engine
) -> None:
    _plant(
        admin_engine,
        "UPDATE transfers SET status = 'posted', resolved_at = now() WHERE id = :id",
        id=ledger["held"],
    )
    report = _verify(paths)
    assert ("balance_mismatch", f"{ledger['alice']}.pending_debits") in _kinds(report)
    assert ("balance_mismatch", f"{ledger['bob']}.pending_credits") in _kinds(report)


def test_finds_a_pending_transfer_without_a_hold(
    paths: list[BatchPath], ledger: dict[str, UUID], admin_engine: Engine
) -> None:
    _plant(
        admin_engine,
        "UPDATE transfers SET status = 'pending', resolved_at = NULL WHERE id = :id",
        id=ledger["paid"],
    )
    report = _verify(paths)
    assert ("pending_without_hold", str(ledger["paid"])) in _kinds(report)


def test_finds_an_entry_inserted_behind_the_triggers(
    paths: list[BatchPath], ledger: dict[str, UUID], admin_engine: Engine
) -> None:
    _plant(
        admin_engine,
        "INSERT INTO entries (transfer_id, account_id, seq, line, layer, side, amount, asset_code,"
        " balance_after, created_at, effective_at)"
        " VALUES (:t, :a, 4, 2, 'posted', 'credit', 500, 'BRL', 8000, now(), now())",
        t=ledger["paid"],
        a=ledger["alice"],
    )
    report = _verify(paths)
    kinds = _kinds(report)
    assert ("unbalanced_transfer", f"{ledger['paid']}.posted.BRL") in kinds
    assert ("balance_mismatch", f"{ledger['alice']}.posted_credits") in kinds
    assert ("last_seq_mismatch", str(ledger["alice"])) in kinds
    assert ("balance_after_mismatch", f"{ledger['alice']}#4") in kinds


def test_finds_an_edited_journal_line(
    paths: list[BatchPath], ledger: dict[str, UUID], admin_engine: Engine
) -> None:
    _plant(
        admin_engine,
        "UPDATE entries SET amount = amount + 1, balance_after = balance_after + 1"
        " WHERE account_id = :a AND seq = 1",
        a=ledger["alice"],
    )
    report = _verify(paths)
    kinds = _kinds(report)
    assert ("unbalanced_transfer", f"{ledger['paid']}.posted.BRL") in kinds
    assert ("balance_mismatch", f"{ledger['alice']}.posted_credits") in kinds


def _parts(path: BatchPath, phase: str, limit: int, max_rows: int = PART_ROWS) -> list[VerificationPart]:
    """Every part of one phase, each resuming where the one before stopped, as a job runs them."""
    parts = [path.verify_part(phase, None, limit, max_rows=max_rows)]
    while not parts[-1].complete:
        last = parts[-1]
        parts.append(path.verify_part(phase, last.last_id, limit, progress=last.progress, max_rows=max_rows))
    return parts


def test_both_modes_verify_in_the_same_parts(
    paths: list[BatchPath], ledger: dict[str, UUID], admin_engine: Engine
) -> None:
    _plant(
        admin_engine,
        "UPDATE accounts SET posted_credits = posted_credits + 1 WHERE id = :id",
        id=ledger["bob"],
    )
    whole = _verify(paths)
    app, db = (_parts(path, ACCOUNTS, 2) + _parts(path, TRANSFERS, 2) for path in paths)
    assert app == db
    assert combine(p.report for p in app) == whole and whole.discrepancy_count == 1
    assert app[0].totals == (3, 3) and [p.report.accounts for p in app[:2]] == [2, 1]


@pytest.mark.parametrize("max_rows", [1, 2, 3])
def test_both_modes_stop_and_resume_inside_accounts_alike(
    paths: list[BatchPath], ledger: dict[str, UUID], admin_engine: Engine, max_rows: int
) -> None:
    _plant(
        admin_engine,
        "UPDATE entries SET balance_after = balance_after + 1 WHERE account_id = :a AND seq = 2",
        a=ledger["alice"],
    )
    whole = _verify(paths)
    app, db = (_parts(path, ACCOUNTS, 2, max_rows) for path in paths)
    assert app == db
    assert any(p.progress is not None for p in app)
    checked = combine(p.report for p in app)
    assert (checked.accounts, checked.entries) == (whole.accounts, whole.entries)
    assert checked.discrepancies == whole.discrepancies and whole.discrepancy_count >= 1


def test_both_modes_finish_a_resumed_account_with_the_holds_open_now(
    paths: list[BatchPath], open_: OpenFn, write_path: InAppWritePath
) -> None:
    """A part stops inside an account just after its hold; the hold is voided before the next part,
    which must check the account against its holds as they are now, not as the first part saw them."""
    for n, path in enumerate(paths):
        payer = open_(f"payer-{n}", normal_side="debit", min_balance=None).id
        holder = open_(f"holder-{n}", normal_side="credit").id
        held = uuid4()
        for request in (
            TransferRequest.simple(uuid4(), debit_account_id=payer, credit_account_id=holder, amount=1000),
            TransferRequest.simple(
                held, debit_account_id=holder, credit_account_id=payer, amount=300, pending=True
            ),
            TransferRequest.simple(uuid4(), debit_account_id=payer, credit_account_id=holder, amount=5),
        ):
            write_path.post_transfers([request])
        before = UUID(int=holder.int - 1)

        first = path.verify_part(ACCOUNTS, before, 1, max_rows=2)
        assert first.progress is not None and (first.progress.account_id, first.progress.seq) == (holder, 2)
        write_path.void_pending(held)
        second = path.verify_part(ACCOUNTS, holder, 1, progress=first.progress, max_rows=10)

        assert (first.report.accounts, first.report.entries) == (1, 2)
        assert (second.report.accounts, second.report.entries) == (0, 1)
        assert second.report.ok, second.report.discrepancies
