"""The in-database execution mode: the write and read paths as calls of Razão's PL/Python functions.

Each operation is ONE round trip: a single `SELECT razao.<function>(expected_version => ..., ...)` on
a connection in autocommit mode, so the statement is its own transaction (no BEGIN, no COMMIT). The
function runs the same use case the app would (see plpython/razao_entry.py) and answers in the JSON
of `application.codec`, which is decoded here into the same domain objects.

Errors coming back:
- SQLSTATE RZ001: a domain rule refused the operation; raised here as the same `DomainError` subclass
  (by its code), with its detail, context and field issues;
- RZ002: the database runs another version of the code than this process: `DomainVersionMismatch`;
- RZ003: no (intact) code is deployed in the database: `DatabaseCodeUnavailable`;
- RZ004: the connection asks for kernel mode `required` (`razao.kernel`) and the server has no Rust kernel at
  the version the deployed code pins: `KernelUnavailable`;
- RZ120: the journal's trigger refused an entry in a closed accounting period that reached it past the
  function's own check (the store translates it to RZ001 `period_closed` first; this is the backstop);
- a retryable database error (unique violation on an idempotency key, serialization failure,
  deadlock): `RetryableConflict`, and the write path runs the call again with the same policy as
  `InAppWritePath` (`application.retry.retrying`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Engine, TextClause, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from adapters.db.errors import DatabaseUnavailable, as_refusal, as_retryable
from application import codec, groups, interest, journal, verification
from application.accounts import BalanceAsOf, BalanceHistory
from application.groups import CategoryBalance, PrefixBalance
from application.interest import AccrualSummary
from application.journal import JournalCursor, JournalLine
from application.pages import DEFAULT_LIMIT, Page, check_limit
from application.ports import ExecutionUnavailable, StatementLine
from application.retry import ATTEMPTS, retrying
from application.verification import VerificationPart
from domain.errors import DomainError
from domain.ledger import Outcome
from domain.reports import AssetTotals
from domain.time_basis import Basis, ValuePosition
from domain.transfers import ReversalRequest, Transfer, TransferRequest
from domain.values import check_timestamp
from domain.verification import AccountProgress, VerificationReport

T = TypeVar("T")

DOMAIN_ERROR = "RZ001"
VERSION_MISMATCH = "RZ002"
CODE_UNAVAILABLE = "RZ003"
KERNEL_UNAVAILABLE = "RZ004"


class DatabaseCodeError(ExecutionUnavailable):
    """The database cannot run this process's code (a deployment problem, not a client error)."""


class DomainVersionMismatch(DatabaseCodeError):
    """The code deployed in the database is another version than the one this process runs."""

    def __init__(self, expected: str, deployed: str | None) -> None:
        self.expected = expected
        self.deployed = deployed
        super().__init__(
            f"domain version mismatch: this application runs code version {expected[:12]} but the "
            f"database runs {(deployed or 'an unknown version')[:12]}; run the migrations "
            "(`razao db upgrade`) or deploy the application that matches the database"
        )


class DatabaseCodeUnavailable(DatabaseCodeError):
    """No code, or code that does not match its recorded version, is deployed in the database."""


class KernelUnavailable(DatabaseCodeError):
    """Kernel mode `required`, and the database's Python has no kernel at the version its code pins."""


def _sql(function: str, **casts: str) -> TextClause:
    """`SELECT razao.<function>(expected_version => :expected_version, name => CAST(:name AS type))`."""
    args = ["expected_version => CAST(:expected_version AS text)"]
    args += [f"{name} => CAST(:{name} AS {type_})" for name, type_ in casts.items()]
    return text(f"SELECT razao.{function}({', '.join(args)})")


_POST_TRANSFERS = _sql("post_transfers", requests="jsonb")
_POST_EACH = _sql("post_each", requests="jsonb")
_POST_PENDING = _sql("post_pending", transfer_id="uuid", amount="numeric")
_VOID_PENDING = _sql("void_pending", transfer_id="uuid")
_REVERSE = _sql("reverse_transfer", request="jsonb")
_EXPIRE_DUE = _sql("expire_due", max_count="integer")
_BALANCE_AS_OF = _sql("balance_as_of", account_id="uuid", at="timestamptz", basis="text")
_STATEMENT = _sql(
    "statement",
    account_id="uuid",
    start_at="timestamptz",
    end_at="timestamptz",
    after_seq="bigint",
    max_rows="integer",
)
_VALUE_STATEMENT = _sql(
    "value_statement",
    account_id="uuid",
    start_at="timestamptz",
    end_at="timestamptz",
    after_at="timestamptz",
    after_seq="bigint",
    max_rows="integer",
)
_HISTORY = _sql("history", account_id="uuid", first_day="date", last_day="date", basis="text")
_TRIAL_BALANCE = _sql("trial_balance", asset="text", basis="text", through="date")
_JOURNAL = _sql("journal", start_at="timestamptz", end_at="timestamptz", after="jsonb", max_rows="integer")
_GROUP_BALANCE = _sql(
    "group_balance", prefix="text", as_of="timestamptz", basis="text", after="text", max_rows="integer"
)
_CATEGORY_BALANCE = _sql(
    "category_balance", category_id="uuid", as_of="timestamptz", basis="text", descendants="boolean"
)
_ACCRUE_INTEREST = _sql("accrue_interest", account_ids="jsonb", start_day="date", end_day="date")
#: With `post_open` (the argument has a default: the call above is the same function's, and the one an
#: earlier deployment, without the argument, answers too).
_ACCRUE_INTEREST_OPEN = _sql(
    "accrue_interest", account_ids="jsonb", start_day="date", end_day="date", post_open="boolean"
)
_ACCOUNTS_WITH_POLICIES = _sql("accounts_with_policies", after_id="uuid", max_count="integer")
_VERIFY_LEDGER = _sql("verify_ledger")
_VERIFY_PART = _sql(
    "verify_part", phase="text", after_id="uuid", max_count="integer", progress="jsonb", max_rows="integer"
)


def _diagnostics(exc: DBAPIError) -> tuple[str | None, str | None, str | None]:
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    return (
        getattr(orig, "sqlstate", None),
        getattr(diag, "message_primary", None),
        getattr(diag, "message_detail", None),
    )


def _json_object(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def translate(exc: DBAPIError, expected_version: str) -> Exception | None:
    """What a database error from one of the functions means for the caller (None: leave it)."""
    sqlstate, message, detail = _diagnostics(exc)
    if sqlstate == DOMAIN_ERROR:
        return codec.error_from_dict(_json_object(detail) or {"detail": message})
    if sqlstate == VERSION_MISMATCH:
        deployed = _json_object(detail).get("deployed")
        return DomainVersionMismatch(expected_version, deployed if isinstance(deployed, str) else None)
    if sqlstate == CODE_UNAVAILABLE:
        return DatabaseCodeUnavailable(f"{message} ({detail})" if detail else str(message))
    if sqlstate == KERNEL_UNAVAILABLE:
        return KernelUnavailable(f"the database refuses to run without its kernel: {message}")
    return as_retryable(exc) or as_refusal(exc)


class _Functions:
    """Calls one function per round trip, each in its own transaction (autocommit)."""

    def __init__(self, engine: Engine, expected_version: str) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.expected_version = expected_version

    def call(self, statement: TextClause, **arguments: Any) -> Any:
        try:
            connection = self._engine.connect()
        except OperationalError as unreachable:
            raise DatabaseUnavailable(f"cannot connect to the database: {unreachable.orig}") from unreachable
        except PoolTimeout as busy:
            raise DatabaseUnavailable(f"no free database connection: {busy}") from busy
        try:
            with connection:
                parameters = {"expected_version": self.expected_version, **arguments}
                return connection.execute(statement, parameters).scalar_one()
        except DBAPIError as exc:
            error = translate(exc, self.expected_version)
            if error is None:
                raise
            raise error from exc


def _items(data: Any) -> Sequence[Mapping[str, Any]]:
    if not isinstance(data, list):
        raise TypeError(f"expected a JSON array from the database, got {type(data).__name__}")
    return data


class InDatabaseWritePath:
    """Implements `application.write_path.WritePath` with one PL/Python function call per operation."""

    def __init__(self, engine: Engine, expected_version: str, attempts: int = ATTEMPTS) -> None:
        self._functions = _Functions(engine, expected_version)
        self._attempts = attempts

    def _run(self, call: Callable[[], T]) -> T:
        return retrying(call, self._attempts)

    def post_transfers(self, requests: Sequence[TransferRequest]) -> list[Outcome]:
        body = codec.dumps([codec.transfer_request_to_dict(r) for r in requests])
        data = self._run(lambda: self._functions.call(_POST_TRANSFERS, requests=body))
        return [codec.outcome_from_dict(o) for o in _items(data)]

    def post_each(self, requests: Sequence[TransferRequest]) -> list[Outcome | DomainError]:
        body = codec.dumps([codec.transfer_request_to_dict(r) for r in requests])
        data = self._run(lambda: self._functions.call(_POST_EACH, requests=body))
        return [codec.result_from_dict(r) for r in _items(data)]

    def post_pending(self, transfer_id: UUID, amount: int | None = None) -> Outcome:
        data = self._run(lambda: self._functions.call(_POST_PENDING, transfer_id=transfer_id, amount=amount))
        return codec.outcome_from_dict(data)

    def void_pending(self, transfer_id: UUID) -> Outcome:
        data = self._run(lambda: self._functions.call(_VOID_PENDING, transfer_id=transfer_id))
        return codec.outcome_from_dict(data)

    def reverse(self, request: ReversalRequest) -> Outcome:
        body = codec.dumps(codec.reversal_request_to_dict(request))
        return codec.outcome_from_dict(self._run(lambda: self._functions.call(_REVERSE, request=body)))

    def expire_due(self, limit: int = 500) -> list[Transfer]:
        data = self._run(lambda: self._functions.call(_EXPIRE_DUE, max_count=limit))
        return [codec.transfer_from_dict(t) for t in _items(data)]


class InDatabaseReadPath:
    """Implements `application.read_path.ReadPath` with one PL/Python function call per read."""

    def __init__(self, engine: Engine, expected_version: str) -> None:
        self._functions = _Functions(engine, expected_version)

    def balance_as_of(self, account_id: UUID, at: datetime, basis: Basis = Basis.BOOKED) -> BalanceAsOf:
        check_timestamp(at, "as_of")  # a naive time would silently take the session's time zone
        data = self._functions.call(_BALANCE_AS_OF, account_id=account_id, at=at, basis=basis.value)
        # The database answers in its session time zone; give back the caller's instant as given.
        return replace(codec.balance_as_of_from_dict(data), as_of=at)

    def statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        after_seq: int | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[StatementLine, int]:
        check_limit(limit)  # an out-of-range page size must not become an integer overflow in SQL
        for value, name in ((start, "from"), (end, "to")):
            if value is not None:
                check_timestamp(value, name)
        data = self._functions.call(
            _STATEMENT, account_id=account_id, start_at=start, end_at=end, after_seq=after_seq, max_rows=limit
        )
        return codec.statement_page_from_dict(data)

    def value_statement(
        self,
        account_id: UUID,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        after: ValuePosition | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[StatementLine, ValuePosition]:
        check_limit(limit)
        for value, name in ((start, "from"), (end, "to")):
            if value is not None:
                check_timestamp(value, name)
        if after is not None:
            check_timestamp(after.effective_at, "cursor")
        data = self._functions.call(
            _VALUE_STATEMENT,
            account_id=account_id,
            start_at=start,
            end_at=end,
            after_at=None if after is None else after.effective_at,
            after_seq=None if after is None else after.seq,
            max_rows=limit,
        )
        return codec.value_statement_page_from_dict(data)

    def history(
        self, account_id: UUID, first: date, last: date, basis: Basis = Basis.BOOKED
    ) -> BalanceHistory:
        data = self._functions.call(
            _HISTORY, account_id=account_id, first_day=first, last_day=last, basis=basis.value
        )
        return codec.balance_history_from_dict(data)

    def trial_balance(
        self, asset: str | None = None, basis: Basis = Basis.BOOKED, through: date | None = None
    ) -> list[AssetTotals]:
        data = self._functions.call(_TRIAL_BALANCE, asset=asset, basis=basis.value, through=through)
        return [codec.asset_totals_from_dict(t) for t in _items(data)]

    def journal(
        self,
        start: datetime,
        end: datetime,
        *,
        after: JournalCursor | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[JournalLine, JournalCursor]:
        check_limit(limit)  # an out-of-range page size must not become an integer overflow in SQL
        journal.check_window(start, end)  # a naive time would silently take the session's time zone
        cursor = journal.cursor_to_dict(after)
        data = self._functions.call(
            _JOURNAL,
            start_at=start,
            end_at=end,
            after=None if cursor is None else codec.dumps(cursor),
            max_rows=limit,
        )
        return journal.page_from_dict(data)

    def group_balance(
        self,
        prefix: str,
        *,
        as_of: datetime | None = None,
        basis: Basis = Basis.BOOKED,
        after: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> PrefixBalance:
        check_limit(limit)  # an out-of-range page size must not become an integer overflow in SQL
        groups.check_prefix(prefix)  # NUL characters and the like must not reach the SQL text type
        if after is not None:
            groups.check_segment(after)
        if as_of is not None:
            check_timestamp(as_of, "as_of")  # a naive time would silently take the session's time zone
        data = self._functions.call(
            _GROUP_BALANCE, prefix=prefix, as_of=as_of, basis=basis.value, after=after, max_rows=limit
        )
        # The database answers in its session time zone; give back the caller's instant as given.
        return replace(groups.prefix_balance_from_dict(data), as_of=as_of)

    def category_balance(
        self,
        category_id: UUID,
        *,
        as_of: datetime | None = None,
        basis: Basis = Basis.BOOKED,
        descendants: bool = True,
    ) -> CategoryBalance:
        if as_of is not None:
            check_timestamp(as_of, "as_of")
        data = self._functions.call(
            _CATEGORY_BALANCE,
            category_id=category_id,
            as_of=as_of,
            basis=basis.value,
            descendants=descendants,
        )
        return replace(groups.category_balance_from_dict(data), as_of=as_of)


class InDatabaseBatchPath:
    """Implements `application.batch_path.BatchPath` with one PL/Python function call per chunk.

    A chunk of interest accrual is one statement, hence one transaction for all its accounts; a
    conflict with a concurrent write rolls it back and it runs again (idempotent per account and day).
    """

    def __init__(self, engine: Engine, expected_version: str, attempts: int = ATTEMPTS) -> None:
        self._functions = _Functions(engine, expected_version)
        self._attempts = attempts

    def accrue_interest(
        self, account_ids: Sequence[UUID], start: date, end: date, post_open: bool = False
    ) -> AccrualSummary:
        interest.check_range(start, end)
        ids = codec.dumps(sorted(str(i) for i in set(account_ids)))
        data = retrying(
            lambda: self._functions.call(
                _ACCRUE_INTEREST_OPEN if post_open else _ACCRUE_INTEREST,
                account_ids=ids,
                start_day=start,
                end_day=end,
                **({"post_open": True} if post_open else {}),
            ),
            self._attempts,
        )
        return interest.summary_from_dict(data)

    def accounts_with_policies(self, after_id: UUID | None, limit: int) -> list[UUID]:
        check_limit(limit)
        data = retrying(
            lambda: self._functions.call(_ACCOUNTS_WITH_POLICIES, after_id=after_id, max_count=limit),
            self._attempts,
        )
        return [UUID(i) for i in _items(data)]  # type: ignore[arg-type]

    def verify_ledger(self) -> VerificationReport:
        data = retrying(lambda: self._functions.call(_VERIFY_LEDGER), self._attempts)
        return verification.report_from_dict(data)

    def verify_part(
        self,
        phase: str,
        after_id: UUID | None,
        limit: int,
        *,
        progress: AccountProgress | None = None,
        max_rows: int = verification.PART_ROWS,
    ) -> VerificationPart:
        resume = verification.progress_to_dict(progress)
        data = retrying(
            lambda: self._functions.call(
                _VERIFY_PART,
                phase=phase,
                after_id=after_id,
                max_count=limit,
                progress=None if resume is None else codec.dumps(resume),
                max_rows=max_rows,
            ),
            self._attempts,
        )
        return verification.part_from_dict(data)
