"""In-memory fakes of the application's ports: a store with its unit of work, a clock and an id source.

The unit tests and the feature specs (memory mode) run the use cases on these. They behave like the
PostgreSQL adapter: a unit of work reads the committed rows plus its own writes, publishes its writes
on `commit()` and drops them when the `with` block ends without one (or with an exception). Every read
returns a fresh copy and only `add`/`save` change what is stored, as with rows. Unique keys (account
code, transfer id, one reversal per transfer, (account, seq) of an entry) are enforced. A duplicate
idempotency key (asset code, account code, transfer id, reversal) and a row locked by another open unit
of work raise `RetryableConflict`, as `adapters.db` does; any other duplicate is a `UniqueViolation`
(a bug in the caller). A contract test runs the same checks against this fake and the SQL adapter so
that the two cannot drift apart.

Events (`application.events`) are published with the rest on `commit()`, each transaction's in the
order it added them, at positions that grow with the commits (one writer at a time: every committed
event is below the watermark at once); their `data` goes through JSON as it does in the database.
Retention deletes a prefix of them and moves the horizon, as `razao.prune_events` does.

As in the database (whose triggers do it, see docs/reference/rules.md), account balances and
`last_seq` follow the journal: storing entries adds them to their accounts, a transfer leaving
pending releases its holds, and `accounts.save` writes the status only. Entries that do not continue
their account's sequence, disagree with its posted balance (`balance_after`), are in another asset or
land on an inactive account fail with `AssertionError`: a bug in the code that produced them.

The fakes subclass nothing: they satisfy the `Protocol`s of `application.ports` and
`application.api_keys` structurally.
"""

from __future__ import annotations

import copy
import itertools
import json
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from uuid import UUID

from application import reconciliation as recon_app
from application.api_keys import ApiKey, ApiKeyRepository
from application.events import Event
from application.feed import START, EventFilter, FeedRead, Position, StoredEvent
from application.groups import GroupRow, GroupTotals
from application.interest import InterestRepository
from application.jobs import Job, JobRepository
from application.monitors import MonitorRepository
from application.periods import PeriodCursor
from application.ports import (
    AccountRepository,
    AssetRepository,
    RetryableConflict,
    StatementLine,
    TransferCursor,
    TransferRepository,
)
from application.search import AccountFilter, CategoryRef, TransferFilter
from application.statements import StatementCursor
from application.verification import LedgerScan
from domain import reconciliation as recon_domain
from domain.accounts import Account, AccountStatus, Balances, Layer, Side
from domain.assets import Asset
from domain.categories import Category, CategoryTree
from domain.errors import InvalidState
from domain.interest import Accrual, Carried, InterestPolicy
from domain.monitors import Monitor
from domain.periods import ClosedPeriods, PeriodBalance, PeriodClose, end_of, ensure_open
from domain.reports import AssetTotals
from domain.statements import CsvMapping, Statement
from domain.statements import StatementLine as BankLine
from domain.time_basis import Basis, ValuePosition, net_change, posted_from_net
from domain.transfers import Entry, Transfer, TransferStatus
from domain.verification import JournalLine, StoredAccount, TransferSums

K = TypeVar("K")
V = TypeVar("V")


class UniqueViolation(Exception):
    """A duplicate key that is not an idempotency key: the database would refuse it outright."""


# --- the committed state ---------------------------------------------------------------------------


class InMemoryStore:
    """What the database's tables hold, in memory. Read it freely in tests; change it only through a
    unit of work (`store.unit_of_work()`)."""

    def __init__(self) -> None:
        self.assets: dict[str, Asset] = {}
        self.accounts: dict[UUID, Account] = {}
        self.transfers: dict[UUID, Transfer] = {}
        #: The journal, in booking order.
        self.entries: list[Entry] = []
        self.api_keys: dict[UUID, ApiKey] = {}
        self.interest_policies: dict[tuple[UUID, date], InterestPolicy] = {}
        #: (account, day) -> the day's accrual and the posting of its period (None: rounded to nothing).
        self.interest_accruals: dict[tuple[UUID, date], tuple[Accrual, UUID | None]] = {}
        #: account -> what it carries (the exact interest not posted, last day accrued, open period)
        self.interest_carry: dict[UUID, Carried] = {}
        self.jobs: dict[UUID, Job] = {}
        #: Balance monitors (`application.monitors`), by id.
        self.monitors: dict[UUID, Monitor] = {}
        #: Accounting periods (`application.periods`): the closes by id, and each close's snapshot.
        self.period_closes: dict[UUID, PeriodClose] = {}
        self.period_balances: dict[UUID, tuple[PeriodBalance, ...]] = {}
        #: Categories of accounts (`domain.categories`) by id, and memberships as (category id, account id),
        #: the tables `categories` and `account_categories` (what account searches by category read).
        self.categories: dict[UUID, Category] = {}
        self.account_categories: set[tuple[UUID, UUID]] = set()
        #: The outbox, in position order; the last position retention deleted; the last transaction.
        self.events: list[StoredEvent] = []
        self.event_horizon: Position = START
        self.last_txid = 0
        #: Bank statements (`application.statements`) by id, their lines by (account id, external id)
        #: (the unique key of `statement_lines`), and the saved CSV mappings by name.
        self.bank_statements: dict[UUID, Statement] = {}
        self.statement_lines: dict[tuple[UUID, str], BankLine] = {}
        self.csv_mappings: dict[str, CsvMapping] = {}
        #: Row locks held by open units of work: ("account" | "transfer", id) -> holder.
        self._locks: dict[tuple[str, UUID], FakeUnitOfWork] = {}

    def unit_of_work(self) -> FakeUnitOfWork:
        """A new unit of work over this store (use as the `UnitOfWorkFactory`)."""
        return FakeUnitOfWork(self)

    def entries_of(self, account_id: UUID) -> list[Entry]:
        """The committed journal lines of one account, by seq."""
        return sorted((e for e in self.entries if e.account_id == account_id), key=lambda e: e.seq)


class _Table(Generic[K, V]):
    """One table as a unit of work sees it: the committed rows overlaid with its own writes."""

    def __init__(self, kind: str, committed: dict[K, V], *, idempotency_key: bool) -> None:
        self.kind = kind
        self.committed = committed
        self.idempotency_key = idempotency_key
        self.written: dict[K, V] = {}
        self.inserted: set[K] = set()

    def get(self, key: K) -> V | None:
        return self.written[key] if key in self.written else self.committed.get(key)

    def rows(self) -> list[V]:
        return list({**self.committed, **self.written}.values())

    def insert(self, key: K, row: V) -> None:
        if key in self.written or key in self.committed:
            self.duplicate(key)
        self.written[key] = row
        self.inserted.add(key)

    def update(self, key: K, row: V) -> None:
        self.written[key] = row

    def check_publishable(self) -> None:
        for key in self.inserted:
            if key in self.committed:  # a concurrent unit of work committed the same key first
                self.duplicate(key)

    def duplicate(self, key: K) -> None:
        message = f"{self.kind} {key} already exists"
        raise RetryableConflict(message) if self.idempotency_key else UniqueViolation(message)

    def publish(self) -> None:
        self.committed.update(self.written)
        self.discard()

    def discard(self) -> None:
        self.written, self.inserted = {}, set()


# --- the unit of work ------------------------------------------------------------------------------


class FakeUnitOfWork:
    """One "transaction" over an `InMemoryStore` (read committed, like PostgreSQL's default)."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self._open = False
        self.asset_rows = _Table[str, Asset]("asset", store.assets, idempotency_key=True)
        self.account_rows = _Table[UUID, Account]("account", store.accounts, idempotency_key=False)
        self.transfer_rows = _Table[UUID, Transfer]("transfer", store.transfers, idempotency_key=True)
        self.api_key_rows = _Table[UUID, ApiKey]("api key", store.api_keys, idempotency_key=False)
        self.policy_rows = _Table[tuple[UUID, date], InterestPolicy](
            "interest policy", store.interest_policies, idempotency_key=False
        )
        # A day accrued twice: the database's unique key refuses it (a retryable unique violation).
        self.accrual_rows = _Table[tuple[UUID, date], tuple[Accrual, UUID | None]](
            "interest accrual", store.interest_accruals, idempotency_key=True
        )
        self.carry_rows = _Table[UUID, Carried]("interest carry", store.interest_carry, idempotency_key=False)
        self.job_rows = _Table[UUID, Job]("job", store.jobs, idempotency_key=False)
        #: A deleted monitor is written as None until commit (`FakeMonitors.delete`).
        self.monitor_rows = _Table[UUID, Monitor | None]("monitor", store.monitors, idempotency_key=False)  # type: ignore[arg-type]
        self.close_rows = _Table[UUID, PeriodClose](
            "period close", store.period_closes, idempotency_key=False
        )
        self.snapshot_rows = _Table[UUID, tuple[PeriodBalance, ...]](
            "period snapshot", store.period_balances, idempotency_key=False
        )
        self.category_rows = _Table[UUID, Category]("category", store.categories, idempotency_key=True)
        self.member_rows = _Members(store)
        self.new_entries: list[Entry] = []
        self.new_events: list[Event] = []
        self.assets: AssetRepository = FakeAssets(self)
        self.accounts: AccountRepository = FakeAccounts(self)
        self.transfers: TransferRepository = FakeTransfers(self)
        self.api_keys: ApiKeyRepository = FakeApiKeys(self)
        self.interest: InterestRepository = FakeInterest(self)
        self.jobs: JobRepository = FakeJobs(self)
        self.ledger_scan: LedgerScan = FakeLedgerScan(self)
        self.events = FakeEvents(self)
        self.monitors: MonitorRepository = FakeMonitors(self)
        self.periods = FakePeriods(self)
        self.categories = FakeCategories(self)
        self.groups = FakeGroups(self)
        self.statement_rows = _Table[UUID, Statement](
            "statement", store.bank_statements, idempotency_key=True
        )
        self.statement_line_rows = _Table[tuple[UUID, str], BankLine](
            "statement line", store.statement_lines, idempotency_key=True
        )
        self.csv_mapping_rows = _Table[str, CsvMapping](
            "CSV mapping", store.csv_mappings, idempotency_key=True
        )
        self.statements = FakeStatements(self)
        self.csv_mappings = FakeCsvMappings(self)

    def _tables(self) -> tuple[_Table[Any, Any], ...]:
        return (
            self.asset_rows,
            self.account_rows,
            self.transfer_rows,
            self.api_key_rows,
            self.policy_rows,
            self.accrual_rows,
            self.carry_rows,
            self.job_rows,
            self.monitor_rows,
            self.close_rows,
            self.snapshot_rows,
            self.category_rows,
            self.member_rows,
            self.statement_rows,
            self.statement_line_rows,
            self.csv_mapping_rows,
        )

    def __enter__(self) -> Self:
        if self._open:
            raise RuntimeError("this unit of work is already open")
        self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self._open = False

    def commit(self) -> None:
        self.ensure_open()
        _check_entries_balance(self.new_entries)
        for table in self._tables():
            table.check_publishable()
        codes = {a.code: a.id for a in self.store.accounts.values()}
        for account_id in self.account_rows.inserted:
            code = self.account_rows.written[account_id].code
            if codes.get(code, account_id) != account_id:
                raise RetryableConflict(f"account code {code} was taken by a concurrent transaction")
        for table in self._tables():
            table.publish()
        for monitor_id in [k for k, v in self.store.monitors.items() if v is None]:
            del self.store.monitors[monitor_id]  # deleted in this transaction
        self.store.entries.extend(self.new_entries)
        self._publish_events()
        self._release()

    def _publish_events(self) -> None:
        """This transaction's events, at positions after every committed one (a new txid, n from 1)."""
        if not self.new_events:
            return
        self.store.last_txid += 1
        self.store.events.extend(
            _stored(event, Position(self.store.last_txid, n)) for n, event in enumerate(self.new_events, 1)
        )

    def rollback(self) -> None:
        for table in self._tables():
            table.discard()
        self._release()

    def _release(self) -> None:
        self.new_entries = []
        self.new_events = []
        locks = self.store._locks
        for key in [k for k, holder in locks.items() if holder is self]:
            del locks[key]

    # --- what the repositories share ---------------------------------------------------------------
    def ensure_open(self) -> None:
        if not self._open:
            raise RuntimeError("use the unit of work inside `with uow:`")

    def journal(self) -> list[Entry]:
        """The committed journal followed by this unit of work's new lines."""
        self.ensure_open()
        return [*self.store.entries, *self.new_entries]

    def acquire(self, kind: str, key: UUID, *, skip_locked: bool = False) -> bool:
        """Take a row lock; a lock held by another open unit of work is a conflict (or skipped)."""
        self.ensure_open()
        holder = self.store._locks.get((kind, key))
        if holder is not None and holder is not self:
            if skip_locked:
                return False
            raise RetryableConflict(f"{kind} {key} is locked by a concurrent transaction")
        self.store._locks[(kind, key)] = self
        return True

    def holds(self, kind: str, key: UUID) -> bool:
        return self.store._locks.get((kind, key)) is self


def _check_entries_balance(entries: Sequence[Entry]) -> None:
    """The database's deferred check: the lines a transaction writes balance per transfer, layer and
    asset. A failure here is a bug in the code that produced them, not a client error."""
    sums: dict[tuple[UUID, Layer, str], int] = defaultdict(int)
    for e in entries:
        sums[(e.transfer_id, e.layer, e.asset)] += e.amount if e.side is Side.DEBIT else -e.amount
    unbalanced = {key: total for key, total in sums.items() if total}
    if unbalanced:
        raise AssertionError(f"journal lines do not balance: {unbalanced}")


# --- repositories ----------------------------------------------------------------------------------


class FakeAssets:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _table(self) -> _Table[str, Asset]:
        self._uow.ensure_open()
        return self._uow.asset_rows

    def get(self, code: str) -> Asset | None:
        return self._table.get(code)

    def add(self, asset: Asset) -> None:
        self._table.insert(asset.code, asset)

    def all(self) -> list[Asset]:
        return sorted(self._table.rows(), key=lambda a: a.code)


class FakeAccounts:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _table(self) -> _Table[UUID, Account]:
        self._uow.ensure_open()
        return self._uow.account_rows

    def add(self, account: Account) -> None:
        if account.balances != Balances() or account.last_seq:
            raise AssertionError(f"account {account.id} is new: it has no balances and no entries yet")
        if self.get_by_code(account.code) is not None:
            raise RetryableConflict(f"account code {account.code} already exists")
        self._table.insert(account.id, copy.deepcopy(account))

    def get(self, account_id: UUID) -> Account | None:
        return _copy(self._table.get(account_id))

    def get_by_code(self, code: str) -> Account | None:
        return _copy(next((a for a in self._table.rows() if a.code == code), None))

    def lock(self, account_ids: Iterable[UUID]) -> dict[UUID, Account]:
        locked: dict[UUID, Account] = {}
        for account_id in sorted(set(account_ids)):
            account = self._table.get(account_id)
            if account is not None:
                self._uow.acquire("account", account_id)
                locked[account_id] = copy.deepcopy(account)
        return locked

    def save(self, accounts: Iterable[Account]) -> None:
        table = self._table
        for account in accounts:
            stored = table.get(account.id)
            if stored is None or not self._uow.holds("account", account.id):
                raise AssertionError(f"account {account.id} is saved without being locked first")
            table.update(account.id, replace(stored, status=account.status))

    def query(
        self,
        where: AccountFilter,
        *,
        categories: Sequence[UUID] | None,
        after_code: str | None,
        limit: int,
    ) -> list[Account]:
        members = None if categories is None else self._members(categories)
        found = [
            a
            for a in self._table.rows()
            if where.matches(a, members) and (after_code is None or a.code > after_code)
        ]
        return [copy.deepcopy(a) for a in sorted(found, key=lambda a: a.code)[:limit]]

    def _members(self, categories: Sequence[UUID]) -> set[UUID]:
        wanted = set(categories)
        return {account for category, account in self._uow.store.account_categories if category in wanted}

    def category_tree(self, category: CategoryRef, *, descendants: bool) -> list[UUID] | None:
        """What `adapters.db.accounts` reads from the categories and their parents."""
        self._uow.ensure_open()
        stored = self._uow.store.categories.values()
        root = next((c for c in stored if c.id == category.id or c.code == category.code), None)
        if root is None:
            return None
        tree = [root.id]
        for parent in tree if descendants else ():
            tree.extend(c.id for c in stored if c.parent_id == parent)
        return tree

    def statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None,
        end: datetime | None,
        after_seq: int | None,
        limit: int,
    ) -> list[StatementLine]:
        lines = sorted(
            (
                e
                for e in self._uow.journal()
                if e.account_id == account_id
                and e.layer is Layer.POSTED
                and (start is None or start <= e.created_at)
                and (end is None or e.created_at < end)
                and (after_seq is None or e.seq > after_seq)
            ),
            key=lambda e: e.seq,
        )[:limit]
        transfers = self._uow.transfer_rows
        return [_statement_line(e, transfers.get(e.transfer_id)) for e in lines]

    def balance_as_of(self, account_id: UUID, at: datetime) -> int:
        last = max(
            (
                e
                for e in self._uow.journal()
                if e.account_id == account_id and e.layer is Layer.POSTED and e.created_at <= at
            ),
            key=lambda e: (e.created_at, e.seq),
            default=None,
        )
        return 0 if last is None else last.balance_after

    def totals(self, asset: str | None) -> list[AssetTotals]:
        by_asset: dict[str, list[Account]] = defaultdict(list)
        for account in self._table.rows():
            if asset is None or account.asset.code == asset:
                by_asset[account.asset.code].append(account)
        return [_totals(code, by_asset[code]) for code in sorted(by_asset)]

    # --- by value date: what the SQL functions of revision 0015 answer ------------------------------
    def _posted(self, account_id: UUID | None = None) -> list[tuple[datetime, Entry]]:
        """Posted entries (of one account) with their value date: their transfer's `effective_at`, as
        the database stores it on each entry."""
        transfers = self._uow.transfer_rows
        return [
            (_existing_transfer(transfers.get(e.transfer_id), e).effective_at, e)
            for e in self._uow.journal()
            if e.layer is Layer.POSTED and (account_id is None or e.account_id == account_id)
        ]

    def value_net(self, account_id: UUID, at: datetime) -> int:
        return sum(net_change(e.side, e.amount) for at_, e in self._posted(account_id) if at_ <= at)

    def value_net_before(self, account_id: UUID, position: ValuePosition) -> int:
        return sum(
            net_change(e.side, e.amount)
            for at, e in self._posted(account_id)
            if ValuePosition(at, e.seq) < position
        )

    def value_statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None,
        end: datetime | None,
        after: ValuePosition | None,
        limit: int,
    ) -> list[StatementLine]:
        lines = sorted(
            (
                (ValuePosition(at, e.seq), e)
                for at, e in self._posted(account_id)
                if (start is None or start <= at) and (end is None or at < end)
            ),
            key=lambda line: line[0],
        )
        transfers = self._uow.transfer_rows
        return [
            _statement_line(e, transfers.get(e.transfer_id))
            for position, e in lines
            if after is None or position > after
        ][:limit]

    def value_totals(self, through: date, asset: str | None) -> list[AssetTotals]:
        """Per asset, the accounts opened by the end of `through` (or with entries by value date by
        then) and their posted sums by value date; today's holds."""
        end = _day_end(through)
        sums: dict[UUID, list[int]] = defaultdict(lambda: [0, 0])
        for at, e in self._posted():
            if end is None or at < end:
                sums[e.account_id][1 if e.side is Side.CREDIT else 0] += e.amount
        by_asset: dict[str, list[Account]] = defaultdict(list)
        pending: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for account in self._table.rows():
            if asset is not None and account.asset.code != asset:
                continue
            pending[account.asset.code][0] += account.balances.pending_debits
            pending[account.asset.code][1] += account.balances.pending_credits
            if (end is None or account.created_at < end) or account.id in sums:
                debits, credits = sums[account.id]
                posted = Balances(posted_debits=debits, posted_credits=credits)
                by_asset[account.asset.code].append(replace(account, balances=posted))
        return [
            replace(
                _totals(code, by_asset[code]),
                pending_debits=pending[code][0],
                pending_credits=pending[code][1],
            )
            for code in sorted(by_asset)
        ]

    def value_history(self, account_id: UUID, first: date, last: date) -> list[tuple[date, int]]:
        account = _existing(self._table.get(account_id), account_id)
        posted = self._posted(account_id)
        return [
            (
                day,
                posted_from_net(
                    sum(net_change(e.side, e.amount) for at, e in posted if at < end), account.normal_side
                ),
            )
            for day, end in _days(first, last)
        ]

    def booked_history(self, account_id: UUID, first: date, last: date) -> list[tuple[date, int]]:
        posted = [e for _, e in self._posted(account_id)]
        history = []
        for day, end in _days(first, last):
            last_entry = max(
                (e for e in posted if e.created_at < end), key=lambda e: (e.created_at, e.seq), default=None
            )
            history.append((day, 0 if last_entry is None else last_entry.balance_after))
        return history


def _existing(account: Account | None, account_id: UUID) -> Account:
    if account is None:
        raise AssertionError(f"account {account_id} does not exist")
    return account


def _copy(account: Account | None) -> Account | None:
    return None if account is None else copy.deepcopy(account)


def _existing_transfer(transfer: Transfer | None, entry: Entry) -> Transfer:
    if transfer is None:
        raise AssertionError(f"entry {entry.seq} of account {entry.account_id} has no transfer")
    return transfer


def _day_end(day: date) -> datetime | None:
    """The first instant after the UTC day `day` (None after the last day Python can write)."""
    return None if day == date.max else datetime.combine(day + timedelta(days=1), time(0), UTC)


def _days(first: date, last: date) -> list[tuple[date, datetime]]:
    """Each day from `first` to `last` with its end (`_day_end`; the far future after date.max)."""
    far = datetime.max.replace(tzinfo=UTC)
    count = (last - first).days + 1
    return [(d, _day_end(d) or far) for d in (first + timedelta(days=n) for n in range(count))]


def _statement_line(entry: Entry, transfer: Transfer | None) -> StatementLine:
    if transfer is None:
        raise AssertionError(f"entry {entry.seq} of account {entry.account_id} has no transfer")
    return StatementLine(entry, transfer.effective_at, transfer.description)


def _totals(asset: str, accounts: list[Account]) -> AssetTotals:
    net = [a.balances.posted_debits - a.balances.posted_credits for a in accounts]
    return AssetTotals(
        asset=asset,
        accounts=len(accounts),
        posted_debits=sum(a.balances.posted_debits for a in accounts),
        posted_credits=sum(a.balances.posted_credits for a in accounts),
        pending_debits=sum(a.balances.pending_debits for a in accounts),
        pending_credits=sum(a.balances.pending_credits for a in accounts),
        debit_balances=sum(n for n in net if n > 0),
        credit_balances=sum(-n for n in net if n < 0),
    )


class FakeTransfers:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _table(self) -> _Table[UUID, Transfer]:
        self._uow.ensure_open()
        return self._uow.transfer_rows

    def get(self, transfer_id: UUID) -> Transfer | None:
        transfer = self._table.get(transfer_id)
        return None if transfer is None else copy.deepcopy(transfer)

    def get_many(self, transfer_ids: Iterable[UUID]) -> dict[UUID, Transfer]:
        found = {i: self._table.get(i) for i in set(transfer_ids)}
        return {i: copy.deepcopy(t) for i, t in found.items() if t is not None}

    def lock(self, transfer_id: UUID) -> Transfer | None:
        if self._table.get(transfer_id) is None:
            return None
        self._uow.acquire("transfer", transfer_id)
        return self.get(transfer_id)

    def add(self, transfer: Transfer, entries: Sequence[Entry]) -> None:
        table = self._table
        original = None
        if transfer.reverses_id is not None:
            original = table.get(transfer.reverses_id)
            if original is None:
                raise AssertionError(f"the reversed transfer {transfer.reverses_id} does not exist")
            if original.reversed_by_id is not None:  # the unique index on reverses_id
                raise RetryableConflict(f"transfer {original.id} was reversed by a concurrent transaction")
        table.insert(transfer.id, copy.deepcopy(replace(transfer, reversed_by_id=None)))
        if original is not None:
            table.update(original.id, replace(original, reversed_by_id=transfer.id))
        self._append(transfer.id, entries)

    def save(self, transfer: Transfer, entries: Sequence[Entry]) -> None:
        table = self._table
        stored = table.get(transfer.id)
        if stored is None or not self._uow.holds("transfer", transfer.id):
            raise AssertionError(f"transfer {transfer.id} is saved without being locked first")
        table.update(
            transfer.id,
            replace(stored, status=transfer.status, resolved_at=transfer.resolved_at, posted=transfer.posted),
        )
        if stored.status is TransferStatus.PENDING and transfer.status is not TransferStatus.PENDING:
            self._release_holds(transfer.id)
        self._append(transfer.id, entries)

    def _release_holds(self, transfer_id: UUID) -> None:
        """What the database's `transfers_release_holds` trigger does: the transfer's holds stop counting."""
        accounts = self._uow.account_rows
        for hold in self._uow.journal():
            if hold.transfer_id == transfer_id and hold.layer is Layer.PENDING:
                account = _existing(accounts.get(hold.account_id), hold.account_id)
                released = account.balances.moved(Layer.PENDING, hold.side, -hold.amount)
                accounts.update(account.id, replace(account, balances=released))

    def _book(self, entry: Entry) -> None:
        """What the database's `entries_book` trigger does: check the entry against its account, then
        add it to the account's balances and counter."""
        accounts = self._uow.account_rows
        account = _existing(accounts.get(entry.account_id), entry.account_id)
        code = account.code
        if account.status is not AccountStatus.ACTIVE:
            raise AssertionError(f"account {code} is {account.status.value} and accepts no entries")
        if entry.asset != account.asset.code:
            raise AssertionError(f"account {code} holds {account.asset.code}, not {entry.asset}")
        if entry.seq != account.last_seq + 1:
            raise AssertionError(f"entry {entry.seq} of account {code} does not follow {account.last_seq}")
        balances = account.balances.moved(entry.layer, entry.side, entry.amount)
        booked = replace(account, balances=balances, last_seq=entry.seq)
        if entry.balance_after != booked.posted_balance:
            raise AssertionError(f"entry {entry.seq} of account {code} is off: {booked.posted_balance}")
        accounts.update(account.id, booked)

    def _append(self, transfer_id: UUID, entries: Sequence[Entry]) -> None:
        self._uow.periods.refuse_closed(transfer_id, entries)  # the trigger's RZ120
        journal = self._uow.journal()
        taken = {(e.account_id, e.seq) for e in journal}
        lines = {(e.transfer_id, e.layer, e.line) for e in journal}
        for entry in entries:
            if entry.transfer_id != transfer_id:
                raise AssertionError(f"an entry of transfer {entry.transfer_id} is stored with {transfer_id}")
            if entry.seq < 1 or (entry.account_id, entry.seq) in taken:
                raise UniqueViolation(f"entry {entry.seq} of account {entry.account_id} already exists")
            if (entry.transfer_id, entry.layer, entry.line) in lines:
                raise UniqueViolation(f"line {entry.line} of transfer {transfer_id} is written twice")
            taken.add((entry.account_id, entry.seq))
            lines.add((entry.transfer_id, entry.layer, entry.line))
            self._book(entry)
            self._uow.new_entries.append(entry)

    def query(self, where: TransferFilter, *, after: TransferCursor | None, limit: int) -> list[Transfer]:
        found = [
            t
            for t in self._table.rows()
            if where.matches(t) and (after is None or (where.instant(t), t.id) < (after.at, after.id))
        ]
        found.sort(key=lambda t: (where.instant(t), t.id), reverse=True)
        return [copy.deepcopy(t) for t in found[:limit]]

    def lock_due(self, at: datetime, limit: int) -> list[Transfer]:
        due = sorted(
            (
                (t.timeout_at, t.id)
                for t in self._table.rows()
                if t.status is TransferStatus.PENDING and t.timeout_at is not None and t.timeout_at <= at
            ),
        )
        locked = (i for _, i in due if self._uow.acquire("transfer", i, skip_locked=True))
        return [t for i in itertools.islice(locked, limit) if (t := self.get(i)) is not None]


class FakeApiKeys:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _table(self) -> _Table[UUID, ApiKey]:
        self._uow.ensure_open()
        return self._uow.api_key_rows

    def add(self, key: ApiKey) -> None:
        self._table.insert(key.id, key)

    def get(self, key_id: UUID) -> ApiKey | None:
        return self._table.get(key_id)

    def all(self) -> list[ApiKey]:
        return sorted(self._table.rows(), key=lambda k: (k.created_at, k.id))

    def revoke(self, key_id: UUID, at: datetime) -> bool:
        """Mark the key revoked (an earlier revocation keeps its time); False if there is no such key."""
        key = self._table.get(key_id)
        if key is None:
            return False
        if key.revoked_at is None:
            self._table.update(key_id, replace(key, revoked_at=at))
        return True


class FakeInterest:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def policies(self, account_id: UUID) -> list[InterestPolicy]:
        self._uow.ensure_open()
        found = [p for p in self._uow.policy_rows.rows() if p.account_id == account_id]
        return sorted(found, key=lambda p: p.effective_from)

    def put_policy(self, policy: InterestPolicy, at: datetime) -> None:
        self._uow.ensure_open()
        self._uow.policy_rows.update((policy.account_id, policy.effective_from), policy)

    def policies_of(self, account_ids: Collection[UUID]) -> dict[UUID, list[InterestPolicy]]:
        self._uow.ensure_open()
        return {a: found for a in account_ids if (found := self.policies(a))}

    def accrued_days_of(self, account_ids: Collection[UUID], start: date, end: date) -> dict[UUID, set[date]]:
        self._uow.ensure_open()
        found: dict[UUID, set[date]] = {}
        for accrual, _ in self._uow.accrual_rows.rows():
            if accrual.account_id in account_ids and start <= accrual.day <= end:
                found.setdefault(accrual.account_id, set()).add(accrual.day)
        return found

    def balances_as_of(
        self, account_ids: Collection[UUID], instants: Collection[datetime]
    ) -> dict[tuple[UUID, datetime], int]:
        accounts = FakeAccounts(self._uow)
        return {(a, at): accounts.balance_as_of(a, at) for a in account_ids for at in instants}

    def add_accruals(self, accruals: Sequence[tuple[Accrual, UUID | None]], at: datetime) -> None:
        self._uow.ensure_open()
        for accrual, transfer_id in accruals:
            self._uow.accrual_rows.insert((accrual.account_id, accrual.day), (accrual, transfer_id))

    def link_accruals(self, links: Sequence[tuple[UUID, date, date, UUID]]) -> None:
        self._uow.ensure_open()
        for account_id, first, last, transfer_id in links:
            for accrual, named in self._uow.accrual_rows.rows():
                if accrual.account_id == account_id and first <= accrual.day <= last and named is None:
                    self._uow.accrual_rows.update((account_id, accrual.day), (accrual, transfer_id))

    def carries(self, account_ids: Collection[UUID]) -> dict[UUID, Carried]:
        self._uow.ensure_open()
        return {a: row for a in account_ids if (row := self._uow.carry_rows.get(a)) is not None}

    def set_carries(self, carries: Sequence[tuple[UUID, Carried]], at: datetime) -> None:
        self._uow.ensure_open()
        for account_id, carried in carries:
            self._uow.carry_rows.update(account_id, carried)

    def accounts_with_policies(self, after_id: UUID | None, limit: int) -> list[UUID]:
        self._uow.ensure_open()
        ids = sorted({p.account_id for p in self._uow.policy_rows.rows()})
        return [i for i in ids if after_id is None or i > after_id][:limit]


class FakeJobs:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _table(self) -> _Table[UUID, Job]:
        self._uow.ensure_open()
        return self._uow.job_rows

    def add(self, job: Job) -> None:
        self._table.insert(job.id, copy.deepcopy(job))

    def get(self, job_id: UUID) -> Job | None:
        return copy.deepcopy(self._table.get(job_id))

    def lock(self, job_id: UUID) -> Job | None:
        job = self._table.get(job_id)
        if job is not None:
            self._uow.acquire("job", job_id)
        return copy.deepcopy(job)

    def save(self, job: Job) -> None:
        if not self._uow.holds("job", job.id):
            raise AssertionError(f"job {job.id} is saved without being locked first")
        self._table.update(job.id, copy.deepcopy(job))


class FakeLedgerScan:
    """The committed rows, in the order the SQL scans give them."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def snapshot(self) -> None:
        self._uow.ensure_open()

    def journal(
        self,
        after_id: UUID | None = None,
        limit: int | None = None,
        *,
        resume_seq: int | None = None,
        max_rows: int | None = None,
    ) -> Iterator[tuple[StoredAccount, JournalLine | None]]:
        rows = self._journal(after_id, limit, resume_seq)
        return rows if max_rows is None else itertools.islice(rows, max_rows)

    def _journal(
        self, after_id: UUID | None, limit: int | None, resume_seq: int | None
    ) -> Iterator[tuple[StoredAccount, JournalLine | None]]:
        store = self._uow.store
        by_account: dict[UUID, list[Entry]] = defaultdict(list)
        for entry in store.entries:
            by_account[entry.account_id].append(entry)
        resumed = (
            [after_id]
            if resume_seq is not None and after_id is not None and after_id in store.accounts
            else []
        )
        page = resumed + _page(store.accounts, after_id, None if limit is None else limit - len(resumed))
        for account_id in page:
            a = store.accounts[account_id]
            stored = StoredAccount(a.id, a.asset.code, a.normal_side, a.min_balance, a.balances, a.last_seq)
            after_seq = resume_seq if account_id in resumed and resume_seq is not None else 0
            lines = sorted(
                (e for e in by_account.get(account_id, []) if e.seq > after_seq), key=lambda e: e.seq
            )
            if not lines:
                yield stored, None
            for e in lines:
                status = store.transfers[e.transfer_id].status
                yield (
                    stored,
                    JournalLine(
                        a.id,
                        e.seq,
                        e.transfer_id,
                        e.layer,
                        e.side,
                        e.amount,
                        e.asset,
                        e.balance_after,
                        status,
                    ),
                )

    def transfer_sums(self, after_id: UUID | None = None, limit: int | None = None) -> Iterator[TransferSums]:
        store = self._uow.store
        sums: dict[UUID, dict[tuple[Layer, str], list[int]]] = defaultdict(dict)
        for e in store.entries:
            pair = sums[e.transfer_id].setdefault((e.layer, e.asset), [0, 0])
            pair[0 if e.side is Side.DEBIT else 1] += e.amount
        for transfer_id in _page(store.transfers, after_id, limit):
            status = store.transfers[transfer_id].status
            groups = sums.get(transfer_id)
            if not groups:
                yield TransferSums(transfer_id, status, None, None, 0, 0)
            for (layer, asset), (debits, credits) in sorted((groups or {}).items()):
                yield TransferSums(transfer_id, status, layer, asset, debits, credits)

    def counts(self) -> tuple[int, int]:
        return len(self._uow.store.accounts), len(self._uow.store.transfers)

    def open_holds(self, account_id: UUID, through_seq: int) -> tuple[int, int]:
        store, held = self._uow.store, [0, 0]
        for e in store.entries:
            open_ = (
                e.layer is Layer.PENDING and store.transfers[e.transfer_id].status is TransferStatus.PENDING
            )
            if e.account_id == account_id and e.seq <= through_seq and open_:
                held[0 if e.side is Side.DEBIT else 1] += e.amount
        return held[0], held[1]


def _page(ids: Iterable[UUID], after_id: UUID | None, limit: int | None) -> list[UUID]:
    """The ids above `after_id`, ascending, at most `limit` (as the SQL scans page)."""
    found = sorted(i for i in ids if after_id is None or i > after_id)
    return found if limit is None else found[:limit]


class FakeMonitors:
    """`application.monitors.MonitorRepository`: monitors are read as copies, ordered as the database's
    index orders them (account, created_at, id)."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def _rows(self) -> list[Monitor]:
        self._uow.ensure_open()
        found = [m for m in self._uow.monitor_rows.rows() if m is not None]
        return sorted(found, key=lambda m: (m.account_id, m.created_at, m.id))

    def add(self, monitor: Monitor) -> None:
        self._uow.ensure_open()
        if self._uow.account_rows.get(monitor.account_id) is None:
            raise AssertionError(f"monitor {monitor.id}: account {monitor.account_id} does not exist")
        self._uow.monitor_rows.insert(monitor.id, copy.deepcopy(monitor))

    def get(self, account_id: UUID, monitor_id: UUID) -> Monitor | None:
        self._uow.ensure_open()
        found = self._uow.monitor_rows.get(monitor_id)
        return copy.deepcopy(found) if found is not None and found.account_id == account_id else None

    def of_account(self, account_id: UUID) -> list[Monitor]:
        return [copy.deepcopy(m) for m in self._rows() if m.account_id == account_id]

    def of_accounts(self, account_ids: Iterable[UUID]) -> list[Monitor]:
        wanted = set(account_ids)
        return [copy.deepcopy(m) for m in self._rows() if m.account_id in wanted]

    def save(self, monitors: Iterable[Monitor]) -> None:
        table = self._uow.monitor_rows
        for monitor in monitors:
            stored = table.get(monitor.id)
            if stored is None:
                raise AssertionError(f"monitor {monitor.id} is saved but does not exist")
            # Only the state is written (the database's grant: UPDATE (triggered, triggered_at)).
            table.update(
                monitor.id, replace(stored, triggered=monitor.triggered, triggered_at=monitor.triggered_at)
            )

    def delete(self, monitor_id: UUID) -> None:
        self._uow.ensure_open()
        self._uow.monitor_rows.update(monitor_id, None)


class FakeEvents:
    """`application.events.EventLog` and `application.feed.EventFeed` over the store's outbox."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def add(self, events: Sequence[Event]) -> None:
        self._uow.ensure_open()
        self._uow.new_events.extend(events)

    def read(self, where: EventFilter, after: Position, limit: int) -> FeedRead:
        self._uow.ensure_open()
        store = self._uow.store
        found = [
            e
            for e in store.events
            if e.position > after
            and (where.types is None or e.type in where.types)
            and (where.account_id is None or where.account_id in e.account_ids)
        ]
        return FeedRead(found[:limit], Position(store.last_txid + 1, 0), store.event_horizon)

    def prune(self, before: datetime, limit: int) -> int:
        """Delete the oldest events (at most `limit`) up to the first that occurred at or after `before`."""
        self._uow.ensure_open()
        store = self._uow.store
        doomed = list(itertools.takewhile(lambda e: e.occurred_at < before, store.events[:limit]))
        if doomed:
            del store.events[: len(doomed)]
            store.event_horizon = doomed[-1].position
        return len(doomed)


def _json_value(value: object) -> str:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _stored(event: Event, position: Position) -> StoredEvent:
    """An event as the database keeps it: an id, a position, and its data as JSON."""
    return StoredEvent(
        id=uuid.uuid4(),
        position=position,
        type=event.type.value,
        occurred_at=event.occurred_at,
        account_ids=event.account_ids,
        transfer_id=event.transfer_id,
        job_id=event.job_id,
        data=json.loads(json.dumps(event.data, default=_json_value)),
    )


# --- accounting periods ----------------------------------------------------------------------------

#: The row lock that stands for `SqlPeriodRepository.serialize`'s advisory lock.
_PERIODS_LOCK = UUID(int=0)


class FakePeriods:
    """`application.periods.PeriodRepository`: closes read as copies, newest first as the SQL lists them.
    `refuse_closed` is the trigger `entries_book`'s rule (RZ120): entries dated in an active close's
    period are refused with `period_closed`, as the SQL unit of work translates the database's refusal;
    the snapshot sums the posted journal by value date, as `account_value_days` does."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def _rows(self) -> list[PeriodClose]:
        self._uow.ensure_open()
        return self._uow.close_rows.rows()

    def closed_through(self) -> ClosedPeriods:
        return ClosedPeriods.of((c.asset, c.through) for c in self._rows() if c.active)

    def active(self) -> list[PeriodClose]:
        return [copy.deepcopy(c) for c in self._rows() if c.active]

    def get(self, close_id: UUID) -> PeriodClose | None:
        self._uow.ensure_open()
        return copy.deepcopy(self._uow.close_rows.get(close_id))

    def serialize(self) -> None:
        self._uow.acquire("periods", _PERIODS_LOCK)

    def hold_writers(self) -> datetime | None:
        self._uow.ensure_open()
        return None  # the caller's clock is the journal's

    def add(self, close: PeriodClose) -> None:
        for other in self._rows():  # the partial unique index: one active close per scope and day
            if other.active and (other.asset, other.through) == (close.asset, close.through):
                raise UniqueViolation(
                    f"{close.asset or 'the ledger'} is closed through {close.through} already"
                )
        self._uow.close_rows.insert(close.id, copy.deepcopy(close))

    def save(self, close: PeriodClose) -> None:
        self._uow.ensure_open()
        self._uow.close_rows.update(close.id, copy.deepcopy(close))

    def query(self, *, after: PeriodCursor | None, limit: int) -> list[PeriodClose]:
        found = sorted(self._rows(), key=lambda c: (c.closed_at, c.id), reverse=True)
        if after is not None:
            found = [c for c in found if (c.closed_at, c.id) < (after.closed_at, after.id)]
        return [copy.deepcopy(c) for c in found[:limit]]

    def write_snapshot(self, close: PeriodClose) -> int:
        self._uow.ensure_open()
        snapshots = self._uow.snapshot_rows
        if snapshots.get(close.id) is None:
            snapshots.insert(close.id, self._sums(close))
        return len(snapshots.get(close.id) or ())

    def _sums(self, close: PeriodClose) -> tuple[PeriodBalance, ...]:
        sums: dict[UUID, list[int]] = defaultdict(lambda: [0, 0])
        end = end_of(close.through)
        for e in self._uow.journal():
            transfer = self._uow.transfer_rows.get(e.transfer_id)
            in_scope = close.asset is None or e.asset == close.asset
            if e.layer is Layer.POSTED and in_scope and transfer is not None and transfer.effective_at < end:
                sums[e.account_id][0 if e.side is Side.DEBIT else 1] += e.amount
        balances = []
        for account_id in sorted(sums):
            a = _existing(self._uow.account_rows.get(account_id), account_id)
            debits, credits = sums[account_id]
            balances.append(PeriodBalance(a.id, a.code, a.asset.code, a.normal_side, debits, credits))
        return tuple(balances)

    def snapshot_sizes(self, close_ids: Iterable[UUID]) -> dict[UUID, int]:
        self._uow.ensure_open()
        found = {i: self._uow.snapshot_rows.get(i) for i in close_ids}
        return {i: len(rows) for i, rows in found.items() if rows is not None}

    def balances(self, close_id: UUID, *, after: UUID | None, limit: int) -> list[PeriodBalance]:
        self._uow.ensure_open()
        rows = self._uow.snapshot_rows.get(close_id) or ()
        return [b for b in rows if after is None or b.account_id > after][:limit]

    def refuse_closed(self, transfer_id: UUID, entries: Sequence[Entry]) -> None:
        """What `entries_book` refuses with RZ120: an entry dated on or before an active close's day."""
        transfer = self._uow.transfer_rows.get(transfer_id)
        if transfer is None or not entries:
            return
        closed = self.closed_through()
        for asset in sorted({e.asset for e in entries}):
            ensure_open(transfer.effective_at, asset, closed, transfer_id=transfer_id)


# --- categories and the balances of groups (`application.categories`, `application.groups`) ---------


class _Members(_Table[tuple[UUID, UUID], bool]):
    """The memberships as a unit of work sees them: `store.account_categories` (a set of (category,
    account)) overlaid with its own writes, True to add and False to remove, applied on commit."""

    def __init__(self, store: InMemoryStore) -> None:
        super().__init__("category member", {}, idempotency_key=False)
        self.memberships = store.account_categories

    def get(self, key: tuple[UUID, UUID]) -> bool | None:
        return self.written.get(key, key in self.memberships)

    def publish(self) -> None:
        for key, member in self.written.items():
            if member:
                self.memberships.add(key)
            else:
                self.memberships.discard(key)
        self.discard()


#: The row lock that stands for `LOCK TABLE categories IN SHARE ROW EXCLUSIVE MODE` (`serialize`).
_CATEGORIES_LOCK = UUID(int=1)


class FakeCategories:
    """`application.categories.CategoryRepository`. A second code is refused like the unique key
    `categories_code_key` (retryable: an idempotency key); `serialize` is a lock another open unit of
    work conflicts with, as the table lock makes it wait."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def _rows(self) -> list[Category]:
        self._uow.ensure_open()
        return self._uow.category_rows.rows()

    def add(self, category: Category) -> None:
        if self.get_by_code(category.code) is not None:
            raise RetryableConflict(f"category code {category.code} already exists")
        self._uow.category_rows.insert(category.id, copy.deepcopy(category))

    def get(self, category_id: UUID) -> Category | None:
        self._uow.ensure_open()
        return copy.deepcopy(self._uow.category_rows.get(category_id))

    def get_by_code(self, code: str) -> Category | None:
        return copy.deepcopy(next((c for c in self._rows() if c.code == code), None))

    def serialize(self) -> None:
        self._uow.acquire("categories", _CATEGORIES_LOCK)

    def lineage(self, category_id: UUID) -> CategoryTree:
        parents = {c.id: c.parent_id for c in self._rows()}
        return CategoryTree({i: parents.get(i) for i in CategoryTree(parents).lineage(category_id)})

    def save(self, category: Category) -> None:
        stored = self.get(category.id)
        if stored is None:
            raise AssertionError(f"category {category.id} is saved without being read first")
        if category.parent_id is not None and CategoryTree(
            {c.id: c.parent_id for c in self._rows()} | {category.id: category.parent_id}
        ).is_within(category.parent_id, category.id):
            raise AssertionError("the trigger categories_tree would refuse this cycle (RZ121)")
        self._uow.category_rows.update(category.id, copy.deepcopy(category))

    def query(self, *, after_code: str | None, limit: int) -> list[Category]:
        found = sorted(
            (c for c in self._rows() if after_code is None or c.code > after_code), key=lambda c: c.code
        )
        return [copy.deepcopy(c) for c in found[:limit]]

    def _members(self) -> set[tuple[UUID, UUID]]:
        self._uow.ensure_open()
        table = self._uow.member_rows
        return {key for key in table.memberships | set(table.written) if table.get(key)}

    def add_member(self, category_id: UUID, account_id: UUID) -> bool:
        if (category_id, account_id) in self._members():
            return False
        self._uow.member_rows.update((category_id, account_id), True)
        return True

    def remove_member(self, category_id: UUID, account_id: UUID) -> bool:
        if (category_id, account_id) not in self._members():
            return False
        self._uow.member_rows.update((category_id, account_id), False)
        return True

    def members(self, category_id: UUID, *, after: UUID | None, limit: int) -> list[Account]:
        ids = sorted(a for c, a in self._members() if c == category_id and (after is None or a > after))
        return [_existing(self._uow.account_rows.get(i), i) for i in ids[:limit]]


class FakeGroups:
    """`application.groups.GroupRepository`, computed from the accounts and the journal as the SQL
    statement defines it (`adapters.db.groups`)."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def _posted(self, account: Account, as_of: datetime, basis: Basis) -> int:
        accounts = self._uow.accounts
        if basis is Basis.EFFECTIVE:
            return posted_from_net(accounts.value_net(account.id, as_of), account.normal_side)
        return accounts.balance_as_of(account.id, as_of)

    def _totals(self, found: Iterable[Account], as_of: datetime | None, basis: Basis) -> list[GroupTotals]:
        by_asset: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        for a in found:
            sums = by_asset[a.asset.code]
            sums[0] += 1
            if as_of is None:
                sums[1] += a.posted_balance
                sums[2] += a.balances.pending_debits
                sums[3] += a.balances.pending_credits
                sums[4] += a.available_balance
            else:
                sums[1] += self._posted(a, as_of, basis)
        return [
            GroupTotals(code, n, posted, *((None, None, None) if as_of is not None else (pd, pc, available)))
            for code, (n, posted, pd, pc, available) in sorted(by_asset.items())
        ]

    def prefix_rows(
        self, prefix: str, *, as_of: datetime | None, basis: Basis, after: str | None, limit: int
    ) -> list[GroupRow]:
        self._uow.ensure_open()
        found = [a for a in self._uow.account_rows.rows() if a.code.startswith(prefix)]
        children: dict[str, list[Account]] = defaultdict(list)
        for a in found:
            children[a.code[len(prefix) :].split(":", 1)[0]].append(a)
        page = sorted(c for c in children if after is None or c > after)[:limit]
        rows = [GroupRow(None, t) for t in self._totals(found, as_of, basis)]
        return rows + [GroupRow(c, t) for c in page for t in self._totals(children[c], as_of, basis)]

    def category_rows(
        self, category_id: UUID, *, as_of: datetime | None, basis: Basis, descendants: bool
    ) -> list[GroupRow]:
        categories = self._uow.categories
        tree = CategoryTree({c.id: c.parent_id for c in categories._rows()})
        members = categories._members()

        def accounts_of(root: UUID) -> list[Account]:
            scope = {root} | (tree.descendants(root) if descendants else set())
            ids = sorted({a for c, a in members if c in scope})
            return [_existing(self._uow.account_rows.get(i), i) for i in ids]

        rows = [GroupRow(None, t) for t in self._totals(accounts_of(category_id), as_of, basis)]
        for child in self.subcategories(category_id):
            rows += [GroupRow(str(child.id), t) for t in self._totals(accounts_of(child.id), as_of, basis)]
        return rows

    def category(self, category_id: UUID) -> Category | None:
        return self._uow.categories.get(category_id)

    def subcategories(self, category_id: UUID) -> list[Category]:
        found = [c for c in self._uow.categories._rows() if c.parent_id == category_id]
        return [copy.deepcopy(c) for c in sorted(found, key=lambda c: c.code)]


# --- time and identifiers --------------------------------------------------------------------------


class FakeClock:
    """A clock that stands still until told to move. Always time-zone aware (UTC)."""

    def __init__(self, start: datetime = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)) -> None:
        if start.tzinfo is None:
            raise ValueError("the fake clock needs a time-zone aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("the fake clock needs a time-zone aware time")
        self._now = at.astimezone(UTC)


class SequentialIds:
    """Deterministic, ascending UUIDs: `<namespace>-0000-4000-8000-<n>` for n = 1, 2, 3, ...

    Give each test its own `namespace` when they share a database, so that ids never collide.
    """

    def __init__(self, namespace: int = 0) -> None:
        if not 0 <= namespace < 2**32:
            raise ValueError("the namespace must fit in 32 bits")
        self._namespace = namespace
        self._count = 0

    def new_id(self) -> UUID:
        self._count += 1
        return UUID(f"{self._namespace:08x}-0000-4000-8000-{self._count:012x}")


class FakeStatements:
    """Implements `application.statements.StatementRepository` over the store."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def lock_imports(self, account_id: UUID) -> None:
        self._uow.acquire("statement imports", account_id)

    def get(self, statement_id: UUID) -> Statement | None:
        self._uow.ensure_open()
        return self._uow.statement_rows.get(statement_id)

    def known_external_ids(self, account_id: UUID, external_ids: Sequence[str]) -> set[str]:
        self._uow.ensure_open()
        rows = self._uow.statement_line_rows
        return {e for e in external_ids if rows.get((account_id, e)) is not None}

    def add(self, statement: Statement, lines: Sequence[BankLine]) -> None:
        self._uow.ensure_open()
        self._uow.statement_rows.insert(statement.id, statement)
        for line in lines:
            if line.amount <= 0 or line.account_id != statement.account_id:
                raise AssertionError(f"line {line.line_no} breaks a check of statement_lines")
            self._uow.statement_line_rows.insert((line.account_id, line.external_id), line)

    def query(self, *, account_id: UUID | None, after: StatementCursor | None, limit: int) -> list[Statement]:
        self._uow.ensure_open()
        rows = [
            s for s in self._uow.statement_rows.rows() if account_id is None or s.account_id == account_id
        ]
        rows.sort(key=lambda s: (s.imported_at, s.id), reverse=True)
        if after is not None:
            rows = [s for s in rows if (s.imported_at, s.id) < (after.imported_at, after.id)]
        return rows[:limit]

    def lines(self, statement_id: UUID, *, after_line: int | None, limit: int) -> list[BankLine]:
        self._uow.ensure_open()
        rows = [
            line
            for line in self._uow.statement_line_rows.rows()
            if line.statement_id == statement_id and line.line_no > (after_line or 0)
        ]
        return sorted(rows, key=lambda line: line.line_no)[:limit]


class FakeCsvMappings:
    """Implements `application.statements.CsvMappingRepository` over the store."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def get(self, name: str) -> CsvMapping | None:
        self._uow.ensure_open()
        return self._uow.csv_mapping_rows.get(name)

    def add(self, mapping: CsvMapping, at: datetime) -> bool:
        self._uow.ensure_open()
        if self._uow.csv_mapping_rows.get(mapping.name) is not None:
            return False
        self._uow.csv_mapping_rows.insert(mapping.name, mapping)
        return True

    def query(self, *, after_name: str | None, limit: int) -> list[CsvMapping]:
        self._uow.ensure_open()
        rows = sorted(self._uow.csv_mapping_rows.rows(), key=lambda m: m.name)
        return [m for m in rows if after_name is None or m.name > after_name][:limit]


# --- reconciliation (application.reconciliation) ------------------------------------------------------


class FakeRecon:
    """The reconciliation's store and ledger window in memory: statements and their lines, the mirror
    accounts' posted entries (as `domain.reconciliation.LedgerItem`s, by account), rules, runs, results
    and matches. `uow()` gives a unit of work (`recon`, `events`) whose changes are kept only on
    `commit()`; the fake itself is the `LedgerWindow`."""

    def __init__(self) -> None:
        self.statements: dict[UUID, recon_app.StatementInfo] = {}
        self.lines: dict[UUID, list[recon_domain.BankLine]] = {}
        self.entries: dict[UUID, list[recon_domain.LedgerItem]] = {}
        self.rules: dict[UUID, recon_app.SavedRule] = {}
        self.runs: dict[UUID, recon_app.Run] = {}
        self.results: dict[tuple[UUID, str, str], recon_app.ResultRow] = {}
        self.matches: dict[UUID, recon_app.MatchRecord] = {}
        self.events: list[Event] = []
        #: Calls of `items` (the ledger window), for tests that count reads.
        self.window_reads = 0

    def uow(self) -> FakeReconUnitOfWork:
        return FakeReconUnitOfWork(self)

    # the ledger window
    def _held_entries(self, run_id: UUID | None) -> set[str]:
        return {
            key
            for m in self.matches.values()
            if m.active and (m.run_id is None or m.run_id != run_id)
            for key in m.entries
        }

    def items(
        self,
        account_id: UUID,
        first: date,
        last: date,
        rule: recon_domain.Rule,
        run_id: UUID | None,
        chunk: int,
    ) -> list[recon_domain.LedgerItem]:
        self.window_reads += 1
        held = self._held_entries(run_id)
        earlier = {
            key
            for (run, side, key), row in self.results.items()
            if run == run_id and side == recon_app.LEDGER and row.chunk < chunk
        }
        return [
            item
            for item in self.entries.get(account_id, [])
            if first <= item.value_date <= last and item.key not in held and item.key not in earlier
        ]


class FakeReconUnitOfWork:
    def __init__(self, fake: FakeRecon) -> None:
        self._fake = fake
        self._saved: dict[str, Any] | None = None
        self.recon = FakeReconRepository(fake)
        self.events = self

    def add(self, events: Sequence[Event]) -> None:
        self._fake.events.extend(events)

    def __enter__(self) -> Self:
        names = ("rules", "runs", "results", "matches", "events")
        self._saved = {name: copy.deepcopy(getattr(self._fake, name)) for name in names}
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._saved is not None:  # not committed: back to what it was
            for name, value in self._saved.items():
                setattr(self._fake, name, value)
        self._saved = None

    def commit(self) -> None:
        self._saved = None


class FakeReconRepository:
    """Implements `application.reconciliation.ReconRepository` over `FakeRecon`."""

    def __init__(self, fake: FakeRecon) -> None:
        self._f = fake

    def add_rule(self, saved: recon_app.SavedRule) -> None:
        if any(r.name == saved.name for r in self._f.rules.values()):
            raise InvalidState(f"a reconciliation rule named {saved.name!r} exists")
        self._f.rules[saved.id] = saved

    def get_rule(self, rule_id: UUID) -> recon_app.SavedRule | None:
        return self._f.rules.get(rule_id)

    def list_rules(self, after: str | None, limit: int) -> list[recon_app.SavedRule]:
        ordered = sorted(self._f.rules.values(), key=lambda r: r.name)
        return [r for r in ordered if after is None or r.name > after][:limit]

    def statement(self, statement_id: UUID) -> recon_app.StatementInfo | None:
        return self._f.statements.get(statement_id)

    def line_days(self, statement_id: UUID) -> list[tuple[date, int]]:
        days: dict[date, int] = defaultdict(int)
        for line in self._f.lines.get(statement_id, []):
            days[line.value_date] += 1
        return sorted(days.items())

    def _line_held(self, statement_id: UUID, line_no: int, run_id: UUID | None, *, any_match: bool) -> bool:
        return any(
            m.active
            and (statement_id, line_no) in m.lines
            and (any_match or m.run_id is None or m.run_id != run_id)
            for m in self._f.matches.values()
        )

    def lines(
        self, statement_id: UUID, first: date, last: date, run_id: UUID
    ) -> tuple[list[recon_domain.BankLine], int]:
        chosen = [line for line in self._f.lines.get(statement_id, []) if first <= line.value_date <= last]
        free = [
            line
            for line in chosen
            if not self._line_held(statement_id, line.line_no, run_id, any_match=False)
        ]
        return sorted(free, key=lambda line: line.line_no), len(chosen) - len(free)

    def line(self, statement_id: UUID, line_no: int) -> tuple[recon_domain.BankLine, bool] | None:
        for line in self._f.lines.get(statement_id, []):
            if line.line_no == line_no:
                return line, self._line_held(statement_id, line_no, None, any_match=True)
        return None

    def line_numbers(self, statement_id: UUID, line_nos: Sequence[int]) -> list[int]:
        return [line.line_no for line in self._f.lines.get(statement_id, []) if line.line_no in set(line_nos)]

    def entries_of(self, account_id: UUID, transfer_ids: Sequence[UUID]) -> list[str]:
        wanted = {str(t) for t in transfer_ids}
        return [i.key for i in self._f.entries.get(account_id, []) if i.key.split(":")[0] in wanted]

    def add_run(self, run: recon_app.Run) -> None:
        self._f.runs[run.id] = copy.deepcopy(run)

    def get_run(self, run_id: UUID) -> recon_app.Run | None:
        return copy.deepcopy(self._f.runs.get(run_id))

    def save_run(self, run: recon_app.Run) -> None:
        self._f.runs[run.id] = copy.deepcopy(run)

    def record(
        self,
        run: recon_app.Run,
        rows: Sequence[recon_app.ResultRow],
        matches: Sequence[recon_app.MatchRecord],
    ) -> None:
        for m in matches:
            self._f.matches.setdefault(m.id, m)
        for row in rows:
            self._f.results.setdefault((run.id, row.side, row.key), row)

    def results(
        self, run: recon_app.Run, side: str, state: str | None, after: str | None, limit: int
    ) -> list[recon_app.ResultRow]:
        rows = sorted(
            (row for (r, s, _), row in self._f.results.items() if r == run.id and s == side),
            key=lambda row: row.key,
        )
        return [
            row
            for row in rows
            if (state is None or row.state == state) and (after is None or row.key > after)
        ][:limit]

    def unmatched_entries(
        self, run: recon_app.Run, first: date, last: date, after: str | None, limit: int
    ) -> list[recon_app.ResultRow]:
        held = {key for m in self._f.matches.values() if m.active for key in m.entries}
        named = {key for (r, s, key) in self._f.results if r == run.id and s == recon_app.LEDGER}
        rows = [
            recon_app.ResultRow(recon_app.LEDGER, i.key, recon_app.UNMATCHED, i.value_date, i.amount)
            for i in self._f.entries.get(run.account_id, [])
            if first <= i.value_date <= last and i.key not in held and i.key not in named
        ]
        return sorted((r for r in rows if after is None or r.key > after), key=lambda r: r.key)[:limit]

    def add_match(self, record: recon_app.MatchRecord) -> None:
        for m in self._f.matches.values():
            if m.active and (set(m.lines) & set(record.lines) or set(m.entries) & set(record.entries)):
                raise InvalidState("a line or an entry of this match is in an active match already")
        self._f.matches[record.id] = record

    def get_match(self, match_id: UUID) -> recon_app.MatchRecord | None:
        return self._f.matches.get(match_id)

    def unmatch(self, match_id: UUID, by: str, at: datetime) -> None:
        self._f.matches[match_id] = replace(self._f.matches[match_id], unmatched_by=by, unmatched_at=at)
