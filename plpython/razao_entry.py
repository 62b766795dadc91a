"""Entry points of the in-database mode: the PL/Python functions `razao.<name>(...)` call these.

Each entry point runs the SAME application use case the app runs (`application.transfers`,
`application.accounts`, `application.reports`) over `razao_store.PlpyUnitOfWork`, with a clock that reads
the server's `clock_timestamp()` once, and answers in the JSON of `application.codec`.

Calling convention (see plpython/razao_loader.py and plpython/razao_functions.py): the generated SQL
function body calls `loader.call("razao_entry", "<name>", expected_version=..., **sql_args)`; the loader
checks the deployed code version (SQLSTATE RZ002 when it differs), drops `expected_version` and calls
`<name>(plpy, **sql_args)`. Arguments arrive as PL/Python gives them (jsonb, uuid, timestamptz: text;
numeric: Decimal; NULL: None); the return value is JSON text (the SQL functions return jsonb).

Errors: a `domain.errors.DomainError` becomes `plpy.error(detail, detail=<codec JSON of the error>,
sqlstate="RZ001")`; the app's `adapters.db.in_database` turns it back into the same error. The journal
trigger's refusal of an entry in a closed accounting period (RZ120) is `period_closed` like the use case's
own check (`razao_store.PlpyUnitOfWork`). Other database errors (unique violations, serialization
failures, deadlocks) propagate unchanged with their SQLSTATE; a use case's own `RetryableConflict` (a close
that committed between its check and its write, in `application.transfers.post_each`) is 40001.

Security context, for every function: SECURITY DEFINER, owned by razao_owner (a non-superuser that owns
the ledger's tables), `SET search_path = pg_catalog, public`, EXECUTE revoked from PUBLIC and granted to
razao_app only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from razao_store import PlpyUnitOfWork, TransactionClock, iso_date, iso_timestamp

from application import accounts, codec, groups, interest, journal, reports, transfers, verification
from application.ports import RetryableConflict
from domain import kernel
from domain.errors import DomainError, ValidationError
from domain.time_basis import Basis, ValuePosition

RZ001 = "RZ001"
#: What a use case's `RetryableConflict` becomes: the app's adapter retries a serialization failure.
SERIALIZATION_FAILURE = "40001"


def _answer(plpy: Any, work: Callable[[], Any]) -> str:
    """Run `work`, return its result as JSON text, or raise its `DomainError` as SQLSTATE RZ001 and a
    `RetryableConflict` the use case raised as 40001 (the caller runs the call again)."""
    try:
        result = work()
    except DomainError as error:
        plpy.error(error.detail, detail=codec.dumps(codec.error_to_dict(error)), sqlstate=RZ001)
        raise AssertionError("plpy.error returned") from error  # pragma: no cover - plpy.error raises
    except RetryableConflict as conflict:
        plpy.error(str(conflict), sqlstate=SERIALIZATION_FAILURE)
        raise AssertionError("plpy.error returned") from conflict  # pragma: no cover - plpy.error raises
    return codec.dumps(result)


def _uuid(value: str | None, field: str) -> UUID:
    if value is None:
        raise ValidationError.of(field, "is required")
    try:
        return UUID(str(value))
    except ValueError:
        raise ValidationError.of(field, "must be a UUID") from None


def _datetime(plpy: Any, value: str | None) -> datetime | None:
    """A timestamptz argument as a datetime. PL/Python hands it over as text in the session's
    DateStyle: ISO (the default) is parsed here; any other style is read back by PostgreSQL itself."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return iso_timestamp(plpy, value)


def _date(plpy: Any, value: str | None, field: str) -> date:
    """A date argument. PL/Python hands it over as text in the session's DateStyle: ISO (the default)
    is parsed here; any other style is read back by PostgreSQL itself."""
    if value is None:
        raise ValidationError.of(field, "is required")
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return iso_date(plpy, str(value))


def _amount(value: Decimal | int | None) -> int | None:
    """A numeric argument as an int; a fractional value is refused as the domain refuses it."""
    if value is None or isinstance(value, int):
        return value
    if value != value.to_integral_value():
        raise ValidationError.of("amount", "must be an integer number of minor units")
    return int(value)


def post_transfers(plpy: Any, requests: str) -> str:
    """Book one or more transfers atomically: all of them, or none.

    Inputs:  requests jsonb, an array of `codec.transfer_request_to_dict` objects (1 to 1,000).
    Outputs: jsonb, an array of `codec.outcome_to_dict` objects, one per request, in order
             (a replay of an earlier identical request has `"replayed": true` and no entries).
    Uses:    application.transfers.post_transfers, domain.ledger; reads and locks public.accounts
             (with public.assets), reads public.transfers and public.entries, inserts into
             public.transfers and public.entries (the triggers update accounts' balances) and the
             events into public.events (`transfer.posted` or `transfer.pending` each).
    Kernel:  razao_kernel.apply_batch (the batch's balances, limit checks, seqs and running balances; domain.ledger).
    Example: SELECT razao.post_transfers('<version>', '[{"id": "…", "postings": [{"account_id": "…",
             "side": "debit", "amount": 1050}, {"account_id": "…", "side": "credit", "amount": 1050}]}]');
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. VOLATILE.
    """

    def work() -> Any:
        batch = codec.transfer_requests_from_list(codec.loads(requests))
        outcomes = transfers.post_transfers(batch, PlpyUnitOfWork(plpy), TransactionClock(plpy))
        return [codec.outcome_to_dict(o) for o in outcomes]

    return _answer(plpy, work)


def post_each(plpy: Any, requests: str) -> str:
    """Book many transfers in one transaction, each on its own: a refused one does not stop the others.

    Inputs:  requests jsonb, an array of `codec.transfer_request_to_dict` objects (1 to 10,000).
    Outputs: jsonb, an array with one `codec.result_to_dict` object per request, in order:
             `{"outcome": ...}` (booked, or `"replayed": true`) or `{"error": ...}` (the problem that
             refused that request alone, which changed nothing).
    Uses:    application.transfers.post_each, domain.ledger; locks public.accounts (with
             public.assets), reads public.transfers and public.entries, inserts into public.transfers
             and public.entries (the triggers update accounts' balances) and, in one statement, the
             booked transfers' events into public.events. What the API's grouped single transfers and
             the bulk endpoint run.
    Kernel:  razao_kernel.apply_batch (the batch's balances, limit checks, seqs and running balances; domain.ledger).
    Example: SELECT razao.post_each('<version>', '[{"id": "…", "postings": [...]}, {"id": "…", ...}]');
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. VOLATILE.
    """

    def work() -> Any:
        batch = codec.transfer_requests_from_list(codec.loads(requests))
        results = transfers.post_each(batch, PlpyUnitOfWork(plpy), TransactionClock(plpy))
        return [codec.result_to_dict(r) for r in results]

    return _answer(plpy, work)


def post_pending(plpy: Any, transfer_id: str, amount: Decimal | None = None) -> str:
    """Post a pending (two-phase) transfer, in full or for a smaller amount (the rest is released).

    Inputs:  transfer_id uuid; amount numeric (NULL: the full amount held).
    Outputs: jsonb, a `codec.outcome_to_dict` object (`"replayed": true` if it was already posted
             for that amount).
    Uses:    application.transfers.post_pending, domain.ledger; locks public.accounts and the
             public.transfers row, updates its status, inserts the posted public.entries and the
             `transfer.captured` event (public.events).
    Example: SELECT razao.post_pending('<version>', '7d3c1f9e-8a2b-4c5d-9e0f-1a2b3c4d5e6f', 500);
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. VOLATILE.
    """

    def work() -> Any:
        outcome = transfers.post_pending(
            _uuid(transfer_id, "transfer_id"), _amount(amount), PlpyUnitOfWork(plpy), TransactionClock(plpy)
        )
        return codec.outcome_to_dict(outcome)

    return _answer(plpy, work)


def void_pending(plpy: Any, transfer_id: str) -> str:
    """Void a pending transfer, releasing its holds.

    Inputs:  transfer_id uuid.
    Outputs: jsonb, a `codec.outcome_to_dict` object (`"replayed": true` if it was already voided).
    Uses:    application.transfers.void_pending, domain.ledger; locks public.accounts and the
             public.transfers row and updates its status (the triggers release the holds); inserts
             the `transfer.voided` event (public.events).
    Example: SELECT razao.void_pending('<version>', '7d3c1f9e-8a2b-4c5d-9e0f-1a2b3c4d5e6f');
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. VOLATILE.
    """

    def work() -> Any:
        outcome = transfers.void_pending(
            _uuid(transfer_id, "transfer_id"), PlpyUnitOfWork(plpy), TransactionClock(plpy)
        )
        return codec.outcome_to_dict(outcome)

    return _answer(plpy, work)


def reverse_transfer(plpy: Any, request: str) -> str:
    """Reverse a posted transfer with a new transfer of the opposite postings (once only).

    Inputs:  request jsonb, a `codec.reversal_request_to_dict` object
             ({"id", "original_id", "description", "metadata", "effective_at"}: the reversal's value
             date, null for now; in a closed period it is refused, `period_closed`).
    Outputs: jsonb, a `codec.outcome_to_dict` object for the reversing transfer.
    Uses:    application.transfers.reverse_transfer, domain.ledger; locks public.accounts and the
             original public.transfers row, inserts into public.transfers and public.entries, and
             the events `transfer.posted` (the reversal) and `transfer.reversed` (the original) into
             public.events.
    Example: SELECT razao.reverse_transfer('<version>', '{"id": "…", "original_id": "…"}');
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. VOLATILE.
    """

    def work() -> Any:
        reversal = codec.reversal_request_from_dict(codec.loads(request))
        outcome = transfers.reverse_transfer(reversal, PlpyUnitOfWork(plpy), TransactionClock(plpy))
        return codec.outcome_to_dict(outcome)

    return _answer(plpy, work)


def expire_due(plpy: Any, max_count: int) -> str:
    """Expire up to `max_count` pending transfers whose timeout has passed.

    Inputs:  max_count integer.
    Outputs: jsonb, an array of `codec.transfer_to_dict` objects: the transfers expired.
    Uses:    application.transfers.expire_due, domain.ledger; scans public.transfers (partial index
             ix_transfers_timeout_at_pending), locks the accounts they touch, then the transfers
             with SKIP LOCKED, and updates their status (the triggers release the holds); inserts a
             `transfer.expired` event per transfer (public.events).
    Example: SELECT razao.expire_due('<version>', 500);
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. VOLATILE.
    """

    def work() -> Any:
        expired = transfers.expire_due(PlpyUnitOfWork(plpy), TransactionClock(plpy), max_count)
        return [codec.transfer_to_dict(t) for t in expired]

    return _answer(plpy, work)


def balance_as_of(plpy: Any, account_id: str, at: str, basis: str | None = None) -> str:
    """The posted balance of an account at an instant: as the books stood then (basis `booked`, the
    default) or by value date (`effective`: every posted entry whose value date is at or before it).

    Inputs:  account_id uuid; at timestamptz; basis text ('booked' or 'effective'; NULL: booked).
    Outputs: jsonb, a `codec.balance_as_of_to_dict` object ({"account", "as_of", "posted_balance",
             "basis"}).
    Uses:    application.accounts.balance_as_of; reads public.accounts (with public.assets) and, booked,
             one index-only lookup on public.entries (ix_entries_balance_as_of), or, effective,
             razao.value_net (public.account_value_days before the day, the day's entries on
             ix_entries_value_date).
    Example: SELECT razao.balance_as_of('<version>', '0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90',
             '2025-01-31T23:59:59+00:00', 'effective');
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE.
    """

    def work() -> Any:
        when = _datetime(plpy, at)
        if when is None:
            raise ValidationError.of("as_of", "is required")
        return codec.balance_as_of_to_dict(
            accounts.balance_as_of(
                _uuid(account_id, "account_id"), when, PlpyUnitOfWork(plpy), Basis.parse(basis)
            )
        )

    return _answer(plpy, work)


def statement(
    plpy: Any,
    account_id: str,
    start_at: str | None = None,
    end_at: str | None = None,
    after_seq: int | None = None,
    max_rows: int = 100,
) -> str:
    """An account's posted entries with their running balance, oldest first, one page.

    Inputs:  account_id uuid; start_at timestamptz (inclusive, NULL: from the start); end_at
             timestamptz (exclusive, NULL: up to now); after_seq bigint (the previous page's cursor,
             NULL: the first page); max_rows integer (page size, 1 to 1,000).
    Outputs: jsonb, a `codec.statement_page_to_dict` object ({"items": [...], "next_cursor"}).
    Uses:    application.accounts.statement; reads public.accounts, public.entries joined with
             public.transfers.
    Example: SELECT razao.statement('<version>', '0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90', NULL, NULL,
             NULL, 100);
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE.
    """

    def work() -> Any:
        page = accounts.statement(
            _uuid(account_id, "account_id"),
            PlpyUnitOfWork(plpy),
            start=_datetime(plpy, start_at),
            end=_datetime(plpy, end_at),
            after_seq=after_seq,
            limit=max_rows,
        )
        return codec.statement_page_to_dict(page)

    return _answer(plpy, work)


def value_statement(
    plpy: Any,
    account_id: str,
    start_at: str | None = None,
    end_at: str | None = None,
    after_at: str | None = None,
    after_seq: int | None = None,
    max_rows: int = 100,
) -> str:
    """An account's posted entries in value-date order, one page, each with the posted balance just
    after it in that order (the statement on the effective basis).

    Inputs:  account_id uuid; start_at timestamptz (value dates from, inclusive, NULL: from the start);
             end_at timestamptz (exclusive, NULL: no end); after_at timestamptz and after_seq bigint
             (the previous page's cursor, both NULL: the first page); max_rows integer (1 to 1,000).
    Outputs: jsonb, a `codec.value_statement_page_to_dict` object ({"items": [...], "next_cursor":
             {"effective_at", "seq"} or null}).
    Uses:    application.accounts.value_statement; reads public.accounts, a range of
             ix_entries_value_date (public.entries joined with public.transfers) and
             razao.value_net_before (the page's opening balance).
    Example: SELECT razao.value_statement('<version>', '0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90',
             '2025-01-01T00:00:00+00:00', '2025-02-01T00:00:00+00:00', NULL, NULL, 100);
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE.
    """

    def work() -> Any:
        after_when = _datetime(plpy, after_at)
        if (after_when is None) != (after_seq is None):
            raise ValidationError.of("cursor", "is not a valid cursor")
        after = None if after_when is None or after_seq is None else ValuePosition(after_when, after_seq)
        page = accounts.value_statement(
            _uuid(account_id, "account_id"),
            PlpyUnitOfWork(plpy),
            start=_datetime(plpy, start_at),
            end=_datetime(plpy, end_at),
            after=after,
            limit=max_rows,
        )
        return codec.value_statement_page_to_dict(page)

    return _answer(plpy, work)


def history(plpy: Any, account_id: str, first_day: str, last_day: str, basis: str | None = None) -> str:
    """An account's posted balance at the end of every UTC day of a range, as booked or by value date.

    Inputs:  account_id uuid; first_day, last_day date (both included, at most 366 days; ISO text as
             the session's DateStyle gives it); basis text ('booked' or 'effective'; NULL: booked).
    Outputs: jsonb, a `codec.balance_history_to_dict` object ({"account", "basis", "first", "last",
             "days": [{"day", "balance"}]}, one day after the other).
    Uses:    application.accounts.history; reads public.accounts and razao.booked_history (the last
             posted entry of each day, ix_entries_balance_as_of) or razao.value_history (the account's
             rows of public.account_value_days).
    Example: SELECT razao.history('<version>', '0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90', '2025-01-01',
             '2025-01-31', 'effective');
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE.
    """

    def work() -> Any:
        found = accounts.history(
            _uuid(account_id, "account_id"),
            _date(plpy, first_day, "from"),
            _date(plpy, last_day, "to"),
            PlpyUnitOfWork(plpy),
            Basis.parse(basis),
        )
        return codec.balance_history_to_dict(found)

    return _answer(plpy, work)


def trial_balance(
    plpy: Any, asset: str | None = None, basis: str | None = None, through: str | None = None
) -> str:
    """Debit and credit totals per asset (or of one asset); every asset must balance. As booked (the
    accounts' balances now), or by value date through the end of a UTC day.

    Inputs:  asset text (NULL: every asset); basis text ('booked' or 'effective'; NULL: booked);
             through date (effective only, and then required: the last value day counted).
    Outputs: jsonb, an array of `codec.asset_totals_to_dict` objects, by asset code.
    Uses:    application.reports.trial_balance; one aggregate over public.accounts (booked), or
             razao.value_totals over public.account_value_days and public.accounts (effective; the
             pending totals are today's).
    Example: SELECT razao.trial_balance('<version>', 'BRL', 'effective', '2025-01-31');
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE.
    """

    def work() -> Any:
        day = None if through is None else _date(plpy, through, "through")
        totals = reports.trial_balance(PlpyUnitOfWork(plpy), asset, basis=Basis.parse(basis), through=day)
        return [codec.asset_totals_to_dict(t) for t in totals]

    return _answer(plpy, work)


def journal_page(plpy: Any, start_at: str, end_at: str, after: str | None = None, max_rows: int = 100) -> str:
    """One page of the journal: the entries of every account booked in a window, oldest first.

    Inputs:  start_at timestamptz (inclusive); end_at timestamptz (exclusive; at most 366 days after
             start_at); after jsonb (the previous page's `next_cursor`, a `journal.cursor_to_dict`
             object; NULL: the first page); max_rows integer (page size, 1 to 1,000).
    Outputs: jsonb, a `journal.page_to_dict` object ({"items": [...], "next_cursor"}), in the order
             (created_at, transfer_id, layer, line).
    Uses:    application.journal.journal; reads public.entries joined with public.accounts,
             public.assets and public.transfers.
    Example: SELECT razao.journal('<version>', '2025-01-01T00:00:00+00:00',
             '2025-02-01T00:00:00+00:00', NULL, 1000);
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE.
    """

    def work() -> Any:
        start, end = _datetime(plpy, start_at), _datetime(plpy, end_at)
        if start is None:
            raise ValidationError.of("from", "is required")
        if end is None:
            raise ValidationError.of("to", "is required")
        try:
            cursor = None if after is None else journal.cursor_from_dict(codec.loads(after))
        except (KeyError, TypeError, ValueError):
            raise ValidationError.of("cursor", "is not a valid cursor") from None
        page = journal.journal(PlpyUnitOfWork(plpy), start, end, after=cursor, limit=max_rows)
        return journal.page_to_dict(page)

    return _answer(plpy, work)


def group_balance(
    plpy: Any,
    prefix: str,
    as_of: str | None = None,
    basis: str | None = None,
    after: str | None = None,
    max_rows: int = 100,
) -> str:
    """The totals per asset of the accounts whose code starts with a prefix, and of one page of its
    children (the groups one code segment further down).

    Inputs:  prefix text ('' for the whole ledger, else whole segments ending with ':'); as_of
             timestamptz (NULL: the balances now, with pending and available; else posted only);
             basis text ('booked' or 'effective'; NULL: booked; applies with as_of); after text (the
             previous page's last child segment, NULL: the first page); max_rows integer (children
             per page, 1 to 1,000).
    Outputs: jsonb, an `application.groups.prefix_balance_to_dict` object ({"prefix", "as_of",
             "basis", "totals": [...], "children": [{"segment", "code", "totals"}], "next_cursor"}).
    Uses:    application.groups.group_balance; one statement: a range of public.accounts'
             accounts_code_key, and as of an instant, booked, one probe of ix_entries_balance_as_of per
             account (public.entries), or, effective, public.account_value_days and the day's
             public.transfers (ix_transfers_effective_at_id) and public.entries.
    Example: SELECT razao.group_balance('<version>', 'customers:br:', NULL, NULL, NULL, 100);
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE.
    """

    def work() -> Any:
        found = groups.group_balance(
            PlpyUnitOfWork(plpy),
            prefix,
            as_of=_datetime(plpy, as_of),
            basis=Basis.parse(basis),
            after=after,
            limit=max_rows,
        )
        return groups.prefix_balance_to_dict(found)

    return _answer(plpy, work)


def category_balance(
    plpy: Any,
    category_id: str,
    as_of: str | None = None,
    basis: str | None = None,
    descendants: bool | None = None,
) -> str:
    """The totals per asset of a category's accounts (with its descendants', each account once), and
    of each of its direct subcategories.

    Inputs:  category_id uuid; as_of timestamptz (NULL: the balances now, with pending and available;
             else posted only); basis text ('booked' or 'effective'; NULL: booked); descendants boolean
             (NULL: true; false: the categories' own accounts only).
    Outputs: jsonb, an `application.groups.category_balance_to_dict` object ({"category", "as_of",
             "basis", "descendants", "totals": [...], "children": [{"category", "totals"}]}).
    Uses:    application.groups.category_balance; reads public.categories (ix_categories_parent_id, a
             recursive walk of the subtree) and public.account_categories, then public.accounts by id
             and, as of an instant, public.entries (ix_entries_balance_as_of) or
             public.account_value_days and the day's public.transfers and public.entries.
    Example: SELECT razao.category_balance('<version>', '5e1c7a9b-2f4d-4b8a-9c3e-1d2f3a4b5c6d', NULL,
             NULL, true);
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE.
    """

    def work() -> Any:
        found = groups.category_balance(
            PlpyUnitOfWork(plpy),
            _uuid(category_id, "category_id"),
            as_of=_datetime(plpy, as_of),
            basis=Basis.parse(basis),
            descendants=True if descendants is None else bool(descendants),
        )
        return groups.category_balance_to_dict(found)

    return _answer(plpy, work)


def accrue_interest(plpy: Any, account_ids: str, start_day: str, end_day: str, post_open: bool | None) -> str:
    """Accrue interest on some accounts (one chunk) from `start_day` to `end_day`, both included, and post
    the periods that have ended (`post_open`: the periods still open at `end_day` too).

    Inputs:  account_ids jsonb (an array of account ids); start_day, end_day date (ISO text; the SQL
             function's body receives them as the `date` type's text, so the generated wrapper passes
             them in the session's DateStyle; ISO is the default); post_open boolean (NULL: false).
    Outputs: jsonb, `application.interest.summary_to_dict` ({"accounts", "days", "postings": [...],
             "failures": [...]}: an account a domain rule refuses is rolled back alone and listed).
    Uses:    application.interest.accrue_interest, domain.interest, domain.ledger; per account (its own
             subtransaction): reads razao.interest_policies, locks public.accounts, reads
             razao.interest_accruals and the balances as of each day's end (ix_entries_balance_as_of),
             inserts the interest postings (public.transfers, public.entries), the day rows
             (razao.interest_accruals, unique per account and day), names each posting on the rows its
             period accrued while open, and upserts razao.interest_carry (with the open period).
    Kernel:  razao_kernel.interest_settle (each period's rounding and carry; domain.interest) and
             razao_kernel.apply_batch (the interest postings; domain.ledger).
    Example: SELECT razao.accrue_interest('<version>', '["0b6f4a52-…"]', '2025-01-01', '2025-01-31', false);
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. VOLATILE.
    """

    def work() -> Any:
        ids = codec.loads(account_ids)
        if not isinstance(ids, list):
            raise ValidationError.of("account_ids", "must be an array of account ids")
        start, end = _date(plpy, start_day, "start"), _date(plpy, end_day, "end")
        accounts = [_uuid(i, "account_ids") for i in ids]
        summary = interest.accrue_interest(
            accounts,
            start,
            end,
            lambda: PlpyUnitOfWork(plpy),
            TransactionClock(plpy),
            post_open=post_open is True,
        )
        return interest.summary_to_dict(summary)

    return _answer(plpy, work)


def accounts_with_policies(plpy: Any, after_id: str | None, max_count: int) -> str:
    """Ids of the accounts that have an interest policy, ascending, after `after_id` (chunking).

    Inputs:  after_id uuid (NULL: from the first); max_count integer.
    Outputs: jsonb, an array of account ids.
    Uses:    application.interest.accounts_with_policies; reads razao.interest_policies.
    Example: SELECT razao.accounts_with_policies('<version>', NULL, 500);
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE.
    """

    def work() -> Any:
        after = None if after_id is None else _uuid(after_id, "after_id")
        found = interest.accounts_with_policies(PlpyUnitOfWork(plpy), after, max_count)
        return [str(i) for i in found]

    return _answer(plpy, work)


def verify_ledger(plpy: Any) -> str:
    """Recompute every balance from the journal and check every transfer; changes nothing.

    Inputs:  none.
    Outputs: jsonb, `application.verification.report_to_dict` ({"ok", "accounts", "entries",
             "transfers", "discrepancy_count", "discrepancies": [{"kind", "subject_id", "expected",
             "found"}]}).
    Uses:    application.verification.verify_ledger, domain.verification; streams public.accounts
             joined with public.entries and public.transfers, and the per-transfer sums, through
             `plpy.cursor` (bounded memory). STABLE: one snapshot for both scans.
    Kernel:  razao_kernel.verify_journal_page and verify_transfer_page (the checks over each page of
             rows; domain.verification).
    Example: SELECT razao.verify_ledger('<version>');
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE.
    """

    def work() -> Any:
        return verification.report_to_dict(verification.verify_ledger(PlpyUnitOfWork(plpy)))

    return _answer(plpy, work)


def verify_part(
    plpy: Any, phase: str, after_id: str | None, max_count: int, progress: str | None, max_rows: int
) -> str:
    """Verify the next `max_count` accounts (phase `accounts`) or transfers (phase `transfers`) after
    `after_id`, reading at most `max_rows` journal rows, in the calling statement's snapshot; changes
    nothing. A job calls it part by part, passing back the `progress` of a part that stopped inside an account.

    Inputs:  phase text ('accounts' or 'transfers'); after_id uuid (NULL: from the first);
             max_count integer (1 to 100,000); progress jsonb (NULL, or the previous part's "progress":
             resume inside the account after_id); max_rows integer (1 to 1,000,000).
    Outputs: jsonb, `application.verification.part_to_dict` ({"phase", "report": {as verify_ledger},
             "last_id", "complete", "totals": [accounts, transfers] on the first accounts part, else null,
             "progress": {"account_id", "seq", "posted_debits", "posted_credits"} when the part stopped
             inside last_id, else null}).
    Uses:    application.verification.verify_part, domain.verification; streams one page of
             public.accounts with, per account, its public.entries and their public.transfers (primary-key
             lookups), or of the per-transfer sums, through `plpy.cursor`; for a resumed account, sums its
             earlier holds still open (public.entries by primary key, public.transfers).
    Kernel:  razao_kernel.verify_journal_page and verify_transfer_page (the checks over each page of
             rows; domain.verification).
    Example: SELECT razao.verify_part('<version>', 'accounts', NULL, 10000, NULL, 100000);
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE.
    """

    def work() -> Any:
        after = None if after_id is None else _uuid(after_id, "after_id")
        resume = None if progress is None else codec.loads(progress)
        if resume is not None and not isinstance(resume, dict):
            raise ValidationError.of("progress", "must be an object or null")
        part = verification.verify_part(
            PlpyUnitOfWork(plpy),
            phase,
            after,
            max_count,
            progress=verification.progress_from_dict(resume),
            max_rows=max_rows,
        )
        return verification.part_to_dict(part)

    return _answer(plpy, work)


def kernel_info(plpy: Any) -> str:
    """What runs the hot pure functions in this connection: the Rust kernel or the Python reference.

    Inputs:  none (the connection's `razao.kernel` setting chose the mode when the code was loaded).
    Outputs: jsonb, `domain.kernel.describe()` ({"kernel": "razao_kernel <version>" | "reference" | null,
             "mode", "expected", "found", "reason"}).
    Uses:    domain.kernel (imports `razao_kernel` from the server's Python path, pure computation).
    Example: SELECT razao.kernel_info('<version>');
    Security: SECURITY DEFINER owned by razao_owner, search_path pinned to pg_catalog, public,
             EXECUTE granted to razao_app only. STABLE; reads nothing.
    """
    return codec.dumps(kernel.describe())
