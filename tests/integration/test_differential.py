"""Differential test of the two execution modes: random sequences of operations, the same results.

Hypothesis generates a set of accounts (minimum balances of 0, negative, positive or none, both
normal sides, two currencies) and a sequence of operations: simple and multi-posting transfers,
batches (which may fail part-way), holds with and without time limits, full and partial captures,
voids, reversals (twice, of holds, of unknown transfers), expiry runs, freezes, unfreezes and
closures, replays and conflicting replays of earlier requests, time passing, and reads (balance at
a moment, statement pages, trial balance). Each example runs on two fresh databases cloned from the
migrated template: once in the app mode (`InAppWritePath`/`InAppReadPath` over `SqlUnitOfWork`, the
system clock) and once in the database mode (`InDatabaseWritePath`/`InDatabaseReadPath`, the
database's clock). Accounts get the same ids in both, and transfer ids come from a fixed pool, so
the two can be compared:

- after every step: the outcome, or the refusal (code, detail, context, field issues);
- at the end: every account, the `accounts`, `transfers` and `entries` tables, the `events` each mode
  wrote (in position order: types, the objects they concern, payloads; ids and positions left out,
  instants ranked or masked), every transfer of the pool, the list of transfers, the trial balance, paged
  statements, balances as of every instant a step booked at (and just before it), and statement windows
  between such instants; and the same by value date (`domain.time_basis`): the `account_value_days`
  table, balances as of the same instants and of the requests' value date, statements in value-date
  order (paged and windowed), daily histories and the trial balance through a day.

Instants come from two clocks, so they are never compared as values: a transfer's `timeout_at` is
compared as seconds after its `created_at`, an `effective_at` as "the booking time" or the date the
request gave; in the tables every other instant becomes its rank in that database's timeline (so
the order of events is compared), in answers and errors it is masked.

Time limits are either 1 second or an hour. Whether a hold has timed out is decided by each mode's
clock, so no capture or expiry run may start while a pending hold's limit falls due (that would be a
race between the two runs, not a difference between the modes): before one, the test sleeps past any
limit due within `AHEAD`; a "wait" step sleeps past all the short ones. A capture or expiry run that
overran that margin anyway and gave different results is discarded (`reject`), never counted as a
pass (`--hypothesis-show-statistics` counts them).

`test_a_known_sequence_...` runs one fixed sequence with every kind of operation and asserts each
answer, so that what is covered does not depend on what hypothesis happens to generate.

Examples: RAZAO_DIFFERENTIAL_EXAMPLES, by default 12 in the test run and 25 at the suites' long level
(`RAZAO_SUITE_LEVEL=long`). Statistics of what the examples exercised:
`pytest tests/integration/test_differential.py --hypothesis-show-statistics`.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import event as _event
from hypothesis import note as _note
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from sqlalchemy import Engine, make_url, text

from adapters.db.code_bundle import app_code_version
from adapters.db.engine import make_engine
from adapters.db.in_database import DatabaseCodeError, InDatabaseReadPath, InDatabaseWritePath
from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.system import SystemClock
from application import accounts as account_cases
from application import codec
from application import periods as period_cases
from application import transfers as transfer_cases
from application.accounts import BalanceAsOf, BalanceHistory, OpenAccount
from application.pages import Page
from application.read_path import InAppReadPath, ReadPath
from application.write_path import InAppWritePath, WritePath
from domain.accounts import Account, Side
from domain.assets import MAX_AMOUNT
from domain.errors import DomainError
from domain.ledger import Outcome
from domain.periods import CloseRequest
from domain.reports import AssetTotals
from domain.time_basis import Basis
from domain.transfers import Posting, ReversalRequest, Transfer, TransferRequest, TransferStatus
from tests.conftest import APP_ROLE, TestDatabase, set_kernel_mode
from tests.outbox import settle_events
from tests.suites.summary import scaled

EXAMPLES = int(os.environ.get("RAZAO_DIFFERENTIAL_EXAMPLES") or scaled(12, 25))
NAMESPACE = uuid.UUID("0d1f3c5e-7a9b-4c2d-8e6f-102132435465")

SHORT, LONG = 1, 3600  # the time limits holds get, in seconds
#: Before each step, wait past any pending hold's time limit that falls due this soon.
AHEAD = timedelta(seconds=0.25)
#: The most the database's clock may differ from this process's (same host).
SKEW = timedelta(milliseconds=50)
FAR = datetime(2200, 1, 1, tzinfo=UTC)
#: A date a request may give as its effective date (before any clock reading of a test run).
EFFECTIVE = datetime(2001, 2, 3, 4, 5, 6, 789, tzinfo=timezone(timedelta(hours=-3)))
#: Instants on or after this are read from a clock; earlier ones were chosen by the test.
CLOCK_ERA = datetime(2020, 1, 1, tzinfo=UTC)
TRANSFER_POOL = 16  # transfer (and reversal) ids: t0 .. t15
INSTANTS_READ = 5  # how many booked instants the final reads look at (balances as of, windows)


def uid(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)


# --- what hypothesis generates -----------------------------------------------------------------------


@dataclass(frozen=True)
class AccountSpec:
    code: str
    asset: str
    side: Side
    min_balance: int | None


#: Always there: a settlement account per currency, and a wallet in the second currency.
FIXED_ACCOUNTS = (
    AccountSpec("cash", "BRL", Side.DEBIT, None),
    AccountSpec("usd-cash", "USD", Side.DEBIT, None),
    AccountSpec("usd-wallet", "USD", Side.CREDIT, 0),
)
WALLETS = 4
UNKNOWN = len(FIXED_ACCOUNTS) + WALLETS  # an account index that names no account


@dataclass(frozen=True)
class Line:
    account: int
    side: Side
    amount: int
    asset: str | None = None


@dataclass(frozen=True)
class NewTransfer:
    ref: int | None  # an id of the pool, or None for an id never used before
    lines: tuple[Line, ...]
    pending: bool = False
    timeout: int | None = None
    effective: bool = False
    description: str = ""
    metadata: bool = False


@dataclass(frozen=True)
class Target:
    """The transfer an operation is about: the `n`-th latest (modulo) of the transfers `among`
    "pending" (holds still pending), "booked" (any booked), "named" (ids any request named so far,
    booked or not), or "pool" (the `n`-th id of the pool, maybe never used)."""

    n: int
    among: str = "pending"


@dataclass(frozen=True)
class Book:
    transfers: tuple[NewTransfer, ...]


@dataclass(frozen=True)
class Capture:
    target: Target
    amount: int | None


@dataclass(frozen=True)
class Void:
    target: Target


@dataclass(frozen=True)
class Reverse:
    ref: int
    original: Target
    description: str = ""


@dataclass(frozen=True)
class Replay:
    """Send an earlier write request again: as it was, or `changed` (a conflicting reuse)."""

    index: int
    changed: bool


@dataclass(frozen=True)
class Expire:
    limit: int


@dataclass(frozen=True)
class Wait:
    """Let every pending hold's time limit pass."""


@dataclass(frozen=True)
class SetStatus:
    account: int
    action: str  # freeze | unfreeze | close


@dataclass(frozen=True)
class ReadBalance:
    account: int
    instant: int | None  # an index into the instants booked so far; None: far in the future
    basis: Basis = Basis.BOOKED


@dataclass(frozen=True)
class ReadStatement:
    account: int
    limit: int
    since: int | None  # an index into the instants booked so far
    basis: Basis = Basis.BOOKED  # effective: in value-date order, `since` a value date


@dataclass(frozen=True)
class ReadTrialBalance:
    asset: str | None


@dataclass(frozen=True)
class ClosePeriod:
    """Close the ledger (`asset` None) or one asset through EFFECTIVE's day shifted by `days` (-1, 0,
    1): the backdated requests of the sequence then fall in the closed period, or just after it."""

    asset: str | None
    days: int


@dataclass(frozen=True)
class ReopenPeriod:
    """Reopen the latest active close of a scope (none: `not_found`, the same in both modes)."""

    asset: str | None


Operation = (
    Book
    | Capture
    | Void
    | Reverse
    | Replay
    | Expire
    | Wait
    | SetStatus
    | ReadBalance
    | ReadStatement
    | ReadTrialBalance
    | ClosePeriod
    | ReopenPeriod
)

_BRL = [0, *range(len(FIXED_ACCOUNTS), UNKNOWN)]
#: Mostly BRL accounts, now and then a USD one or an unknown one (repeated entries weigh more).
accounts_ = st.sampled_from([*_BRL * 10, 1, 2, UNKNOWN])
refs = st.integers(0, TRANSFER_POOL - 1)
amounts = st.one_of(*[st.integers(1, 150)] * 10, st.integers(151, 5000), st.just(MAX_AMOUNT))
descriptions = st.sampled_from(["", "", "rent", "café ☕"])


@st.composite
def wallets(draw: st.DrawFn) -> tuple[AccountSpec, ...]:
    specs = []
    for n in range(WALLETS):
        side = draw(st.sampled_from([Side.CREDIT, Side.CREDIT, Side.CREDIT, Side.DEBIT]))
        minimum = draw(st.one_of(st.just(0), st.just(None), st.integers(-500, -1), st.integers(1, 100)))
        specs.append(AccountSpec(f"wallet-{n}", "BRL", side, minimum))
    return tuple(specs)


def _asserted(draw: st.DrawFn) -> str | None:
    return draw(st.sampled_from([*[None] * 30, "BRL", "USD"]))


@st.composite
def lines(
    draw: st.DrawFn, shapes: Sequence[str] = ("simple",) * 6 + ("split",) * 2 + ("unbalanced",)
) -> tuple[Line, ...]:
    shape = draw(st.sampled_from(shapes))
    if shape == "simple":
        amount, source = draw(amounts), draw(accounts_)
        # Now and then an account on both sides (refused); otherwise two different accounts.
        target = draw(st.one_of(*[accounts_.filter(lambda a: a != source)] * 6, accounts_))
        return (
            Line(source, Side.DEBIT, amount, _asserted(draw)),
            Line(target, Side.CREDIT, amount, _asserted(draw)),
        )
    debits = [
        Line(draw(accounts_), Side.DEBIT, draw(st.integers(1, 200))) for _ in range(draw(st.integers(1, 2)))
    ]
    if shape == "unbalanced":
        count = draw(st.integers(1, 3))
        return (
            *debits,
            *(Line(draw(accounts_), Side.CREDIT, draw(st.integers(1, 200))) for _ in range(count)),
        )
    total = sum(line.amount for line in debits)
    count = draw(st.integers(1, min(3, total)))
    # Now and then an account on both sides (refused); otherwise credits to other accounts.
    debited = {line.account for line in debits}
    credited = st.one_of(*[accounts_.filter(lambda a: a not in debited)] * 4, accounts_)
    if count == 1:
        return (*debits, Line(draw(credited), Side.CREDIT, total))
    cuts = sorted(
        draw(st.lists(st.integers(1, total - 1), min_size=count - 1, max_size=count - 1, unique=True))
    )
    parts = [b - a for a, b in pairwise([0, *cuts, total])]
    return (*debits, *(Line(draw(credited), Side.CREDIT, part) for part in parts))


@st.composite
def new_transfers(draw: st.DrawFn, simple: bool = False) -> NewTransfer:
    """A transfer; `simple` ones (what batches are made of) move one amount between two accounts."""
    pending = draw(st.sampled_from([False, False, False, True, True]))
    return NewTransfer(
        ref=draw(st.one_of(refs, st.none())),
        lines=draw(lines(("simple",)) if simple else lines()),
        pending=pending,
        timeout=draw(st.sampled_from([None, None, SHORT, LONG])) if pending else None,
        effective=draw(st.sampled_from([False, False, False, True])),
        description=draw(descriptions),
        metadata=draw(st.booleans()),
    )


@st.composite
def holds(draw: st.DrawFn) -> NewTransfer:
    """A hold that will most likely be accepted: between two BRL accounts, under a new id."""
    source = draw(st.sampled_from(_BRL))
    target = draw(st.sampled_from([a for a in _BRL if a != source]))
    amount = draw(st.one_of(*[st.integers(1, 300)] * 5, amounts))
    return NewTransfer(
        ref=None,
        lines=(Line(source, Side.DEBIT, amount), Line(target, Side.CREDIT, amount)),
        pending=True,
        timeout=draw(st.sampled_from([None, None, SHORT, LONG])),
        description=draw(descriptions),
    )


targets = st.builds(
    Target,
    st.one_of(st.integers(0, 2), st.integers(0, 40)),
    st.sampled_from([*["pending"] * 6, "booked", "named", "pool"]),
)
batches = st.one_of(
    *[st.lists(new_transfers(simple=True), min_size=2, max_size=3, unique_by=lambda t: t.ref or -1)] * 3,
    st.lists(new_transfers(), min_size=2, max_size=3),  # of any shape, maybe an id twice
).map(tuple)
#: Repeated entries make an operation more frequent.
operations = st.one_of(
    *[st.builds(Book, st.tuples(new_transfers()))] * 4,
    *[st.builds(Book, st.tuples(holds()))] * 4,
    *[st.builds(Book, batches)] * 2,
    *[st.builds(Capture, targets, st.one_of(st.none(), st.integers(1, 160)))] * 2,
    st.builds(Void, targets),
    *[st.builds(Reverse, refs, targets, descriptions)] * 2,
    *[st.builds(Replay, st.integers(0, 50), st.booleans())] * 2,
    st.builds(Expire, st.sampled_from([1, 2, 500])),
    st.just(Wait()),
    st.builds(SetStatus, accounts_, st.sampled_from(["freeze", "unfreeze", "unfreeze", "close"])),
    st.builds(ReadBalance, accounts_, st.one_of(st.none(), st.integers(0, 50)), st.sampled_from(Basis)),
    st.builds(
        ReadStatement,
        accounts_,
        st.integers(1, 4),
        st.one_of(st.none(), st.integers(0, 50)),
        st.sampled_from(Basis),
    ),
    st.builds(ReadTrialBalance, st.sampled_from([None, "BRL", "USD"])),
    st.builds(ClosePeriod, st.sampled_from([None, None, "BRL", "USD"]), st.sampled_from([-1, 0, 0, 1])),
    st.builds(ReopenPeriod, st.sampled_from([None, "BRL", "USD"])),
)


# --- the two modes -----------------------------------------------------------------------------------


@dataclass
class Ledger:
    """One execution mode on its own database."""

    name: str
    engine: Engine
    write: WritePath
    read: ReadPath
    #: Pending holds with a time limit: transfer id -> when the limit falls due (by this mode's clock).
    deadlines: dict[uuid.UUID, datetime] = field(default_factory=dict)
    #: The instant each writing step booked at, in step order.
    instants: list[datetime] = field(default_factory=list)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)


class _IdOf:
    """An id source that gives an account the id its code stands for (the same in both modes)."""

    def __init__(self, code: str) -> None:
        self._code = code

    def new_id(self) -> uuid.UUID:
        return uid("account:" + self._code)


def _clone(server: Engine, template: str, admin_url: str) -> TestDatabase:
    name = f"razao_diff_{uuid.uuid4().hex[:16]}"
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        set_kernel_mode(conn, name)
    url = make_url(admin_url).set(database=name)
    return TestDatabase(
        name,
        url.render_as_string(hide_password=False),
        url.set(username=APP_ROLE, password=None).render_as_string(hide_password=False),
    )


def _check_deployed_code(server: Engine, template: str, admin_url: str, drop: Callable[[str], None]) -> None:
    database = _clone(server, template, admin_url)
    engine = make_engine(database.app_url, pool_size=1, max_overflow=0)
    try:
        InDatabaseReadPath(engine, app_code_version()).trial_balance()
    except DatabaseCodeError as error:
        pytest.fail(f"the database mode cannot run: {error}", pytrace=False)
    finally:
        engine.dispose()
        drop(database.name)


@pytest.fixture(scope="session")
def two_ledgers(
    server: Engine, admin_url: str, migrated_template: str, _dropper: Callable[[str], None]
) -> Callable[[], Any]:
    """Per example: the app mode and the database mode, each on a fresh database (dropped after).

    Checks first that the database runs this checkout's code: otherwise every example would fail
    the same way, and hypothesis would spend minutes shrinking that failure.
    """
    _check_deployed_code(server, migrated_template, admin_url, _dropper)

    @contextmanager
    def make() -> Iterator[tuple[Ledger, Ledger]]:
        databases: list[TestDatabase] = []
        engines: list[Engine] = []
        try:
            for _ in range(2):
                databases.append(_clone(server, migrated_template, admin_url))
                engines.append(make_engine(databases[-1].app_url, pool_size=2, max_overflow=2))
            app_engine, db_engine = engines
            version = app_code_version()
            uow = lambda: SqlUnitOfWork(app_engine)  # noqa: E731
            yield (
                Ledger("app", app_engine, InAppWritePath(uow, SystemClock()), InAppReadPath(uow)),
                Ledger(
                    "database",
                    db_engine,
                    InDatabaseWritePath(db_engine, version),
                    InDatabaseReadPath(db_engine, version),
                ),
            )
        finally:
            for engine in engines:
                engine.dispose()
            for database in databases:
                _dropper(database.name)

    return make


# --- results as comparable data ------------------------------------------------------------------------

_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:?\d{2}|Z)?")


def _from_a_clock(value: Any) -> bool:
    if not isinstance(value, str) or not _INSTANT.fullmatch(value):
        return False
    return datetime.fromisoformat(value) >= CLOCK_ERA


def _transfer_times(data: dict[str, Any]) -> dict[str, Any]:
    """A transfer's instants relative to its booking: the time limit in seconds, the effective date
    as "booking" when it is the booking time."""
    created = datetime.fromisoformat(data["created_at"])
    timeout = data["timeout_at"]
    return {
        **data,
        "timeout_at": None
        if timeout is None
        else (datetime.fromisoformat(timeout) - created).total_seconds(),
        "effective_at": "booking" if data["effective_at"] == data["created_at"] else data["effective_at"],
    }


def masked(data: Any) -> Any:
    """`data` with the instants read from a clock replaced by `<clock>`."""
    if isinstance(data, dict):
        if {"created_at", "timeout_at", "effective_at", "fingerprint"} <= data.keys():
            data = _transfer_times(data)
        return {key: masked(value) for key, value in data.items()}
    if isinstance(data, list):
        return [masked(value) for value in data]
    if isinstance(data, str):
        return "<clock>" if _from_a_clock(data) else data
    return data


def comparable(value: Any) -> Any:
    if value is None or isinstance(value, dict | str | int):
        return masked(value)
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, Outcome):
        return masked(codec.outcome_to_dict(value))
    if isinstance(value, Transfer):
        return masked(codec.transfer_to_dict(value))
    if isinstance(value, Account):
        return masked(codec.account_to_dict(value))
    if isinstance(value, BalanceAsOf):
        return masked({**codec.balance_as_of_to_dict(value), "as_of": "<as of>"})
    if isinstance(value, AssetTotals):
        return codec.asset_totals_to_dict(value)
    if isinstance(value, Page):
        if value.next_cursor is None or isinstance(value.next_cursor, int):
            return masked(codec.statement_page_to_dict(value))
        return masked(codec.value_statement_page_to_dict(value))
    if isinstance(value, BalanceHistory):
        return masked(codec.balance_history_to_dict(value))
    raise TypeError(f"nothing comparable for {type(value).__name__}")


def _error(error: DomainError) -> dict[str, Any]:
    data = codec.error_to_dict(error)
    result: dict[str, Any] = masked({**data, "detail": _INSTANT.sub("<clock>", data["detail"])})
    return result


@dataclass(frozen=True)
class Result:
    kind: str  # ok | refused | crashed
    data: Any
    raw: Any = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.kind}: {self.data}"

    @property
    def summary(self) -> str:
        if self.kind == "refused":
            return f"refused ({self.data['code']})"
        if (
            self.kind == "ok"
            and isinstance(self.raw, list)
            and self.raw
            and isinstance(self.raw[0], Transfer)
        ):
            return f"ok ({len(self.raw)} expired)"
        outcomes = self.raw if isinstance(self.raw, list) else [self.raw]
        if self.kind == "ok" and outcomes and all(isinstance(o, Outcome) and o.replayed for o in outcomes):
            return "ok (replayed)"
        return self.kind


def attempt(run: Callable[[], Any]) -> Result:
    try:
        value = run()
    except DomainError as error:
        return Result("refused", _error(error))
    except Exception as error:  # a bug either way: reported as such, and compared
        return Result("crashed", f"{type(error).__name__}: {error}")
    return Result("ok", comparable(value), value)


# --- running a sequence --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One operation made concrete: what it does to a mode, in words for failure reports."""

    text: str
    run: Callable[[Ledger], Any]
    kind: str
    #: What a replay of it sends (None: not a write request).
    request: Any = None


class Script:
    """Turns operations into calls (ids, requests, replays) identically for both modes."""

    def __init__(self, specs: Sequence[AccountSpec]) -> None:
        self.specs = specs
        self.ids = [uid("account:" + spec.code) for spec in specs] + [uid("account:nobody")]
        self.sent: list[Call] = []
        #: Every transfer id a request named so far, in order of first use.
        self.named: list[uuid.UUID] = []
        #: Every transfer booked so far, and the holds still pending (in booking order).
        self.booked: list[uuid.UUID] = []
        self.pending: dict[uuid.UUID, None] = {}
        self.labels = {self.ref(n): f"t{n}" for n in range(TRANSFER_POOL)}

    def account(self, index: int) -> str:
        return self.specs[index].code if index < len(self.specs) else "nobody"

    def target(self, target: Target) -> uuid.UUID:
        choices = {"pending": list(self.pending), "booked": self.booked, "named": self.named, "pool": []}
        kinds = list(choices)
        # Without a pending hold, a booked transfer; without one, any id named; else the pool.
        for kind in kinds[kinds.index(target.among) :]:
            if choices[kind]:
                return choices[kind][-1 - target.n % len(choices[kind])]
        return self.ref(target.n % TRANSFER_POOL)

    def record(self, call: Call, result: Result) -> None:
        """Note what a step booked and which holds it left pending (the same in both modes)."""
        if result.kind != "ok" or call.kind not in ("book", "capture", "void", "reverse", "expire"):
            return
        for item in result.raw if isinstance(result.raw, list) else [result.raw]:
            if isinstance(item, Transfer):  # expired
                self.pending.pop(item.id, None)
            elif not item.replayed:
                transfer = item.transfer
                if transfer.id not in self.booked:
                    self.booked.append(transfer.id)
                if transfer.status is TransferStatus.PENDING:
                    self.pending[transfer.id] = None
                else:
                    self.pending.pop(transfer.id, None)

    def fresh(self) -> uuid.UUID:
        """An id no request has used yet (the same in both modes: ids follow the sequence)."""
        transfer_id = uid(f"n{len(self.labels)}")
        self.labels[transfer_id] = f"n{len(self.labels)}"
        return transfer_id

    def ref(self, index: int) -> uuid.UUID:
        return uid(f"t{index}")

    def request(self, spec: NewTransfer) -> TransferRequest:
        return TransferRequest(
            self.ref(spec.ref) if spec.ref is not None else self.fresh(),
            tuple(Posting(self.ids[line.account], line.side, line.amount, line.asset) for line in spec.lines),
            pending=spec.pending,
            timeout_seconds=spec.timeout,
            effective_at=EFFECTIVE if spec.effective else None,
            description=spec.description,
            metadata={"order": spec.ref or 0, "tags": ["a", {"z": None}]} if spec.metadata else {},
        )

    def describe(self, request: TransferRequest) -> str:
        names = {i: self.account(n) for n, i in enumerate(self.ids)}
        lines = ", ".join(
            f"{p.side.value} {names.get(p.account_id, p.account_id)} {p.amount}"
            + (f" [{p.asset}]" if p.asset else "")
            for p in request.postings
        )
        extra = [
            word
            for word, on in (
                ("pending", request.pending),
                (f"limit {request.timeout_seconds}s", request.timeout_seconds),
                ("effective date", request.effective_at),
                (f"described {request.description!r}", request.description),
                ("metadata", request.metadata),
            )
            if on
        ]
        return f"{self.label(request.id)}: {lines}" + (f" ({', '.join(extra)})" if extra else "")

    def label(self, transfer_id: uuid.UUID) -> str:
        return self.labels.get(transfer_id, str(transfer_id))

    def _named(self, transfer_id: uuid.UUID) -> None:
        if transfer_id not in self.named:
            self.named.append(transfer_id)

    def funding(self, amount: int) -> Call:
        """One batch that gives every wallet `amount` from its currency's settlement account."""
        requests = []
        for spec, account_id in zip(self.specs, self.ids, strict=False):
            if not spec.code.startswith(("wallet", "usd-wallet")):
                continue
            source = self.ids[0] if spec.asset == "BRL" else self.ids[1]
            debit, credit = (source, account_id) if spec.side is Side.CREDIT else (account_id, source)
            transfer_id = uid("fund:" + spec.code)
            self.labels[transfer_id] = f"fund {spec.code}"
            requests.append(
                TransferRequest.simple(
                    transfer_id, debit_account_id=debit, credit_account_id=credit, amount=amount
                )
            )
        return self.book(requests)

    def book(self, requests: Sequence[TransferRequest]) -> Call:
        batch = list(requests)
        for request in batch:
            self._named(request.id)
        return Call(
            "book " + "; ".join(self.describe(r) for r in batch),
            lambda m: m.write.post_transfers(batch),
            "book",
            ("book", batch),
        )

    def capture(self, ref: uuid.UUID, amount: int | None) -> Call:
        return Call(
            f"capture {self.label(ref)}" + (f" for {amount}" if amount is not None else " in full"),
            lambda m: m.write.post_pending(ref, amount),
            "capture",
            ("capture", (ref, amount)),
        )

    def void(self, ref: uuid.UUID) -> Call:
        return Call(f"void {self.label(ref)}", lambda m: m.write.void_pending(ref), "void", ("void", ref))

    def reverse(self, request: ReversalRequest) -> Call:
        self._named(request.id)
        return Call(
            f"reverse {self.label(request.original_id)} as {self.label(request.id)}"
            + (f" described {request.description!r}" if request.description else ""),
            lambda m: m.write.reverse(request),
            "reverse",
            ("reverse", request),
        )

    def plan(self, op: Operation) -> Call | None:
        try:
            call = self._plan(op)
        except DomainError as error:  # a request the domain refuses to build (the same for both)
            return Call(f"{op} (refused as it was built)", partial(_refuse, error), "build")
        if call is not None and call.request is not None:
            self.sent.append(call)
        return call

    def _plan(self, op: Operation) -> Call | None:
        match op:
            case Book(transfers):
                return self.book([self.request(t) for t in transfers])
            case Capture(target, amount):
                return self.capture(self.target(target), amount)
            case Void(target):
                return self.void(self.target(target))
            case Reverse(ref, original, description):
                return self.reverse(ReversalRequest(self.ref(ref), self.target(original), description))
            case Replay(index, changed):
                return self._replay(index, changed)
            case Expire(limit):
                return Call(
                    f"expire due holds (at most {limit})", lambda m: m.write.expire_due(limit), "expire"
                )
            case Wait():
                return Call("wait past every pending time limit", lambda m: None, "wait")
            case SetStatus(account, action):
                use_case = getattr(account_cases, f"{action}_account")
                account_id = self.ids[account]
                return Call(
                    f"{action} {self.account(account)}",
                    lambda m: use_case(account_id, m.uow(), SystemClock()),
                    "status",
                )
            case ReadBalance(account, instant, basis):
                account_id = self.ids[account]
                return Call(
                    f"balance ({basis.value}) of {self.account(account)} at "
                    + ("the far future" if instant is None else f"booked instant #{instant}"),
                    lambda m: m.read.balance_as_of(account_id, _instant(m, instant), basis),
                    "read",
                )
            case ReadStatement(account, limit, since, Basis.EFFECTIVE):
                account_id = self.ids[account]
                return Call(
                    f"statement by value date of {self.account(account)}, {limit} lines"
                    + ("" if since is None else f" from booked instant #{since}"),
                    lambda m: m.read.value_statement(
                        account_id, start=None if since is None else _instant(m, since), limit=limit
                    ),
                    "read",
                )
            case ReadStatement(account, limit, since):
                account_id = self.ids[account]
                return Call(
                    f"statement of {self.account(account)}, {limit} lines"
                    + ("" if since is None else f" since booked instant #{since}"),
                    lambda m: m.read.statement(
                        account_id, start=None if since is None else _instant(m, since), limit=limit
                    ),
                    "read",
                )
            case ReadTrialBalance(asset):
                return Call(
                    f"trial balance of {asset or 'every asset'}",
                    lambda m: m.read.trial_balance(asset),
                    "read",
                )
            case ClosePeriod(asset, days):
                through = EFFECTIVE.astimezone(UTC).date() + timedelta(days=days)
                request = CloseRequest(through, asset, "differential")
                close_id = uuid.uuid5(uuid.NAMESPACE_URL, f"razao:differential:close:{len(self.sent)}:{op}")
                return Call(
                    f"close {asset or 'the ledger'} through {through}",
                    lambda m: _closing(
                        period_cases.close_period(
                            request, "differential", m.uow(), SystemClock(), _IdsOf(close_id)
                        )
                    ),
                    "period",
                )
            case ReopenPeriod(asset):
                return Call(
                    f"reopen the latest close of {asset or 'the ledger'}",
                    lambda m: _closing(
                        period_cases.reopen_period(
                            _latest_close(m, asset), "differential", "differential", m.uow(), SystemClock()
                        )
                    ),
                    "period",
                )
        raise TypeError(f"unknown operation {op!r}")

    def _replay(self, index: int, changed: bool) -> Call | None:
        if not self.sent:
            return None
        kind, payload = self.sent[index % len(self.sent)].request
        if kind == "book":
            batch = list(payload)
            if changed:
                batch[0] = replace(batch[0], description=batch[0].description + " (changed)")
            call = self.book(batch)
        elif kind == "capture":
            ref, amount = payload
            call = self.capture(ref, (amount or 0) + 1 if changed else amount)
        elif kind == "void":
            call = self.void(payload)
        else:
            reversal = (
                replace(payload, description=payload.description + " (changed)") if changed else payload
            )
            call = self.reverse(reversal)
        return replace(call, text=("replay, changed: " if changed else "replay: ") + call.text)


def event(text: str) -> None:
    """Count `text` in hypothesis's statistics (when running under hypothesis)."""
    if currently_in_test_context():
        _event(text)


def note(text: str) -> None:
    if currently_in_test_context():
        _note(text)


def _refuse(error: DomainError, mode: Ledger) -> None:
    raise error


@dataclass(frozen=True)
class _IdsOf:
    """Gives one fixed id: a close gets the same id in both modes (its events name it)."""

    fixed: uuid.UUID

    def new_id(self) -> uuid.UUID:
        return self.fixed


def _closing(result: Any) -> dict[str, Any]:
    """What a close or a reopening answered, without its instants (each mode has its own clock)."""
    closed = getattr(result, "period", result)
    close = closed.close
    return {
        "id": str(close.id),
        "asset": close.asset,
        "through": close.through.isoformat(),
        "active": close.active,
        "snapshot_accounts": closed.accounts,
        "replayed": getattr(result, "replayed", None),
    }


def _latest_close(mode: Ledger, asset: str | None) -> uuid.UUID:
    """The id of the scope's latest active close in this mode's database (an unknown id: none)."""
    with mode.uow() as uow:
        active = [c for c in uow.periods.active() if c.asset == asset]
    return max(active, key=lambda c: c.through).id if active else uuid.UUID(int=0)


def _instant(mode: Ledger, index: int | None) -> datetime:
    """An instant a step booked at in this mode (the same step in both), or the far future."""
    if index is None or not mode.instants:
        return FAR
    return mode.instants[index % len(mode.instants)]


def _booked_at(value: Any) -> datetime | None:
    """The instant a successful write booked at, if it wrote anything."""
    outcomes = value if isinstance(value, list) else [value]
    for item in outcomes:
        if isinstance(item, Outcome) and not item.replayed:
            transfer = item.transfer
            return (
                transfer.resolved_at if transfer.two_phase and transfer.resolved_at else transfer.created_at
            )
        if isinstance(item, Transfer):
            return item.resolved_at
    return None


def _track(mode: Ledger, call: Call, result: Result) -> None:
    """Keep the mode's pending time limits and booked instants up to date."""
    if result.kind != "ok":
        return
    value = result.raw
    if call.kind == "book":
        for outcome in value:
            transfer = outcome.transfer
            if not outcome.replayed and transfer.timeout_at is not None:
                mode.deadlines[transfer.id] = transfer.timeout_at
    elif call.kind in ("capture", "void", "reverse") and not value.replayed:
        mode.deadlines.pop(value.transfer.id, None)
    elif call.kind == "expire":
        for transfer in value:
            mode.deadlines.pop(transfer.id, None)
    at = _booked_at(value) if call.kind in ("book", "capture", "void", "reverse", "expire") else None
    if at is not None:
        mode.instants.append(at)


def _deadlines(*modes: Ledger) -> list[datetime]:
    return [d for m in modes for d in m.deadlines.values()]


def _clear_of_deadlines(app: Ledger, db: Ledger) -> None:
    """Sleep until no pending time limit falls due within `AHEAD` from now."""
    while True:
        now = datetime.now(UTC)
        near = [d for d in _deadlines(app, db) if now - SKEW <= d <= now + AHEAD + SKEW]
        if not near:
            return
        time.sleep((max(near) - now + 2 * SKEW).total_seconds())


def _wait_past_deadlines(app: Ledger, db: Ledger) -> None:
    """Sleep past the short time limits still to come (an hour-long one is never waited for)."""
    now = datetime.now(UTC)
    soon = [d for d in _deadlines(app, db) if now - SKEW < d <= now + timedelta(seconds=SHORT) + SKEW]
    if soon:
        time.sleep(max(0.0, (max(soon) - datetime.now(UTC) + 2 * SKEW).total_seconds()))


def _check_clocks(db: Ledger) -> None:
    with db.engine.connect() as connection:
        before = datetime.now(UTC)
        theirs: datetime = connection.execute(text("SELECT clock_timestamp()")).scalar_one()
        after = datetime.now(UTC)
    assert before - SKEW <= theirs <= after + SKEW, (
        f"the database's clock ({theirs}) is not this host's ({before}); the timing guard needs them equal"
    )


def _open(command: OpenAccount, ids: _IdOf, mode: Ledger) -> Account:
    return account_cases.open_account(command, mode.uow(), SystemClock(), ids).account


def differences(app: Any, db: Any, path: str = "") -> list[str]:
    """Where two comparable values differ, as `path: app value | database value` lines."""
    if isinstance(app, dict) and isinstance(db, dict):
        return [
            line
            for key in [*app, *(k for k in db if k not in app)]
            for line in differences(app.get(key, "<absent>"), db.get(key, "<absent>"), f"{path}.{key}")
        ]
    if isinstance(app, list) and isinstance(db, list) and len(app) == len(db):
        return [
            line
            for n, (a, b) in enumerate(zip(app, db, strict=True))
            for line in differences(a, b, f"{path}[{n}]")
        ]
    return [] if app == db else [f"{path or '(the value)'}: {app!r} | {db!r}"]


def _report(log: list[str], label: str, call: Call, app: Result, db: Result, why: str) -> str:
    return "\n".join(
        [
            f"step {label} ({call.text}) {why}",
            "  where they differ (app | database):",
            *(f"    {line}" for line in differences([app.kind, app.data], [db.kind, db.data])[:20]),
            f"  app mode:      {app}",
            f"  database mode: {db}",
            "the steps before it:",
            *([f"  {line}" for line in log] or ["  (none)"]),
        ]
    )


FUNDING = 1000  # what every wallet gets before the generated operations
#: The only operations whose answer depends on whether a hold's time limit has passed.
TIMED = ("capture", "expire")


def run_sequence(
    app: Ledger, db: Ledger, specs: Sequence[AccountSpec], ops: Sequence[Operation]
) -> list[str]:
    """Open the accounts, fund the wallets, run `ops`, comparing both modes at every step and at the
    end; returns the log of the steps (what each did and how it ended)."""
    _check_clocks(db)
    plan = Script(specs)
    log: list[str] = []

    def step(label: str, call: Call) -> None:
        if call.kind == "wait":
            _wait_past_deadlines(app, db)
            log.append(f"{label}. {call.text}")
            return
        if call.kind in TIMED:
            _clear_of_deadlines(app, db)
        started = datetime.now(UTC)
        results = [attempt(partial(call.run, mode)) for mode in (app, db)]
        ended = datetime.now(UTC)
        if results[0] != results[1]:
            due = [d for d in _deadlines(app, db) if started - SKEW <= d <= ended + SKEW]
            if due and call.kind in TIMED:
                event("discarded: a time limit fell due during a capture or expiry")
                reject()
            raise AssertionError(_report(log, label, call, results[0], results[1], "gave different results"))
        for mode, result in zip((app, db), results, strict=True):
            _track(mode, call, result)
        plan.record(call, results[0])
        if results[0].kind == "crashed":
            raise AssertionError(_report(log, label, call, results[0], results[1], "crashed in both modes"))
        event(f"{'replay of ' if call.text.startswith('replay') else ''}{call.kind}: {results[0].summary}")
        log.append(f"{label}. {call.text} -> {results[0].summary}")

    for spec in specs:
        command = OpenAccount(spec.code, spec.code.title(), spec.asset, spec.side, spec.min_balance)
        text_ = f"open {spec.code} ({spec.asset}, {spec.side.value}, minimum {spec.min_balance})"
        step("open", Call(text_, partial(_open, command, _IdOf(spec.code)), "open"))
    step("fund", plan.funding(FUNDING))
    for index, op in enumerate(ops):
        call = plan.plan(op)
        if call is not None:
            step(str(index), call)
    note("\n".join(log))
    compare_final_state(app, db, plan, log)
    return log


# --- the final state -------------------------------------------------------------------------------


def _rows(engine: Engine, sql: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(text(sql)).mappings()]


#: The outbox in position order, without what the database assigns (the id, the position itself).
EVENTS = "SELECT type, occurred_at, account_ids, transfer_id, job_id, data FROM events ORDER BY txid, n"


def tables(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """The ledger's tables and its events, with every instant replaced by its rank in this database's
    timeline (in the events' payloads, instants read from a clock are masked)."""
    settle_events(engine)
    accounts = _rows(engine, "SELECT * FROM accounts ORDER BY id")
    transfers = _rows(engine, "SELECT * FROM transfers ORDER BY id")
    entries = _rows(engine, "SELECT * FROM entries ORDER BY created_at, transfer_id, layer, line")
    events = _rows(engine, EVENTS)
    instants = sorted(
        {a["created_at"] for a in accounts}
        | {t[c] for t in transfers for c in ("created_at", "resolved_at") if t[c] is not None}
        | {e[c] for e in entries for c in ("created_at", "effective_at")}
        | {e["occurred_at"] for e in events}
    )
    rank = {at: n for n, at in enumerate(instants)}
    for row in transfers:
        created, timeout, effective = row["created_at"], row["timeout_at"], row["effective_at"]
        row["timeout_at"] = None if timeout is None else (timeout - created).total_seconds()
        row["effective_at"] = "booking" if effective == created else effective
        row["resolved_at"] = None if row["resolved_at"] is None else rank[row["resolved_at"]]
    for row in [*accounts, *transfers, *entries]:
        row["created_at"] = rank[row["created_at"]]
    for row in entries:
        row["effective_at"] = rank[row["effective_at"]]
        row.pop("txid", None)  # the writing transaction: each database numbers its own (revision 0021)
    for row in events:
        row["occurred_at"] = rank[row["occurred_at"]]
        row["data"] = masked(row["data"])
    return {
        "accounts": accounts,
        "transfers": transfers,
        "entries": entries,
        "events": events,
        "account_value_days": _value_days(engine),
    }


def _value_days(engine: Engine) -> list[dict[str, Any]]:
    """The posted sums per account and value day; the days a clock gave (today, or two days if the run
    crosses midnight) add up as one `<clock>` day."""
    days: dict[tuple[Any, Any], list[int]] = {}
    for row in _rows(engine, "SELECT * FROM account_value_days ORDER BY account_id, value_date"):
        day = "<clock>" if row["value_date"] >= CLOCK_ERA.date() else row["value_date"]
        sums = days.setdefault((row["account_id"], day), [0, 0])
        sums[0] += row["debits"]
        sums[1] += row["credits"]
    return [
        {"account_id": account_id, "value_date": day, "debits": debits, "credits": credits}
        for (account_id, day), (debits, credits) in days.items()
    ]


def _pages(read: ReadPath, account_id: uuid.UUID, **window: Any) -> list[Any]:
    pages, cursor = [], None
    while True:
        page = read.statement(account_id, after_seq=cursor, limit=2, **window)
        pages.append(comparable(page))
        cursor = page.next_cursor
        if cursor is None:
            return pages


def _value_pages(read: ReadPath, account_id: uuid.UUID, **window: Any) -> list[Any]:
    pages, after = [], None
    while True:
        page = read.value_statement(account_id, after=after, limit=2, **window)
        pages.append(comparable(page))
        after = page.next_cursor
        if after is None:
            return pages


def value_date_reads(mode: Ledger, plan: Script, sampled: list[int]) -> dict[str, Any]:
    """What the reads by value date say at the end: the requests' value date (`EFFECTIVE`) and the
    instants booked at are value dates too (a transfer without one counts from its booking)."""
    read, effective = mode.read, Basis.EFFECTIVE
    today = (mode.instants[-1] if mode.instants else datetime.now(UTC)).astimezone(UTC).date()
    around = (
        EFFECTIVE.astimezone(UTC).date() - timedelta(days=1),
        EFFECTIVE.astimezone(UTC).date() + timedelta(days=1),
    )
    reads: dict[str, Any] = {
        "trial balance by value date": [
            attempt(partial(read.trial_balance, a, effective, day))
            for a in (None, "BRL", "USD")
            for day in (around[0], around[1], today)
        ],
    }
    for n, account_id in enumerate(plan.ids):
        name = plan.account(n)
        reads[f"statement of {name} by value date"] = attempt(partial(_value_pages, read, account_id))
        reads[f"effective balance of {name}"] = attempt(
            partial(read.balance_as_of, account_id, FAR, effective)
        )
        for label, at in (
            ("the value date", EFFECTIVE),
            ("just before the value date", EFFECTIVE - timedelta(microseconds=1)),
        ):
            reads[f"effective balance of {name} at {label}"] = attempt(
                partial(read.balance_as_of, account_id, at, effective)
            )
        for k in sampled:
            at = mode.instants[k]
            reads[f"effective balance of {name} at instant #{k}"] = attempt(
                partial(read.balance_as_of, account_id, at, effective)
            )
            reads[f"effective balance of {name} just before instant #{k}"] = attempt(
                partial(read.balance_as_of, account_id, at - timedelta(microseconds=1), effective)
            )
        for k, j in pairwise(sampled):
            start, end = mode.instants[k], mode.instants[j]
            reads[f"statement of {name} by value date from instant #{k} to #{j}"] = attempt(
                partial(_value_pages, read, account_id, start=start, end=end)
            )
        for basis in Basis:
            reads[f"{basis.value} history of {name} around the value date"] = attempt(
                partial(read.history, account_id, *around, basis)
            )
            reads[f"{basis.value} history of {name} to today"] = attempt(
                partial(read.history, account_id, today - timedelta(days=1), today, basis)
            )
    return reads


def final_reads(mode: Ledger, plan: Script) -> dict[str, Any]:
    """Everything the use cases and the read path say about the books at the end."""
    uow, read = mode.uow, mode.read
    #: Up to `INSTANTS_READ` of the instants booked at, evenly spread (the last one included).
    count = len(mode.instants)
    sampled = sorted({*range(0, count, max(1, count // INSTANTS_READ)), count - 1} - {-1})
    reads: dict[str, Any] = {
        "accounts": [attempt(partial(account_cases.get_account, i, uow())) for i in plan.ids],
        "transfers": [
            attempt(partial(transfer_cases.get_transfer, plan.ref(n), uow())) for n in range(TRANSFER_POOL)
        ],
        "transfer list": attempt(lambda: transfer_cases.list_transfers(uow(), limit=1000).items),
        "trial balance": [attempt(partial(read.trial_balance, a)) for a in (None, "BRL", "USD", "NOPE")],
    }
    for n, account_id in enumerate(plan.ids):
        name = plan.account(n)
        reads[f"statement of {name}"] = attempt(partial(_pages, read, account_id))
        reads[f"balance of {name}"] = attempt(partial(read.balance_as_of, account_id, FAR))
        for k in sampled:
            at = mode.instants[k]
            reads[f"balance of {name} at instant #{k}"] = attempt(partial(read.balance_as_of, account_id, at))
            reads[f"balance of {name} just before instant #{k}"] = attempt(
                partial(read.balance_as_of, account_id, at - timedelta(microseconds=1))
            )
        for k, j in pairwise(sampled):
            start, end = mode.instants[k], mode.instants[j]
            reads[f"statement of {name} from instant #{k} to #{j}"] = attempt(
                partial(_pages, read, account_id, start=start, end=end)
            )
    return {**reads, **value_date_reads(mode, plan, sampled)}


def compare_final_state(app: Ledger, db: Ledger, plan: Script, log: list[str]) -> None:
    steps = "\n".join(f"  {line}" for line in log) or "  (none)"
    expected, actual = tables(app.engine), tables(db.engine)
    for table, rows in expected.items():
        for n, (want, got) in enumerate(zip(rows, actual[table], strict=False)):
            assert got == want, (
                f"row {n} of {table} differs: {differences(want, got)} after:\n{steps}\n"
                f"app:      {want}\ndatabase: {got}"
            )
        counts = f"{len(rows)} rows in app mode, {len(actual[table])} in database mode"
        assert len(actual[table]) == len(rows), f"{table}: {counts}, after:\n{steps}"
    expected_reads, actual_reads = final_reads(app, plan), final_reads(db, plan)
    assert expected_reads.keys() == actual_reads.keys()
    for name, want in expected_reads.items():
        got = actual_reads[name]
        assert got == want, (
            f"{name} differs: {differences(want, got)[:20]} after:\n{steps}\napp:      {want}\ndatabase: {got}"
        )
    crashed = [
        name
        for name, results in expected_reads.items()
        for result in (results if isinstance(results, list) else [results])
        if result.kind == "crashed"
    ]
    assert not crashed, f"reads crashed: {crashed}"


# --- the test --------------------------------------------------------------------------------------------


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
@given(wallets=wallets(), ops=st.lists(operations, min_size=15, max_size=60))
def test_both_modes_agree_on_every_step_and_on_the_final_books(
    two_ledgers: Callable[[], Any], wallets: tuple[AccountSpec, ...], ops: list[Operation]
) -> None:
    with two_ledgers() as (app, db):
        run_sequence(app, db, FIXED_ACCOUNTS + wallets, ops)


# --- a known sequence: every kind of operation, outcome asserted ----------------------------------


def _pay(ref: int | None, source: int, target: int, amount: int, **options: Any) -> NewTransfer:
    return NewTransfer(ref, (Line(source, Side.DEBIT, amount), Line(target, Side.CREDIT, amount)), **options)


CASH, W0, W1, W2, W3 = 0, 3, 4, 5, 6
KNOWN_WALLETS = (
    AccountSpec("wallet-0", "BRL", Side.CREDIT, 0),
    AccountSpec("wallet-1", "BRL", Side.CREDIT, -300),  # an overdraft of 300
    AccountSpec("wallet-2", "BRL", Side.CREDIT, None),  # no minimum
    AccountSpec("wallet-3", "BRL", Side.DEBIT, 0),
)
#: Each wallet starts with FUNDING (1000). Each operation, and how both modes must answer it. A
#: `Replay` names the write request to send again by its index among the write requests sent so far
#: (operations 0 to 22 are all writes; waits, expiry runs, status changes and reads are not).
KNOWN: list[tuple[Operation, str | None]] = [
    (Book((_pay(0, W0, W1, 100),)), "ok"),
    (
        Book(
            (
                NewTransfer(
                    1, (Line(W0, Side.DEBIT, 30), Line(W1, Side.CREDIT, 10), Line(W2, Side.CREDIT, 20))
                ),
            )
        ),
        "ok",
    ),
    (Book((_pay(2, W0, W1, 871),)), "refused (insufficient_funds)"),  # 870 left
    (Book((_pay(2, W1, W2, 1410),)), "ok"),  # down to the overdraft limit: -300
    (Book((_pay(3, W1, W2, 1),)), "refused (insufficient_funds)"),
    (Book((_pay(4, W2, W0, 5000),)), "ok"),  # no minimum: -2570
    (Book((_pay(5, CASH, W3, 1001),)), "refused (insufficient_funds)"),  # a debit-normal wallet below 0
    (
        Book((_pay(6, W0, W1, 10), _pay(7, W0, W2, 99_999), _pay(8, W0, W1, 1))),
        "refused (insufficient_funds)",
    ),
    (Book((_pay(6, W0, W1, 10), _pay(6, W0, W1, 10))), "refused (validation_error)"),  # an id twice
    (Book((_pay(9, W0, W0, 10),)), "refused (validation_error)"),  # both sides
    (Book((_pay(9, W0, W1, 10, pending=True), _pay(10, W0, 2, 10))), "refused (asset_mismatch)"),
    (Book((_pay(9, W0, UNKNOWN, 10),)), "refused (account_not_found)"),
    (Replay(0, changed=False), "ok (replayed)"),
    (Replay(0, changed=True), "refused (idempotency_conflict)"),
    (Book((_pay(None, W0, W1, 200, pending=True),)), "ok"),  # a hold
    (Capture(Target(0), 50), "ok"),  # in part
    (Replay(15, changed=False), "ok (replayed)"),  # the same capture again (write request #15)
    (Replay(15, changed=True), "refused (invalid_state)"),  # another amount
    (Book((_pay(None, W0, W2, 100, pending=True),)), "ok"),
    (Void(Target(0)), "ok"),
    (Replay(19, changed=False), "ok (replayed)"),
    (Capture(Target(0, "booked"), None), "refused (invalid_state)"),  # voided
    (Book((_pay(None, W0, W1, 300, pending=True, timeout=SHORT),)), "ok"),
    (Wait(), None),
    (Capture(Target(0), None), "refused (invalid_state)"),  # timed out, not expired yet
    (Expire(500), "ok (1 expired)"),
    (Expire(500), "ok"),
    (Book((_pay(None, W0, W1, 40, pending=True, timeout=LONG),)), "ok"),
    (Expire(500), "ok"),  # an hour to go
    (Reverse(12, Target(1, "pool")), "ok"),
    (Reverse(13, Target(1, "pool")), "refused (invalid_state)"),  # reversed already
    (Replay(25, changed=False), "ok (replayed)"),
    (Reverse(12, Target(0, "pool")), "refused (idempotency_conflict)"),  # the id of another reversal
    (Reverse(13, Target(0, "pool")), "refused (insufficient_funds)"),  # wallet-1 has spent it
    (Reverse(14, Target(0)), "refused (invalid_state)"),  # a pending hold
    (Reverse(14, Target(15, "pool")), "refused (not_found)"),
    (SetStatus(W1, "freeze"), "ok"),
    (Book((_pay(None, W0, W1, 5),)), "refused (account_inactive)"),
    (Capture(Target(0), None), "refused (account_inactive)"),
    (Void(Target(0)), "ok"),  # a hold on a frozen account can still be voided
    (SetStatus(W1, "unfreeze"), "ok"),
    (SetStatus(W3, "close"), "refused (invalid_state)"),
    (SetStatus(UNKNOWN, "freeze"), "refused (account_not_found)"),
    (Book((_pay(None, W0, W2, 15, effective=True),)), "ok"),  # backdated to EFFECTIVE
    (Book((_pay(None, W0, W2, 20, pending=True, effective=True),)), "ok"),
    (Capture(Target(0), 5), "ok"),  # posted at its hold's value date
    (ReadBalance(W0, None), "ok"),
    (ReadBalance(W1, 1), "ok"),
    (ReadBalance(W1, 1, Basis.EFFECTIVE), "ok"),
    (ReadBalance(UNKNOWN, None), "refused (account_not_found)"),
    (ReadStatement(W0, 2, None), "ok"),
    (ReadStatement(W1, 3, 2), "ok"),
    (ReadStatement(W2, 2, None, Basis.EFFECTIVE), "ok"),
    (ReadStatement(UNKNOWN, 2, 1, Basis.EFFECTIVE), "refused (account_not_found)"),
    (ReadTrialBalance(None), "ok"),
    (ReadTrialBalance("USD"), "ok"),
]


def test_a_known_sequence_gives_the_same_expected_answers_in_both_modes(
    two_ledgers: Callable[[], Any],
) -> None:
    """Every kind of operation at least once, whatever hypothesis happens to generate."""
    with two_ledgers() as (app, db):
        log = run_sequence(app, db, FIXED_ACCOUNTS + KNOWN_WALLETS, [op for op, _ in KNOWN])
        written = {e["type"] for e in tables(db.engine)["events"]}  # the same in both: compared above
    assert written == {
        "account.opened",
        "account.frozen",
        "account.unfrozen",
        "transfer.posted",
        "transfer.pending",
        "transfer.captured",
        "transfer.voided",
        "transfer.expired",
        "transfer.reversed",
    }
    answers = {line.split(". ", 1)[0]: line.rsplit(" -> ", 1)[1] for line in log if " -> " in line}
    for index, (op, expected) in enumerate(KNOWN):
        if expected is not None:
            assert answers[str(index)] == expected, (
                f"step {index} ({op}): {answers[str(index)]}\n" + "\n".join(log)
            )
