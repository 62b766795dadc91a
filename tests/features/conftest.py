"""Step definitions of the feature specs, and the `ledger` fixture that runs them once per mode.

Every scenario runs once per execution mode in `MODES` ("memory", "app", "database": see `modes.py`
for what each one runs where, and how each keeps time). `test_features.py` requests the parametrized
`ledger` fixture through a module-level `pytestmark`, so pytest parametrizes the scenario functions
themselves (a parametrized fixture that only a step asks for would fail in pytest-bdd).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from pytest_bdd import given, parsers, then, when

from application.feed import StoredEvent
from domain.accounts import AccountStatus, Side
from domain.errors import DomainError
from domain.ledger import Outcome
from domain.transfers import TransferRequest, TransferStatus, posted_amount
from tests.features.driver import EVENT_WORDS, LedgerDriver, Line, format_money
from tests.features.modes import MODES, NEEDS_POSTGRES, ledger_for


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A feature tagged `@postgres_only` (its capability has no in-memory fake: webhooks are kept in
    PostgreSQL) runs in the modes that have PostgreSQL only: its memory-mode scenarios are deselected,
    not skipped."""
    memory = [i for i in items if i.get_closest_marker("postgres_only") and "[memory]" in i.nodeid]
    if memory:
        config.hook.pytest_deselected(items=memory)
        items[:] = [i for i in items if i not in memory]


@pytest.fixture(
    params=[pytest.param(m, marks=pytest.mark.integration) if m in NEEDS_POSTGRES else m for m in MODES]
)
def ledger(request: pytest.FixtureRequest) -> Iterator[LedgerDriver]:
    driver = ledger_for(request.param, request)
    yield driver
    driver.settled()


# --- the words of the specs -------------------------------------------------------------------------

T = TypeVar("T")


def _pattern(regex: str) -> Callable[[Callable[[str], T]], Callable[[str], T]]:
    """Give a step argument type its pattern (what `parse.with_pattern` does, with types)."""

    def mark(convert: Callable[[str], T]) -> Callable[[str], T]:
        convert.pattern = regex  # type: ignore[attr-defined]
        return convert

    return mark


@_pattern(r'[^"]+')
def _name(text: str) -> str:
    return text


@_pattern(r"[A-Z][A-Z0-9_]+")
def _code(text: str) -> str:
    return text


@_pattern(r"-?(?:R\$|US\$|€|¥|[A-Z][A-Z0-9_]+) ?-?[0-9.]+")
def _amount(text: str) -> str:
    return text


@_pattern(r"active|frozen|closed")
def _account_status(text: str) -> AccountStatus:
    return AccountStatus(text)


@_pattern(r"pending|posted|voided|expired")
def _transfer_status(text: str) -> TransferStatus:
    return TransferStatus(text)


_TYPES = {
    "Name": _name,
    "Code": _code,
    "Amount": _amount,
    "AccountStatus": _account_status,
    "TransferStatus": _transfer_status,
}


def words(text: str) -> parsers.parse:
    """A step pattern: `{name:Name}` is an account name, `{amount:Amount}` an amount like R$ 10.50."""
    return parsers.parse(text, extra_types=_TYPES)


#: How the specs name a refusal, and the error code each phrase stands for.
REASONS = {
    "insufficient funds": "insufficient_funds",
    "the transfer does not balance": "unbalanced_transfer",
    "the currencies do not match": "asset_mismatch",
    "the account is not active": "account_inactive",
    "it is not allowed in its current state": "invalid_state",
    "the reference was already used for something else": "idempotency_conflict",
    "the account already exists with other details": "idempotency_conflict",
    "the request is invalid": "validation_error",
    "it does not exist": "not_found",
    "the period is closed": "period_closed",
}

_UNITS = {"second": 1, "seconds": 1, "minute": 60, "minutes": 60, "hour": 3600, "hours": 3600}


# --- accounts ------------------------------------------------------------------------------------


@given(words('a settlement account "{name:Name}" in {asset:Code}'))
def _(ledger: LedgerDriver, name: str, asset: str) -> None:
    """Debit-normal, no minimum: it grows when money comes in for customers."""
    ledger.attempt(lambda: ledger.open(name, asset, normal_side=Side.DEBIT, min_balance=None))


@given(words('a customer wallet "{name:Name}" in {asset:Code}'))
@when(words('I open a customer wallet "{name:Name}" in {asset:Code}'))
def _(ledger: LedgerDriver, name: str, asset: str) -> None:
    """Credit-normal (it is money we owe the customer), and it may not go below zero."""
    ledger.attempt(lambda: ledger.open(name, asset, normal_side=Side.CREDIT, min_balance=0))


@given(words('a customer wallet "{name:Name}" in {asset:Code} with an overdraft limit of {limit:Amount}'))
def _(ledger: LedgerDriver, name: str, asset: str, limit: str) -> None:
    money = ledger.money(limit)
    assert money.asset.code == asset, f"the overdraft limit {limit} is not in {asset}"
    ledger.attempt(lambda: ledger.open(name, asset, normal_side=Side.CREDIT, min_balance=-money.units))


@given(words('a customer wallet "{name:Name}" in {asset:Code} with no minimum balance'))
def _(ledger: LedgerDriver, name: str, asset: str) -> None:
    ledger.attempt(lambda: ledger.open(name, asset, normal_side=Side.CREDIT, min_balance=None))


@given(words('"{name:Name}" is frozen'))
@when(words('"{name:Name}" is frozen'))
def _(ledger: LedgerDriver, name: str) -> None:
    ledger.attempt(lambda: ledger.freeze(name))


@given(words('"{name:Name}" is unfrozen'))
@when(words('"{name:Name}" is unfrozen'))
def _(ledger: LedgerDriver, name: str) -> None:
    ledger.attempt(lambda: ledger.unfreeze(name))


@given(words('"{name:Name}" is closed'))
@when(words('"{name:Name}" is closed'))
def _(ledger: LedgerDriver, name: str) -> None:
    ledger.attempt(lambda: ledger.close(name))


# --- payments ----------------------------------------------------------------------------------


def _send(ledger: LedgerDriver, source: str, target: str, amount: str, **options: Any) -> None:
    ledger.attempt(lambda: ledger.book(ledger.payment(source, target, amount, **options)))


@given(words('"{source:Name}" sends {amount:Amount} to "{target:Name}"'))
@when(words('"{source:Name}" sends {amount:Amount} to "{target:Name}"'))
def _(ledger: LedgerDriver, source: str, amount: str, target: str) -> None:
    _send(ledger, source, target, amount)


@given(words('"{source:Name}" sends {amount:Amount} to "{target:Name}" for "{description:Name}"'))
@when(words('"{source:Name}" sends {amount:Amount} to "{target:Name}" for "{description:Name}"'))
def _(ledger: LedgerDriver, source: str, amount: str, target: str, description: str) -> None:
    _send(ledger, source, target, amount, description=description)


@given(words('"{source:Name}" sends {amount:Amount} to "{target:Name}" as payment "{reference:Name}"'))
@when(words('"{source:Name}" sends {amount:Amount} to "{target:Name}" as payment "{reference:Name}"'))
def _(ledger: LedgerDriver, source: str, amount: str, target: str, reference: str) -> None:
    _send(ledger, source, target, amount, reference=reference)


@given(words('"{payee:Name}" receives {amount:Amount} through "{bank:Name}"'))
@when(words('"{payee:Name}" receives {amount:Amount} through "{bank:Name}"'))
def _(ledger: LedgerDriver, payee: str, amount: str, bank: str) -> None:
    """Money comes in: the bank account holds more, and we owe the payee more."""
    _send(ledger, bank, payee, amount)


_PAYMENT_FOR = (
    '"{source:Name}" sends {amount:Amount} to "{target:Name}" for "{description:Name}" '
    'as payment "{reference:Name}"'
)


@given(words(_PAYMENT_FOR))
@when(words(_PAYMENT_FOR))
def _(ledger: LedgerDriver, source: str, amount: str, target: str, description: str, reference: str) -> None:
    _send(ledger, source, target, amount, description=description, reference=reference)


@given(words('"{payee:Name}" receives {amount:Amount} through "{bank:Name}" for "{description:Name}"'))
@when(words('"{payee:Name}" receives {amount:Amount} through "{bank:Name}" for "{description:Name}"'))
def _(ledger: LedgerDriver, payee: str, amount: str, bank: str, description: str) -> None:
    _send(ledger, bank, payee, amount, description=description)


@given(words('"{payer:Name}" withdraws {amount:Amount} through "{bank:Name}"'))
@when(words('"{payer:Name}" withdraws {amount:Amount} through "{bank:Name}"'))
def _(ledger: LedgerDriver, payer: str, amount: str, bank: str) -> None:
    """Money goes out: we owe the payer less, and the bank account holds less."""
    _send(ledger, payer, bank, amount)


def _table(datatable: list[list[str]]) -> list[dict[str, str]]:
    header, *rows = datatable
    return [dict(zip(header, row, strict=True)) for row in rows]


@when(words("a transfer is booked with these lines:"))
def _(ledger: LedgerDriver, datatable: list[list[str]]) -> None:
    """`paid out` lowers the account's balance and `paid in` raises it, as on a statement."""
    lines = [
        Line(row["account"], bool(row["paid out"]), row["paid out"] or row["paid in"])
        for row in _table(datatable)
    ]
    ledger.attempt(lambda: ledger.book(ledger.lines(lines)))


@when(words("these payments are sent together:"))
def _(ledger: LedgerDriver, datatable: list[list[str]]) -> None:
    def send() -> None:
        rows = _table(datatable)
        ledger.book(
            *(ledger.payment(r["from"], r["to"], r["amount"], reference=r["reference"]) for r in rows)
        )

    ledger.attempt(send)


# --- holds ---------------------------------------------------------------------------------------


@given(
    words('"{source:Name}" places a hold of {amount:Amount} for "{target:Name}" as hold "{reference:Name}"')
)
@when(
    words('"{source:Name}" places a hold of {amount:Amount} for "{target:Name}" as hold "{reference:Name}"')
)
def _(ledger: LedgerDriver, source: str, amount: str, target: str, reference: str) -> None:
    _send(ledger, source, target, amount, reference=reference, pending=True)


_HOLD_FOR = (
    '"{source:Name}" places a hold of {amount:Amount} for "{target:Name}" for "{description:Name}" '
    'as hold "{reference:Name}"'
)


@given(words(_HOLD_FOR))
@when(words(_HOLD_FOR))
def _(ledger: LedgerDriver, source: str, amount: str, target: str, description: str, reference: str) -> None:
    _send(ledger, source, target, amount, description=description, reference=reference, pending=True)


_EXPIRING_HOLD = (
    '"{source:Name}" places a hold of {amount:Amount} for "{target:Name}" '
    'that expires after {count:d} {unit:w} as hold "{reference:Name}"'
)


@given(words(_EXPIRING_HOLD))
@when(words(_EXPIRING_HOLD))
def _(
    ledger: LedgerDriver, source: str, amount: str, target: str, count: int, unit: str, reference: str
) -> None:
    limit = timedelta(seconds=count * _UNITS[unit])
    _send(ledger, source, target, amount, reference=reference, hold_for=limit)


@given(words('hold "{reference:Name}" is captured'))
@when(words('hold "{reference:Name}" is captured'))
def _(ledger: LedgerDriver, reference: str) -> None:
    ledger.attempt(lambda: ledger.post(reference))


@given(words('hold "{reference:Name}" is captured for {amount:Amount}'))
@when(words('hold "{reference:Name}" is captured for {amount:Amount}'))
def _(ledger: LedgerDriver, reference: str, amount: str) -> None:
    ledger.attempt(lambda: ledger.post(reference, amount))


@given(words('hold "{reference:Name}" is voided'))
@when(words('hold "{reference:Name}" is voided'))
def _(ledger: LedgerDriver, reference: str) -> None:
    ledger.attempt(lambda: ledger.void(reference))


@given(words("{count:d} {unit:w} pass"))
@when(words("{count:d} {unit:w} pass"))
@given(words("{count:d} {unit:w} passes"))
@when(words("{count:d} {unit:w} passes"))
def _(ledger: LedgerDriver, count: int, unit: str) -> None:
    """The clock moves on and the expiry job runs, as it does every few seconds in production."""
    ledger.attempt(lambda: ledger.pass_time(timedelta(seconds=count * _UNITS[unit])))


# --- moments -------------------------------------------------------------------------------------


@given(words('the moment "{moment:Name}" is noted'))
@when(words('the moment "{moment:Name}" is noted'))
def _(ledger: LedgerDriver, moment: str) -> None:
    """Remember the current moment by the ledger's clock, to ask later how things stood then."""
    ledger.settled()
    ledger.note_moment(moment)


# --- reversals -----------------------------------------------------------------------------------


@given(words('payment "{reference:Name}" is reversed'))
@when(words('payment "{reference:Name}" is reversed'))
@given(words('hold "{reference:Name}" is reversed'))
@when(words('hold "{reference:Name}" is reversed'))
def _(ledger: LedgerDriver, reference: str) -> None:
    ledger.attempt(lambda: ledger.reverse(reference))


# --- outcomes ------------------------------------------------------------------------------------


def _check_amount(ledger: LedgerDriver, name: str, expected: str, actual: int, what: str) -> None:
    account = ledger.account(name)
    wanted = ledger.money(expected, name)
    assert wanted.asset.code == account.asset.code, f"{name} holds {account.asset.code}, not {expected}"
    assert actual == wanted.units, f"{name} has {format_money(account.asset, actual)} {what}, not {expected}"


@then(words('"{name:Name}" has a balance of {balance:Amount}'))
def _(ledger: LedgerDriver, name: str, balance: str) -> None:
    ledger.settled()
    _check_amount(ledger, name, balance, ledger.account(name).posted_balance, "as balance")


@then(words('"{name:Name}" had a balance of {balance:Amount} at "{moment:Name}"'))
def _(ledger: LedgerDriver, name: str, balance: str, moment: str) -> None:
    ledger.settled()
    _check_amount(ledger, name, balance, ledger.balance_at(name, moment), f'as balance at "{moment}"')


@then(words('"{name:Name}" has {available:Amount} available'))
def _(ledger: LedgerDriver, name: str, available: str) -> None:
    ledger.settled()
    _check_amount(ledger, name, available, ledger.account(name).available_balance, "available")


@then(words('"{name:Name}" has a balance of {balance:Amount} with {available:Amount} available'))
def _(ledger: LedgerDriver, name: str, balance: str, available: str) -> None:
    ledger.settled()
    account = ledger.account(name)
    _check_amount(ledger, name, balance, account.posted_balance, "as balance")
    _check_amount(ledger, name, available, account.available_balance, "available")


@then(words('"{name:Name}" is {status:AccountStatus}'))
def _(ledger: LedgerDriver, name: str, status: AccountStatus) -> None:
    ledger.settled()
    assert ledger.account(name).status is status


@then(words('there is one wallet called "{name:Name}"'))
def _(ledger: LedgerDriver, name: str) -> None:
    ledger.settled()
    assert len(ledger.named(name)) == 1


@then(words("it is refused: {reason}"))
def _(ledger: LedgerDriver, reason: str) -> None:
    assert reason in REASONS, f"unknown refusal {reason!r}; the known ones are: {', '.join(REASONS)}"
    refusal = ledger.take_refusal()
    assert refusal.code == REASONS[reason], f"refused with [{refusal.code}] {refusal.detail}, not {reason!r}"


@then(words('hold "{reference:Name}" is {status:TransferStatus}'))
def _(ledger: LedgerDriver, reference: str, status: TransferStatus) -> None:
    ledger.settled()
    assert ledger.transfer(reference).status is status


@then(words('payment "{reference:Name}" is marked as reversed'))
def _(ledger: LedgerDriver, reference: str) -> None:
    ledger.settled()
    assert ledger.transfer(reference).reversed_by_id is not None


@then(words('there is no payment "{reference:Name}"'))
def _(ledger: LedgerDriver, reference: str) -> None:
    ledger.settled()
    assert not ledger.exists(reference)


@then(words('the answer is the original payment "{reference:Name}"'))
def _(ledger: LedgerDriver, reference: str) -> None:
    ledger.settled()
    [answer] = ledger.answers
    assert answer.replayed, "the request was booked again instead of being recognised"
    assert answer.transfer.id == ledger.transfer(reference).id


@then(words("the answer shows a pending hold of {amount:Amount}"))
def _(ledger: LedgerDriver, amount: str) -> None:
    ledger.settled()
    [answer] = ledger.answers
    assert answer.transfer.status is TransferStatus.PENDING
    assert posted_amount(answer.transfer.postings) == ledger.money(amount).units


@then(words('the statement of "{name:Name}" shows:'))
def _(ledger: LedgerDriver, name: str, datatable: list[list[str]]) -> None:
    ledger.settled()
    account = ledger.account(name)

    def cell(units: int | None) -> str:
        return "" if units is None else format_money(account.asset, units)

    actual = [
        {
            "description": ledger.describe(line.description),
            "paid out": cell(line.entry.amount if line.entry.side is not account.normal_side else None),
            "paid in": cell(line.entry.amount if line.entry.side is account.normal_side else None),
            "balance": cell(line.entry.balance_after),
        }
        for line in ledger.statement(name)
    ]
    expected = [{k: _canonical(ledger, name, k, v) for k, v in row.items()} for row in _table(datatable)]
    assert actual == expected


def _canonical(ledger: LedgerDriver, name: str, column: str, value: str) -> str:
    """An expected statement cell in the canonical spelling (so `R$ 10.5` matches `R$ 10.50`)."""
    if column == "description" or not value:
        return value
    money = ledger.money(value, name)
    return format_money(money.asset, money.units)


@then(words("the trial balance shows:"))
def _(ledger: LedgerDriver, datatable: list[list[str]]) -> None:
    """Per currency: how many accounts, the sums of all debits and of all credits, and the money on
    hold (held debits and held credits, which must be equal)."""
    ledger.settled()
    actual = []
    for totals in ledger.trial_balance():
        asset = ledger.asset(totals.asset)
        held = (
            format_money(asset, totals.pending_debits)
            if totals.pending_debits == totals.pending_credits
            else f"{format_money(asset, totals.pending_debits)} / {format_money(asset, totals.pending_credits)}"
        )
        actual.append(
            {
                "currency": totals.asset,
                "accounts": str(totals.accounts),
                "debits": format_money(asset, totals.posted_debits),
                "credits": format_money(asset, totals.posted_credits),
                "on hold": held,
            }
        )
    expected = [
        {k: v if k in ("currency", "accounts") else _spelled(ledger, v) for k, v in row.items()}
        for row in _table(datatable)
    ]
    assert actual == expected


@then(words("the books balance in every currency"))
def _(ledger: LedgerDriver) -> None:
    """Debits equal credits, held debits equal held credits, and the accounts' debit balances add up
    to their credit balances."""
    ledger.settled()
    totals = ledger.trial_balance()
    assert totals, "the trial balance is empty"
    unbalanced = [t for t in totals if not t.balanced]
    assert not unbalanced, f"the books do not balance: {unbalanced}"


def _spelled(ledger: LedgerDriver, value: str) -> str:
    """An amount in its canonical spelling (`R$ 10.5` -> `R$ 10.50`)."""
    money = ledger.money(value)
    return format_money(money.asset, money.units)


# --- many payments at once -----------------------------------------------------------------------


def _payments(ledger: LedgerDriver, datatable: list[list[str]]) -> list[TransferRequest]:
    return [
        ledger.payment(r["from"], r["to"], r["amount"], reference=r["reference"]) for r in _table(datatable)
    ]


@when(words("these payments are sent in bulk:"))
def _(ledger: LedgerDriver, datatable: list[list[str]]) -> None:
    """One request with many payments: each is booked or refused on its own, in the order listed."""
    ledger.attempt(lambda: ledger.bulk(*_payments(ledger, datatable)))


@when(words("these payments are sent at the same moment:"))
def _(ledger: LedgerDriver, datatable: list[list[str]]) -> None:
    """Each payment is its own request, all sent at once (as by different customers' phones)."""
    ledger.attempt(lambda: ledger.at_once(*_payments(ledger, datatable)))


def _first_answer(ledger: LedgerDriver, reference: str) -> Outcome | DomainError:
    ledger.settled()
    return ledger.answers_to(reference)[0]


def _repeat(ledger: LedgerDriver, reference: str) -> tuple[Outcome, Outcome | DomainError]:
    ledger.settled()
    first, *repeats = ledger.answers_to(reference)
    assert len(repeats) == 1, f'payment "{reference}" was sent {1 + len(repeats)} times, not twice'
    assert isinstance(first, Outcome), f'payment "{reference}" was refused the first time: {first}'
    return first, repeats[0]


def _refused_as(answer: Outcome | DomainError, reason: str, what: str) -> None:
    assert reason in REASONS, f"unknown refusal {reason!r}; the known ones are: {', '.join(REASONS)}"
    assert isinstance(answer, DomainError), f"{what} went through instead of being refused: {reason}"
    assert answer.code == REASONS[reason], f"{what} was refused with [{answer.code}] {answer.detail}"


@then(words('payment "{reference:Name}" is booked'))
def _(ledger: LedgerDriver, reference: str) -> None:
    answer = _first_answer(ledger, reference)
    assert isinstance(answer, Outcome), f'payment "{reference}" was refused: [{answer.code}] {answer.detail}'
    assert not answer.replayed, f'payment "{reference}" was answered as booked before, not booked now'
    assert ledger.transfer(reference).id == answer.transfer.id


@then(words('payment "{reference:Name}" is refused: {reason}'))
def _(ledger: LedgerDriver, reference: str, reason: str) -> None:
    _refused_as(_first_answer(ledger, reference), reason, f'payment "{reference}"')


@then(words('payment "{reference:Name}" gets the answer it got before'))
def _(ledger: LedgerDriver, reference: str) -> None:
    """A payment that was booked before the bulk is recognised: nothing is booked again."""
    answer = _first_answer(ledger, reference)
    assert isinstance(answer, Outcome), f'payment "{reference}" was refused: [{answer.code}] {answer.detail}'
    assert answer.replayed, f'payment "{reference}" was booked again instead of being recognised'
    assert answer.transfer.id == ledger.transfer(reference).id


@then(words('the repeat of payment "{reference:Name}" gets the same answer'))
def _(ledger: LedgerDriver, reference: str) -> None:
    first, repeat = _repeat(ledger, reference)
    assert isinstance(repeat, Outcome), f"the repeat was refused: [{repeat.code}] {repeat.detail}"
    assert repeat.replayed, f'the repeat of payment "{reference}" was booked again'
    assert repeat.transfer.id == first.transfer.id
    assert repeat.transfer.postings == first.transfer.postings


@then(words('the repeat of payment "{reference:Name}" is refused: {reason}'))
def _(ledger: LedgerDriver, reference: str, reason: str) -> None:
    _, repeat = _repeat(ledger, reference)
    _refused_as(repeat, reason, f'the repeat of payment "{reference}"')


@then(words("the payments were booked together, not one at a time"))
def _(ledger: LedgerDriver) -> None:
    """Fewer booking calls than payments: the ledger groups payments that arrive together."""
    ledger.settled()
    sizes = ledger.group_sizes
    assert sum(sizes) == len(ledger.each), f"{len(ledger.each)} payments, booked in groups of {sizes}"
    assert len(sizes) < len(ledger.each), f"each payment was booked on its own: groups of {sizes}"


# --- the events feed ----------------------------------------------------------------------------------


def _rows(datatable: list[list[str]]) -> list[tuple[str, str]]:
    header, *rows = datatable
    assert header == ["what happened", "about"], (
        f"the table's columns are: what happened | about, not {header}"
    )
    return [(what, about) for what, about in rows]


def _shown(ledger: LedgerDriver, events: list[StoredEvent]) -> list[tuple[str, str]]:
    return [(ledger.described(e), ledger.about(e)) for e in events]


@then(words('the feed of "{name:Name}" shows, in this order:'))
def _(ledger: LedgerDriver, name: str, datatable: list[list[str]]) -> None:
    ledger.settled()
    assert _shown(ledger, ledger.feed(name)) == _rows(datatable)


@then(words('the feed of "{name:Name}" since then shows, in this order:'))
def _(ledger: LedgerDriver, name: str, datatable: list[list[str]]) -> None:
    ledger.settled()
    assert _shown(ledger, ledger.feed(name, since=name)) == _rows(datatable)


@then(words('the feed of "{name:Name}" has nothing new'))
def _(ledger: LedgerDriver, name: str) -> None:
    ledger.settled()
    assert _shown(ledger, ledger.feed(name, since=name)) == []


@then(words('the feed\'s "{kind}" events show, in this order:'))
def _(ledger: LedgerDriver, kind: str, datatable: list[list[str]]) -> None:
    ledger.settled()
    assert kind in EVENT_WORDS, f"unknown kind of event {kind!r}; the kinds are: {', '.join(EVENT_WORDS)}"
    assert _shown(ledger, ledger.feed(kinds=[kind])) == _rows(datatable)


@given(words('the feed of "{name:Name}" has been read up to here'))
def _(ledger: LedgerDriver, name: str) -> None:
    ledger.settled()
    ledger.read_feed_up_to_here(name)


# The exports of export.feature (imported here: steps are fixtures).
from tests.features.export_steps import *  # noqa: E402, F403

# The categories of accounts and their balances of groups.feature (imported here: steps are fixtures).
from tests.features.group_steps import *  # noqa: E402, F403

# A savings account's interest, accrued nightly and paid monthly, interest.feature (imported here: steps
# are fixtures).
from tests.features.interest_steps import *  # noqa: E402, F403

# One worker at a time on a background job, jobs.feature (imported here: steps are fixtures).
from tests.features.job_steps import *  # noqa: E402, F403

# The balance alerts of monitors.feature (imported here: steps are fixtures).
from tests.features.monitor_steps import *  # noqa: E402, F403

# The closed accounting periods of periods.feature (imported here: steps are fixtures).
from tests.features.period_steps import *  # noqa: E402, F403

# The bank's statement against the books of reconciliation.feature.
from tests.features.reconciliation_steps import *  # noqa: E402, F403
from tests.features.seal_steps import *  # noqa: E402, F403

# Finance's searches of wallets and payments of search.feature.
from tests.features.search_steps import *  # noqa: E402, F403

# The bank's statements of statements.feature (imported here: steps are fixtures).
from tests.features.statements_steps import *  # noqa: E402, F403

# Payments with a value date, and balances by value date, of value_dates.feature.
from tests.features.value_date_steps import *  # noqa: E402, F403

# The merchants' servers of webhooks.feature.
from tests.features.webhook_steps import *  # noqa: E402, F403
