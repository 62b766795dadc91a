"""The ledger checker (`adapters.db.checker`, `razao check`) on the real PostgreSQL: a sound ledger
passes every check, and each kind of corruption a superuser can plant behind the triggers
(`session_replication_role = replica`) is named by the check that owns it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine, text

from adapters.db.checker import CHECKS, Acknowledged, CheckReport, check_ledger, journal_baseline
from application.write_path import InAppWritePath
from domain.transfers import ReversalRequest, TransferRequest
from tests.integration.conftest import OpenFn


def _plant(admin_engine: Engine, sql: str, **params: object) -> None:
    with admin_engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql), params)


@pytest.fixture
def ledger(open_: OpenFn, write_path: InAppWritePath) -> dict[str, UUID]:
    """Cash pays Alice 100.00, Alice holds 25.00 for Bob, a hold of 1.00 is voided, one of 5.00 is posted
    for 3.00, and a payment of 7.00 is reversed."""
    cash = open_("cash", normal_side="debit", min_balance=None).id
    alice = open_("alice", normal_side="credit").id
    bob = open_("bob", normal_side="credit").id
    ids = {name: uuid4() for name in ("paid", "held", "voided", "partly", "refunded", "reversal")}

    def book(transfer_id: UUID, debit: UUID, credit: UUID, amount: int, pending: bool = False) -> None:
        write_path.post_transfers(
            [
                TransferRequest.simple(
                    transfer_id,
                    debit_account_id=debit,
                    credit_account_id=credit,
                    amount=amount,
                    pending=pending,
                )
            ]
        )

    book(ids["paid"], cash, alice, 10_000)
    book(ids["held"], alice, bob, 2_500, pending=True)
    book(ids["voided"], alice, bob, 100, pending=True)
    write_path.void_pending(ids["voided"])
    book(ids["partly"], alice, bob, 500, pending=True)
    write_path.post_pending(ids["partly"], 300)
    book(ids["refunded"], alice, bob, 700)
    write_path.reverse(ReversalRequest(ids["reversal"], ids["refunded"]))
    return {"cash": cash, "alice": alice, "bob": bob, **ids}


def _failed(report: CheckReport) -> set[str]:
    return {v.check for v in report.violations}


def test_a_sound_ledger_passes_every_check(app_engine: Engine, ledger: dict[str, UUID]) -> None:
    report = check_ledger(app_engine, baseline=journal_baseline(app_engine))
    assert report.ok, report.violations
    assert set(report.counts) == set(CHECKS) and report.counts["stored_balances"] == 3
    assert report.counts["entries"] > 0 and report.counts["reversals"] == 1


@pytest.mark.parametrize(
    ("sql", "check"),
    [
        ("UPDATE accounts SET posted_credits = posted_credits + 1 WHERE id = :alice", "stored_balances"),
        ("UPDATE accounts SET posted_credits = posted_credits + 1 WHERE id = :alice", "zero_sum"),
        ("UPDATE accounts SET last_seq = last_seq + 1 WHERE id = :alice", "stored_balances"),
        ("UPDATE accounts SET pending_debits = 0 WHERE id = :alice", "reservations"),
        ("UPDATE transfers SET status = 'posted' WHERE id = :held", "reservations"),
        ("UPDATE transfers SET status = 'pending' WHERE id = :paid", "holds"),
        ("UPDATE transfers SET status = 'voided' WHERE id = :partly", "holds"),
        ("UPDATE entries SET amount = amount + 1 WHERE transfer_id = :paid AND side = 'credit'", "entries"),
        (
            "UPDATE entries SET amount = amount + 1 WHERE transfer_id = :paid AND side = 'credit'",
            "balanced_transfers",
        ),
        ("UPDATE entries SET seq = seq + 10 WHERE account_id = :bob AND seq = 1", "entries"),
        ("DELETE FROM entries WHERE transfer_id = :refunded", "balanced_transfers"),
        ("DELETE FROM entries WHERE transfer_id = :reversal AND side = 'debit'", "reversals"),
        (
            "UPDATE entries SET amount = 20000 WHERE transfer_id = :refunded AND account_id = :alice",
            "min_balance",
        ),
        ("DELETE FROM events WHERE transfer_id = :paid", "events"),
        ("DELETE FROM events WHERE type = 'transfer.voided'", "events"),
        ("DELETE FROM events WHERE type = 'transfer.reversed'", "events"),
        (
            "DELETE FROM events WHERE type = 'account.opened' AND account_ids = ARRAY[CAST(:bob AS uuid)]",
            "events",
        ),
        (
            "INSERT INTO events (type, occurred_at, account_ids, transfer_id, data)"
            " SELECT type, occurred_at, account_ids, transfer_id, data FROM events"
            " WHERE transfer_id = :paid AND type = 'transfer.posted'",
            "events",
        ),
        (
            "INSERT INTO events (type, occurred_at, account_ids, transfer_id, data) SELECT 'transfer.posted',"
            " now(), '{}', x.id, json_build_object('id', x.id) FROM (SELECT gen_random_uuid() AS id) x",
            "events",
        ),
        ("UPDATE transfers SET status = 'expired' WHERE id = :held", "events"),
    ],
)
def test_planted_corruption_is_named(
    app_engine: Engine, admin_engine: Engine, ledger: dict[str, UUID], sql: str, check: str
) -> None:
    _plant(admin_engine, sql, **{k: str(v) for k, v in ledger.items()})
    assert check in _failed(check_ledger(app_engine))


def test_acknowledged_transfers_must_exist_with_the_lines_told(
    app_engine: Engine, ledger: dict[str, UUID]
) -> None:
    cash, alice = ledger["cash"], ledger["alice"]
    told = Acknowledged(
        ledger["paid"], "posted", ((cash, "debit", 10_000, "BRL"), (alice, "credit", 10_000, "BRL"))
    )
    assert check_ledger(app_engine, acknowledged=[told]).ok
    wrong = Acknowledged(
        ledger["paid"], "posted", ((cash, "debit", 9_999, "BRL"), (alice, "credit", 9_999, "BRL"))
    )
    lost = Acknowledged(uuid4(), "posted", told.lines)
    report = check_ledger(app_engine, acknowledged=[told, wrong, lost])
    assert [(v.check, v.subject) for v in report.violations] == [
        ("acknowledged", str(ledger["paid"])),
        ("acknowledged", str(lost.transfer_id)),
    ]


def test_the_baseline_catches_changes_a_recomputation_cannot(
    app_engine: Engine, admin_engine: Engine, ledger: dict[str, UUID]
) -> None:
    before = journal_baseline(app_engine)
    _plant(admin_engine, "UPDATE transfers SET description = 'edited' WHERE id = :id", id=str(ledger["paid"]))
    _plant(admin_engine, "UPDATE transfers SET status = 'pending' WHERE id = :id", id=str(ledger["voided"]))
    _plant(
        admin_engine,
        "UPDATE entries SET created_at = created_at - interval '1 day' WHERE transfer_id = :id",
        id=str(ledger["refunded"]),
    )
    report = check_ledger(app_engine, baseline=before)
    unchanged = {v.subject for v in report.violations if v.check == "journal_unchanged"}
    assert str(ledger["paid"]) in unchanged and str(ledger["voided"]) in unchanged
    assert any(subject.startswith(f"{ledger['alice']}#") for subject in unchanged)


def test_a_hold_resolved_after_the_baseline_is_no_change(
    app_engine: Engine, ledger: dict[str, UUID], write_path: InAppWritePath
) -> None:
    before = journal_baseline(app_engine)
    write_path.post_pending(ledger["held"], None)
    assert check_ledger(app_engine, baseline=before).ok


def test_the_command_line_checks_any_database(
    database: object, ledger: dict[str, UUID], admin_engine: Engine, tmp_path: Path
) -> None:
    url = database.app_url  # type: ignore[attr-defined]
    saved = tmp_path / "baseline.json"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "razao.cli", "check", "--database-url", url, *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)

    first = run("--save-baseline", str(saved))
    assert first.returncode == 0 and "the books hold" in first.stdout, first.stdout + first.stderr
    _plant(admin_engine, "UPDATE transfers SET description = 'edited' WHERE id = :id", id=str(ledger["paid"]))
    second = run("--baseline", str(saved), "--json")
    assert second.returncode == 1, second.stdout + second.stderr
    assert json.loads(second.stdout)["violations"][0]["check"] == "journal_unchanged"
