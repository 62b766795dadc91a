"""Step definitions of `reconciliation.feature`: the bank's statement against the books, in plain words.

"X paid R$ 10.00 into Bank on the 5th of last month for "INV-1"" books a payment with that value date
(noon UTC) and description (the reference the default rule compares); "the bank's statement of Bank shows
R$ 10.00 in ... " adds a line to the statement written when it is reconciled (as the import stores it,
revision 0022), whose closing balance is its lines' sum. Reconciling runs
`application.reconciliation.Reconciler` with the ledger window of the scenario's mode: read in the app
(`SqlLedgerWindow`) or inside PostgreSQL (`razao.recon_ledger_window`). Imported by `conftest.py`.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pytest_bdd import given, then, when
from sqlalchemy import Engine, text

from adapters.db.code_bundle import app_code_version
from adapters.db.reconciliation import InDatabaseLedgerWindow, SqlLedgerWindow, SqlReconUnitOfWork
from adapters.system import SystemClock
from application import reconciliation
from application.reconciliation import Reconciler, StartRun, balance_by_value_date
from domain.errors import ValidationError
from domain.transfers import TransferRequest
from tests.features.conftest import words
from tests.features.driver import LedgerDriver


def _day(ledger: LedgerDriver, n: int) -> date:
    """The n-th of the month before the ledger's today (UTC)."""
    first = (ledger.clock.now().astimezone(UTC).date().replace(day=1) - timedelta(days=1)).replace(day=1)
    return first.replace(day=n)


def _state(ledger: LedgerDriver) -> dict[str, Any]:
    found: dict[str, Any] = vars(ledger).setdefault("reconciliation", {"lines": [], "run": None})
    return found


@given(
    words(
        '"{payer:Name}" paid {amount:Amount} into "{bank:Name}" on the {n:d}th of last month for "{reference}"'
    )
)
def _(ledger: LedgerDriver, payer: str, amount: str, bank: str, n: int, reference: str) -> None:
    _pay(ledger, payer, amount, bank, n, reference)


@given(words('"{payer:Name}" paid {amount:Amount} into "{bank:Name}" on the {n:d}th of last month'))
def _(ledger: LedgerDriver, payer: str, amount: str, bank: str, n: int) -> None:
    _pay(ledger, payer, amount, bank, n, "")


def _pay(ledger: LedgerDriver, payer: str, amount: str, bank: str, n: int, reference: str) -> None:
    units = ledger.money(amount, bank).units
    on = datetime.combine(_day(ledger, n), time(12), tzinfo=UTC)
    ledger.book(
        TransferRequest.simple(
            uuid.uuid4(),
            debit_account_id=ledger.account(bank).id,
            credit_account_id=ledger.account(payer).id,
            amount=units,
            effective_at=on,
            description=reference,
        )
    )


def _line(ledger: LedgerDriver, bank: str, amount: str, way: str, n: int, text_: str) -> None:
    lines = _state(ledger)["lines"]
    lines.append((len(lines) + 1, _day(ledger, n), ledger.money(amount, bank).units, way, text_, bank))


@given(
    words(
        'the bank\'s statement of "{bank:Name}" shows {amount:Amount} {way} on the {n:d}th of last month for "{text}"'
    )
)
def _(ledger: LedgerDriver, bank: str, amount: str, way: str, n: int, text: str) -> None:
    _line(ledger, bank, amount, way, n, text)


@given(
    words('the bank\'s statement of "{bank:Name}" shows {amount:Amount} {way} on the {n:d}th of last month')
)
def _(ledger: LedgerDriver, bank: str, amount: str, way: str, n: int) -> None:
    _line(ledger, bank, amount, way, n, "")


def _import(ledger: LedgerDriver, engine: Engine) -> uuid.UUID:
    lines = _state(ledger)["lines"]
    statement_id = uuid.uuid4()
    account_id = ledger.account(lines[0][5]).id
    signed = [units if way == "in" else -units for _, _, units, way, _, _ in lines]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO bank_statements (id, account_id, format, content_sha256, asset_code, opening_balance,"
                " closing_balance, opening_date, closing_date, line_count, lines_skipped, imported_at)"
                " VALUES (:id, :account, 'csv', :sha, 'BRL', 0, :closing, :first, :last, :count, 0, now())"
            ),
            {
                "id": statement_id,
                "account": account_id,
                "sha": hashlib.sha256(statement_id.bytes).hexdigest(),
                "closing": sum(signed),
                "first": min(line[1] for line in lines),
                "last": max(line[1] for line in lines),
                "count": len(lines),
            },
        )
        for number, on, units, way, words_, _ in lines:
            connection.execute(
                text(
                    "INSERT INTO statement_lines (statement_id, line_no, account_id, external_id, value_date, amount,"
                    " direction, currency, reference, description) VALUES (:s, :n, :a, :x, :d, :units, :direction,"
                    " 'BRL', :reference, :description)"
                ),
                {
                    "s": statement_id,
                    "n": number,
                    "a": account_id,
                    "x": f"{statement_id}:{number}",
                    "d": on,
                    "units": units,
                    "direction": "credit" if way == "in" else "debit",
                    "reference": words_,
                    "description": words_,
                },
            )
    return statement_id


def _reconcile(ledger: LedgerDriver, engine: Engine, dry_run: bool) -> None:
    ledger.settled()
    statement_id = _import(ledger, engine)
    uow = lambda: SqlReconUnitOfWork(engine)  # noqa: E731
    run = reconciliation.create_run(
        StartRun(statement_id, dry_run=dry_run, by="finance team"), uow(), SystemClock(), _Ids()
    )
    window = (
        SqlLedgerWindow(engine)
        if ledger.mode == "app"
        else InDatabaseLedgerWindow(engine, app_code_version())
    )
    result = Reconciler(uow, window, balance_by_value_date(ledger.read), SystemClock())(
        run.id, None, lambda *_: None
    )
    _state(ledger).update(run=run.id, result=result, uow=uow)


class _Ids:
    def new_id(self) -> uuid.UUID:
        return uuid.uuid4()


@when(words("the statement is reconciled"))
def _(ledger: LedgerDriver, app_engine: Engine) -> None:
    _reconcile(ledger, app_engine, dry_run=False)


@when(words("the statement is reconciled as a dry run"))
def _(ledger: LedgerDriver, app_engine: Engine) -> None:
    _reconcile(ledger, app_engine, dry_run=True)


def _row(ledger: LedgerDriver, number: int) -> Any:
    state = _state(ledger)
    page = reconciliation.results(state["run"], state["uow"](), side="bank", limit=1000)
    return next(r for r in page.items if r.line_no == number)


def _payments_of(ledger: LedgerDriver, group: str | None) -> int:
    state = _state(ledger)
    page = reconciliation.results(state["run"], state["uow"](), side="ledger", state="matched", limit=1000)
    return sum(1 for r in page.items if r.group_key == group)


@then(words("line {number:d} of the statement is matched with {count:d} payment"))
@then(words("line {number:d} of the statement is matched with {count:d} payments"))
def _(ledger: LedgerDriver, number: int, count: int) -> None:
    row = _row(ledger, number)
    assert row.state == "matched", f"line {number} is {row.state}"
    assert _payments_of(ledger, row.group_key) == count


@then(words("line {number:d} of the statement is unmatched"))
def _(ledger: LedgerDriver, number: int) -> None:
    assert _row(ledger, number).state == "unmatched"


@then(words("line {number:d} of the statement is left for a person, with {count:d} candidates"))
def _(ledger: LedgerDriver, number: int, count: int) -> None:
    row = _row(ledger, number)
    assert row.state == "ambiguous", f"line {number} is {row.state}"
    assert len(row.candidates) == count


@then(words("the statement's closing balance differs from the books by {amount:Amount}"))
def _(ledger: LedgerDriver, amount: str) -> None:
    check = _state(ledger)["result"]["balance_check"]
    assert check["checked"] and check["difference"] == ledger.money(amount).units, check


@then(words("the statement's closing balance agrees with the books"))
def _(ledger: LedgerDriver) -> None:
    check = _state(ledger)["result"]["balance_check"]
    assert check["checked"] and check["agrees"], check


@then(words("no match is stored"))
def _(ledger: LedgerDriver, app_engine: Engine) -> None:
    with app_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM recon_matches")).scalar_one() == 0


@when(words('the finance team saves a matching rule that finds references with the pattern "{pattern}"'))
def _(ledger: LedgerDriver, app_engine: Engine, pattern: str) -> None:
    state = _state(ledger)
    try:
        state["saved"] = reconciliation.save_rule(
            f"rule {len(state.setdefault('rules', []))}",
            {"reference": "description", "description_regex": pattern},
            "finance",
            SqlReconUnitOfWork(app_engine),
            SystemClock(),
            _NewIds(),
        )
        state["refused"] = None
    except ValidationError as error:
        state["saved"], state["refused"] = None, error
    state["rules"].append(pattern)


@then(words("the rule is refused, naming its reference pattern"))
def _(ledger: LedgerDriver) -> None:
    refused = _state(ledger)["refused"]
    assert refused is not None and refused.issues[0].field == "description_regex", refused


@then(words("the rule is saved"))
def _(ledger: LedgerDriver) -> None:
    assert _state(ledger)["saved"] is not None, _state(ledger)["refused"]


class _NewIds:
    def new_id(self) -> uuid.UUID:
        return uuid.uuid4()
