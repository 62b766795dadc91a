"""Use cases: reconcile a bank statement against the ledger (saved rules, runs in chunks, manual matches).

A run matches the lines of one imported statement (revision 0022) against the posted entries of its
mirror account, by a rule (`domain.reconciliation`). It runs as a background job, a chunk at a time: the
statement's value dates are cut into chunks of whole days (`plan_chunks`); a chunk reads its lines and
the ledger's entries within the rule's window of their dates (the `LedgerWindow` port: in the app over
SQLAlchemy, in the database through a PL/Python function, the same statement either way), matches them,
and records what it found in one transaction: a result per line (and per entry it matched) and, unless
the run is a dry run, the matches themselves. The job keeps the next chunk's number and the running
summary in its partial result, so a run whose worker was killed resumes at the chunk in flight.

A chunk is idempotent: the entries it may not take are those of another run's or a person's active
match and those an earlier chunk of the same run matched (its `recon_results`), never its own; so a
chunk that committed before its progress was recorded computes the same matches again, and its writes
(deterministic ids, inserts that skip what exists) change nothing the second time. A line or an entry
that another run or a person matched between a chunk's reads and its write makes the write refuse the
whole chunk (`MatchedMeanwhile`, nothing of it is kept); the chunk is then read and matched again, without
what was taken (at most `CHUNK_ATTEMPTS` times).

When the last chunk is done, the statement's closing balance is compared with the mirror account's
balance by value date at the end of the closing date (the read path's `balance_as_of`, effective basis),
the run is finished with its summary and that check, and `reconciliation.finished` is recorded.

A person matches lines and entries by hand (`manual_match`) and unmatches (`unmatch`): both record who
and when; an unmatch keeps the match, marking it and its links inactive. A match never changes the journal.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from uuid import UUID

from application.accounts import BalanceAsOf
from application.events import Event, EventLog, EventType
from application.pages import Page, check_limit
from application.ports import Clock, IdSource, Transaction
from domain.accounts import Side
from domain.errors import DomainError, InvalidState, NotFound, ValidationError
from domain.ledger import Outcome
from domain.reconciliation import (
    MANY_TO_ONE,
    ONE_TO_MANY,
    ONE_TO_ONE,
    BankLine,
    LedgerItem,
    MatchResult,
    Rule,
    check_reference_field,
    item_key,
    match,
    plan_chunks,
    rule_from_dict,
    rule_to_dict,
    split_key,
    window_of,
)
from domain.time_basis import Basis
from domain.transfers import TransferRequest
from domain.values import check_text

#: The background job kind that runs a run (`adapters.tasks.jobs`).
JOB_KIND = "reconciliation"
BANK = "bank"
LEDGER = "ledger"
SIDES = (BANK, LEDGER)
MATCHED = "matched"
UNMATCHED = "unmatched"
AMBIGUOUS = "ambiguous"
STATES = (MATCHED, UNMATCHED, AMBIGUOUS)
#: Lines per chunk of a run by default (whole days: a busier day is a chunk of its own).
CHUNK_LINES = 5000
#: Most lines and entries one manual match may link.
MAX_MANUAL = 50
#: Most times a chunk is read and matched again after its write found its lines or entries taken.
CHUNK_ATTEMPTS = 5
#: Namespace of the ids of a run's matches: uuid5(run, what it links), the same when a chunk is redone.
_MATCH_IDS = UUID("5d1f0f4e-6a57-4b36-9a43-1f0c2e1b7c11")


class MatchedMeanwhile(InvalidState):
    """A chunk's write found one of its lines or entries in an active match committed since its reads."""


# --- what the use cases handle ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SavedRule:
    id: UUID
    name: str
    rule: Rule
    created_by: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StatementInfo:
    """What a run needs of an imported statement."""

    id: UUID
    account_id: UUID
    asset_code: str
    opening_date: date | None
    closing_date: date | None
    closing_balance: int | None
    line_count: int
    #: The mirror account's normal side ('debit' or 'credit'): a bank credit raises its balance from it.
    normal_side: str = "debit"


@dataclass(slots=True)
class Run:
    id: UUID
    statement_id: UUID
    account_id: UUID
    rule: Rule
    dry_run: bool
    created_at: datetime
    rules_id: UUID | None = None
    job_id: UUID | None = None
    created_by: str | None = None
    state: str = "queued"
    summary: dict[str, Any] | None = None
    balance_check: dict[str, Any] | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One row of a run's results: a statement line (`bank`) or a ledger entry (`ledger`)."""

    side: str
    key: str
    state: str
    value_date: date | None
    amount: int | None
    line_no: int | None = None
    transfer_id: UUID | None = None
    layer: str | None = None
    line: int | None = None
    group_key: str | None = None
    match_id: UUID | None = None
    strategy: str | None = None
    score: int | None = None
    candidates: list[dict[str, Any]] | None = None
    chunk: int = 0


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """A match as stored: what it links, how, by whom; `active` until it is unmatched."""

    id: UUID
    account_id: UUID
    strategy: str
    origin: str
    lines: tuple[tuple[UUID, int], ...]
    entries: tuple[str, ...]
    matched_by: str
    matched_at: datetime
    run_id: UUID | None = None
    score: int | None = None
    unmatched_by: str | None = None
    unmatched_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.unmatched_at is None


# --- ports ------------------------------------------------------------------------------------------


class LedgerWindow(Protocol):
    def items(
        self,
        account_id: UUID,
        first: date,
        last: date,
        rule: Rule,
        run_id: UUID | None,
        chunk: int,
    ) -> Sequence[LedgerItem]:
        """The mirror account's posted entries with a value date (UTC day of `effective_at`) from
        `first` to `last`, in the bank's terms, with the reference and counterparty the rule reads,
        except those held by an active match of another run or a person, and those run `run_id`'s
        chunks before `chunk` matched."""
        ...


class ReconRepository(Protocol):
    def add_rule(self, saved: SavedRule) -> None: ...
    def get_rule(self, rule_id: UUID) -> SavedRule | None: ...
    def list_rules(self, after: str | None, limit: int) -> list[SavedRule]: ...
    def statement(self, statement_id: UUID) -> StatementInfo | None: ...

    def line_days(self, statement_id: UUID) -> list[tuple[date, int]]:
        """The statement's value dates with their numbers of lines."""
        ...

    def lines(self, statement_id: UUID, first: date, last: date, run_id: UUID) -> tuple[list[BankLine], int]:
        """The statement's lines of value dates `first`..`last` that no active match of another run or
        a person holds, and how many such matches held the others."""
        ...

    def add_run(self, run: Run) -> None: ...
    def get_run(self, run_id: UUID) -> Run | None: ...
    def save_run(self, run: Run) -> None: ...

    def record(self, run: Run, rows: Sequence[ResultRow], matches: Sequence[MatchRecord]) -> None:
        """Write a chunk's results and matches; rows and matches already written are left as they are.
        Raise `MatchedMeanwhile` when another active match holds one of the lines or entries."""
        ...

    def results(
        self, run: Run, side: str, state: str | None, after: str | None, limit: int
    ) -> list[ResultRow]: ...

    def unmatched_entries(
        self, run: Run, first: date, last: date, after: str | None, limit: int
    ) -> list[ResultRow]:
        """The mirror account's posted entries of value dates `first`..`last` that neither the run's
        results nor an active match name, in key order after `after`."""
        ...

    def add_match(self, record: MatchRecord) -> None:
        """Raise `InvalidState` when an active match already holds one of its lines or entries."""
        ...

    def get_match(self, match_id: UUID) -> MatchRecord | None: ...

    def unmatch(self, match_id: UUID, by: str, at: datetime) -> None:
        """Mark the match and its links inactive (they stay recorded); raise `InvalidState` when it was
        unmatched meanwhile (the first unmatch's who and when stand)."""
        ...

    def entries_of(self, account_id: UUID, transfer_ids: Sequence[UUID]) -> list[str]:
        """Keys of the account's posted entries in these transfers."""
        ...

    def line_numbers(self, statement_id: UUID, line_nos: Sequence[int]) -> list[int]:
        """Which of these line numbers the statement has."""
        ...

    def line(self, statement_id: UUID, line_no: int) -> tuple[BankLine, bool] | None:
        """The statement's line, and whether an active match holds it."""
        ...


class ReconUnitOfWork(Transaction, Protocol):
    recon: ReconRepository
    events: EventLog


#: The mirror account's balance (in its normal side's terms) by value date at the end of a day.
BalanceOn = Callable[[UUID, date], int]


# --- rules ------------------------------------------------------------------------------------------


def save_rule(
    name: str, rule: Mapping[str, Any], by: str | None, uow: ReconUnitOfWork, clock: Clock, ids: IdSource
) -> SavedRule:
    saved = SavedRule(
        ids.new_id(),
        check_text(name, "name", required=True, max_length=200),
        rule_from_dict(rule),
        by,
        clock.now(),
    )
    with uow:
        uow.recon.add_rule(saved)
        uow.commit()
    return saved


def get_rule(rule_id: UUID, uow: ReconUnitOfWork) -> SavedRule:
    with uow:
        saved = uow.recon.get_rule(rule_id)
    if saved is None:
        raise NotFound(f"reconciliation rule {rule_id} does not exist", rule_id=str(rule_id))
    return saved


def list_rules(uow: ReconUnitOfWork, after: str | None = None, limit: int = 100) -> Page[SavedRule, str]:
    check_limit(limit)
    with uow:
        found = uow.recon.list_rules(after, limit + 1)
    more = len(found) > limit
    found = found[:limit]
    return Page(found, found[-1].name if more and found else None)


# --- runs -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StartRun:
    statement_id: UUID
    rules_id: UUID | None = None
    rule: Mapping[str, Any] | None = None
    dry_run: bool = False
    by: str | None = None


def create_run(cmd: StartRun, uow: ReconUnitOfWork, clock: Clock, ids: IdSource) -> Run:
    """Record a queued run of the statement by the saved rule `rules_id`, or the rule given inline (the
    defaults when neither); the caller starts its job and attaches it (`attach_job`)."""
    if cmd.rules_id is not None and cmd.rule is not None:
        raise ValidationError.of("rule", "give rules_id or rule, not both")
    with uow:
        statement = uow.recon.statement(cmd.statement_id)
        if statement is None:
            raise NotFound(f"statement {cmd.statement_id} does not exist", statement_id=str(cmd.statement_id))
        if cmd.rules_id is not None:
            saved = uow.recon.get_rule(cmd.rules_id)
            if saved is None:
                raise NotFound(
                    f"reconciliation rule {cmd.rules_id} does not exist", rules_id=str(cmd.rules_id)
                )
            rule = saved.rule
        else:
            rule = rule_from_dict(cmd.rule or {})
        run = Run(
            id=ids.new_id(),
            statement_id=statement.id,
            account_id=statement.account_id,
            rule=rule,
            dry_run=cmd.dry_run,
            created_at=clock.now(),
            rules_id=cmd.rules_id,
            created_by=cmd.by,
        )
        uow.recon.add_run(run)
        uow.commit()
    return run


def attach_job(run_id: UUID, job_id: UUID, uow: ReconUnitOfWork) -> Run:
    with uow:
        run = _existing_run(uow, run_id)
        run.job_id = job_id
        uow.recon.save_run(run)
        uow.commit()
    return run


def get_run(run_id: UUID, uow: ReconUnitOfWork) -> Run:
    with uow:
        return _existing_run(uow, run_id)


def _existing_run(uow: ReconUnitOfWork, run_id: UUID) -> Run:
    run = uow.recon.get_run(run_id)
    if run is None:
        raise NotFound(f"reconciliation run {run_id} does not exist", run_id=str(run_id))
    return run


def _new_summary(lines: int) -> dict[str, Any]:
    return {
        "lines": lines,
        "bank": {MATCHED: 0, AMBIGUOUS: 0, UNMATCHED: 0, "already_matched": 0},
        "ledger": {MATCHED: 0, UNMATCHED: 0},
        "matches": {ONE_TO_ONE: 0, ONE_TO_MANY: 0, MANY_TO_ONE: 0},
        "unmatched_bank_amount": 0,
    }


@dataclass(frozen=True, slots=True)
class ChunkOutcome:
    rows: list[ResultRow]
    matches: list[MatchRecord]
    counts: dict[str, Any] = field(default_factory=dict)


def chunk_outcome(
    run: Run,
    chunk: int,
    result: MatchResult,
    lines: Sequence[BankLine],
    items: Sequence[LedgerItem],
    decide: tuple[date, date],
    at: datetime,
) -> ChunkOutcome:
    """What a chunk records: a row per line, a row per entry it matched, the matches (none in a dry
    run), and its counts (entries left unmatched are counted when their value date is in `decide`: no
    later chunk can reach them)."""
    by_no = {line.line_no: line for line in lines}
    by_key = {item.key: item for item in items}
    rows: list[ResultRow] = []
    records: list[MatchRecord] = []
    counts = _new_summary(0)
    for m in result.matches:
        group = f"{m.strategy}:{m.lines[0]}:{m.items[0]}"
        match_id = None
        if not run.dry_run:
            match_id = uuid.uuid5(_MATCH_IDS, f"{run.id}:{group}")
            records.append(
                MatchRecord(
                    match_id,
                    run.account_id,
                    m.strategy,
                    "auto",
                    tuple((run.statement_id, n) for n in m.lines),
                    m.items,
                    f"run:{run.id}",
                    at,
                    run_id=run.id,
                    score=m.score,
                )
            )
        counts["matches"][m.strategy] += 1
        for n in m.lines:
            line = by_no[n]
            rows.append(_bank_row(line, MATCHED, chunk, group, match_id, m.strategy, m.score))
            counts["bank"][MATCHED] += 1
        for key in m.items:
            item = by_key[key]
            rows.append(  # the entry's transfer, layer and line are read from its key when written
                ResultRow(
                    LEDGER,
                    key,
                    MATCHED,
                    item.value_date,
                    item.amount,
                    group_key=group,
                    match_id=match_id,
                    strategy=m.strategy,
                    score=m.score,
                    chunk=chunk,
                )
            )
            counts["ledger"][MATCHED] += 1
    for a in result.ambiguous:
        candidates = [{"entries": list(c.items), "score": c.score} for c in a.candidates]
        rows.append(_bank_row(by_no[a.line_no], AMBIGUOUS, chunk, candidates=candidates))
        counts["bank"][AMBIGUOUS] += 1
    for n in result.unmatched_lines:
        rows.append(_bank_row(by_no[n], UNMATCHED, chunk))
        counts["bank"][UNMATCHED] += 1
        counts["unmatched_bank_amount"] += by_no[n].amount
    first, last = decide
    counts["ledger"][UNMATCHED] = sum(
        1 for key in result.unmatched_items if first <= by_key[key].value_date <= last
    )
    return ChunkOutcome(rows, records, counts)


def _bank_row(
    line: BankLine,
    state: str,
    chunk: int,
    group: str | None = None,
    match_id: UUID | None = None,
    strategy: str | None = None,
    score: int | None = None,
    candidates: list[dict[str, Any]] | None = None,
) -> ResultRow:
    return ResultRow(
        BANK,
        f"{line.line_no:010d}",
        state,
        line.value_date,
        line.amount,
        line_no=line.line_no,
        group_key=group,
        match_id=match_id,
        strategy=strategy,
        score=score,
        candidates=candidates,
        chunk=chunk,
    )


def _add_counts(total: dict[str, Any], part: Mapping[str, Any]) -> dict[str, Any]:
    for name, value in part.items():
        if isinstance(value, Mapping):
            _add_counts(total.setdefault(name, {}), value)
        elif name != "lines":
            total[name] = total.get(name, 0) + value
    return total


def _statement_range(statement: StatementInfo, days: Sequence[tuple[date, int]]) -> tuple[date, date]:
    first = statement.opening_date or (days[0][0] if days else statement.closing_date)
    last = statement.closing_date or (days[-1][0] if days else statement.opening_date)
    if first is None or last is None:
        raise InvalidState("the statement has no dates and no lines", statement_id=str(statement.id))
    return min(first, last), max(first, last)


def end_of_day(day: date) -> datetime:
    """The last instant of a UTC day (a balance by value date "at the statement date")."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC) - timedelta(microseconds=1)


def balance_check(statement: StatementInfo, ledger_balance: int | None) -> dict[str, Any]:
    """The statement's closing balance against the ledger's, and their difference (statement − ledger)."""
    if statement.closing_balance is None or statement.closing_date is None or ledger_balance is None:
        return {"checked": False, "reason": "the statement has no closing balance or date"}
    difference = statement.closing_balance - ledger_balance
    return {
        "checked": True,
        "as_of": statement.closing_date.isoformat(),
        "statement_closing_balance": statement.closing_balance,
        "ledger_balance": ledger_balance,
        "difference": difference,
        "agrees": difference == 0,
    }


#: Progress of a run: (lines done, lines in all, the partial result to keep).
Progress = Callable[[int, int, dict[str, Any]], None]


def run_reconciliation(
    run_id: UUID,
    state: Mapping[str, Any] | None,
    uow: Callable[[], ReconUnitOfWork],
    ledger: LedgerWindow,
    balance_on: BalanceOn,
    clock: Clock,
    progress: Progress,
    chunk_lines: int = CHUNK_LINES,
) -> dict[str, Any]:
    """Run (or resume, from `state`: the job's partial result) a run to its end; its summary."""
    with uow() as work:
        run = _existing_run(work, run_id)
        if run.state == "finished" and run.summary is not None:
            return run_result(run)
        statement = work.recon.statement(run.statement_id)
        if statement is None:
            raise NotFound(f"statement {run.statement_id} does not exist", statement_id=str(run.statement_id))
        days = work.recon.line_days(run.statement_id)
        if run.state == "queued":
            run.state = "running"
            work.recon.save_run(run)
            work.commit()
    start, end = _statement_range(statement, days)
    chunks = plan_chunks(days, chunk_lines)
    state = copy.deepcopy(dict(state or {}))  # the caller's record is left as it was
    number = int(state.get("chunk", 0))
    summary = state.get("summary") or _new_summary(statement.line_count)
    done = int(state.get("processed", 0))
    while number < len(chunks):
        chunk = chunks[number]
        read_from, read_to, decide_from, decide_to = window_of(
            chunks, number, run.rule.date_window, start, end
        )
        for attempt in range(1, CHUNK_ATTEMPTS + 1):
            with uow() as work:
                lines, held = work.recon.lines(run.statement_id, chunk.first, chunk.last, run.id)
            items = ledger.items(run.account_id, read_from, read_to, run.rule, run.id, number)
            result = match(run.rule, lines, items)
            decide = (max(decide_from, start), min(decide_to, end))
            outcome = chunk_outcome(run, number, result, lines, items, decide, clock.now())
            try:
                with uow() as work:
                    work.recon.record(run, outcome.rows, outcome.matches)
                    work.commit()
                break
            except MatchedMeanwhile:
                if attempt == CHUNK_ATTEMPTS:
                    raise
        summary = _add_counts(summary, outcome.counts)
        summary["bank"]["already_matched"] += held
        number += 1
        done += chunk.lines
        progress(
            done,
            statement.line_count,
            {"chunk": number, "processed": done, "summary": copy.deepcopy(summary)},
        )
    ledger_balance = balance_on(run.account_id, statement.closing_date) if statement.closing_date else None
    checked = balance_check(statement, ledger_balance)
    with uow() as work:
        run = _existing_run(work, run_id)
        run.state, run.summary, run.balance_check, run.finished_at = "finished", summary, checked, clock.now()
        work.recon.save_run(run)
        work.events.add([finished_event(run)])
        work.commit()
    return run_result(run)


def run_result(run: Run) -> dict[str, Any]:
    """A finished run as the job's result (and the event's data)."""
    return {
        "run_id": str(run.id),
        "statement_id": str(run.statement_id),
        "account_id": str(run.account_id),
        "dry_run": run.dry_run,
        "summary": run.summary,
        "balance_check": run.balance_check,
    }


def finished_event(run: Run) -> Event:
    assert run.finished_at is not None
    return Event(
        EventType.RECONCILIATION_FINISHED,
        run.finished_at,
        run_document(run),
        (run.account_id,),
        job_id=run.job_id,
    )


def run_document(run: Run) -> dict[str, Any]:
    return {
        "id": str(run.id),
        "statement_id": str(run.statement_id),
        "account_id": str(run.account_id),
        "rules_id": None if run.rules_id is None else str(run.rules_id),
        "rule": rule_to_dict(run.rule),
        "dry_run": run.dry_run,
        "state": run.state,
        "job_id": None if run.job_id is None else str(run.job_id),
        "summary": run.summary,
        "balance_check": run.balance_check,
        "created_by": run.created_by,
        "created_at": run.created_at.isoformat(),
        "finished_at": None if run.finished_at is None else run.finished_at.isoformat(),
    }


# --- results ----------------------------------------------------------------------------------------


def results(
    run_id: UUID,
    uow: ReconUnitOfWork,
    *,
    side: str = BANK,
    state: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> Page[ResultRow, str]:
    """A page of a run's results: its statement lines (`bank`), or the ledger entries it matched or left
    unmatched (`ledger`; unmatched: the mirror account's entries in the statement's range that no result
    and no active match names, as they stand now)."""
    if side not in SIDES:
        raise ValidationError.of("side", f"must be one of {', '.join(SIDES)}")
    if state is not None and state not in STATES:
        raise ValidationError.of("state", f"must be one of {', '.join(STATES)}")
    if side == LEDGER and state == AMBIGUOUS:
        raise ValidationError.of("state", "ledger entries are matched or unmatched")
    check_limit(limit)
    with uow:
        run = _existing_run(uow, run_id)
        if side == LEDGER and state == UNMATCHED:
            statement = uow.recon.statement(run.statement_id)
            assert statement is not None
            first, last = _statement_range(statement, uow.recon.line_days(run.statement_id))
            found = uow.recon.unmatched_entries(run, first, last, after, limit + 1)
        else:
            found = uow.recon.results(run, side, state, after, limit + 1)
    more = len(found) > limit
    found = found[:limit]
    return Page(found, found[-1].key if more and found else None)


def all_results(run_id: UUID, uow: Callable[[], ReconUnitOfWork], page: int = 1000) -> Iterator[ResultRow]:
    """Every result of a run, a page (one short transaction) at a time: its lines, the entries it
    matched, then the entries left unmatched (for the CSV export)."""
    for side, state in ((BANK, None), (LEDGER, MATCHED), (LEDGER, UNMATCHED)):
        after: str | None = None
        while True:
            found = results(run_id, uow(), side=side, state=state, after=after, limit=page)
            yield from found.items
            if found.next_cursor is None:
                break
            after = found.next_cursor


# --- manual matches ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ManualMatch:
    statement_id: UUID
    line_nos: Sequence[int]
    entries: Sequence[str] = ()
    transfer_ids: Sequence[UUID] = ()
    by: str = "unknown"


def manual_match(cmd: ManualMatch, uow: ReconUnitOfWork, clock: Clock, ids: IdSource) -> MatchRecord:
    """Match statement lines to ledger entries (by entry key, or every entry of the mirror account in
    the given transfers) by hand. One line to several entries, several lines to one entry, or one to
    one; a line or an entry that an active match holds is refused (`invalid_state`)."""
    line_nos = sorted(set(cmd.line_nos))
    if not line_nos or len(line_nos) > MAX_MANUAL:
        raise ValidationError.of("line_nos", f"must name 1 to {MAX_MANUAL} lines")
    if bool(cmd.entries) == bool(cmd.transfer_ids):
        raise ValidationError.of("entries", "give entries or transfer_ids (one of them)")
    with uow:
        statement = uow.recon.statement(cmd.statement_id)
        if statement is None:
            raise NotFound(f"statement {cmd.statement_id} does not exist", statement_id=str(cmd.statement_id))
        known = set(uow.recon.line_numbers(statement.id, line_nos))
        missing = [n for n in line_nos if n not in known]
        if missing:
            raise ValidationError.of("line_nos", f"the statement has no line {missing[0]}")
        if cmd.transfer_ids:
            keys = sorted(set(uow.recon.entries_of(statement.account_id, sorted(set(cmd.transfer_ids)))))
            if not keys:
                raise ValidationError.of(
                    "transfer_ids", "no posted entry of the statement's account is in them"
                )
        else:
            keys = sorted({_entry_key(k) for k in cmd.entries})
            found = set(
                uow.recon.entries_of(statement.account_id, sorted({UUID(split_key(k)[0]) for k in keys}))
            )
            strange = [k for k in keys if k not in found]
            if strange:
                raise ValidationError.of(
                    "entries", f"{strange[0]} is no posted entry of the statement's account"
                )
        if len(keys) > MAX_MANUAL:
            raise ValidationError.of("entries", f"must name at most {MAX_MANUAL} entries")
        if len(line_nos) > 1 and len(keys) > 1:
            raise ValidationError.of("line_nos", "several lines match one entry, or one line several entries")
        strategy = (
            ONE_TO_ONE if len(line_nos) == len(keys) == 1 else ONE_TO_MANY if len(keys) > 1 else MANY_TO_ONE
        )
        record = MatchRecord(
            ids.new_id(),
            statement.account_id,
            strategy,
            "manual",
            tuple((statement.id, n) for n in line_nos),
            tuple(keys),
            cmd.by,
            clock.now(),
        )
        uow.recon.add_match(record)
        uow.commit()
    return record


def _entry_key(key: str) -> str:
    try:
        transfer_id, layer, line = split_key(key)
        return item_key(UUID(transfer_id), layer, line)
    except ValueError:
        raise ValidationError.of("entries", "each is '<transfer id>:<layer>:<line>'") from None


def unmatch(match_id: UUID, by: str, uow: ReconUnitOfWork, clock: Clock) -> MatchRecord:
    """Undo a match: it stays recorded, with who undid it and when; its lines and entries are free."""
    with uow:
        record = uow.recon.get_match(match_id)
        if record is None:
            raise NotFound(f"match {match_id} does not exist", match_id=str(match_id))
        if not record.active:
            raise InvalidState(f"match {match_id} was already unmatched", match_id=str(match_id))
        at = clock.now()
        uow.recon.unmatch(match_id, by, at)
        uow.commit()
    return MatchRecord(**{**_fields(record), "unmatched_by": by, "unmatched_at": at})


def get_match(match_id: UUID, uow: ReconUnitOfWork) -> MatchRecord:
    with uow:
        record = uow.recon.get_match(match_id)
    if record is None:
        raise NotFound(f"match {match_id} does not exist", match_id=str(match_id))
    return record


def _fields(record: MatchRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in MatchRecord.__slots__}


# --- JSON of the ledger window (the in-database function's answer) ----------------------------------


def items_to_rows(items: Sequence[LedgerItem]) -> list[list[Any]]:
    return [[i.key, i.value_date.isoformat(), str(i.amount), i.reference, i.counterparty] for i in items]


def items_from_rows(rows: Sequence[Sequence[Any]]) -> list[LedgerItem]:
    return [LedgerItem(r[0], date.fromisoformat(r[1]), int(r[2]), r[3], r[4]) for r in rows]


def reference_parts(rule: Rule) -> tuple[str, str | None]:
    """How the ledger statement reads the rule's reference: ('description' | 'transfer_id' | 'metadata'
    | 'none', the metadata key)."""
    field_name = check_reference_field(rule.reference, "reference")
    if field_name is None:
        return "none", None
    if field_name.startswith("metadata."):
        return "metadata", field_name.removeprefix("metadata.")
    return field_name, None


@dataclass(frozen=True, slots=True)
class Reconciler:
    """What the `reconciliation` job kind calls: `run_reconciliation` with its ports wired."""

    uow: Callable[[], ReconUnitOfWork]
    ledger: LedgerWindow
    balance_on: BalanceOn
    clock: Clock
    chunk_lines: int = CHUNK_LINES

    def __call__(self, run_id: UUID, state: Mapping[str, Any] | None, progress: Progress) -> dict[str, Any]:
        try:
            return run_reconciliation(
                run_id, state, self.uow, self.ledger, self.balance_on, self.clock, progress, self.chunk_lines
            )
        except DomainError as error:  # the job fails with it; the run says so too
            fail_run(run_id, {"code": error.code, "detail": error.detail}, self.uow(), self.clock)
            raise


def fail_run(run_id: UUID, error: dict[str, Any], uow: ReconUnitOfWork, clock: Clock) -> None:
    """Mark an unfinished run failed, with why (in its summary)."""
    with uow:
        run = uow.recon.get_run(run_id)
        if run is None or run.state in ("finished", "failed"):
            return
        run.state, run.summary, run.finished_at = "failed", {"error": error}, clock.now()
        uow.recon.save_run(run)
        uow.commit()


class BalanceReader(Protocol):
    def balance_as_of(self, account_id: UUID, at: datetime, basis: Basis = Basis.BOOKED) -> BalanceAsOf: ...


def balance_by_value_date(read_path: BalanceReader) -> BalanceOn:
    """`BalanceOn` over the read path (either mode): the posted balance by value date at a day's end."""

    def balance_on(account_id: UUID, day: date) -> int:
        return int(read_path.balance_as_of(account_id, end_of_day(day), Basis.EFFECTIVE).posted_balance)

    return balance_on


# --- booking what the ledger is missing ---------------------------------------------------------------

#: Namespace of the ids of transfers booked for statement lines: one transfer per line, whatever retries.
_BOOKED_IDS = UUID("0c6f3a7e-2b1d-4f59-8e3a-6d2c1b0a9f87")


class Booking(Protocol):
    def post_transfers(self, requests: Sequence[TransferRequest]) -> list[Outcome]: ...


@dataclass(frozen=True, slots=True)
class BookLine:
    """Book the transfer an unmatched line shows (a bank fee, interest) against `account_id`."""

    statement_id: UUID
    line_no: int
    account_id: UUID
    description: str | None = None
    by: str = "unknown"


def booked_transfer_id(statement_id: UUID, line_no: int) -> UUID:
    return uuid.uuid5(_BOOKED_IDS, f"{statement_id}:{line_no}")


def line_transfer(statement: StatementInfo, line: BankLine, cmd: BookLine) -> TransferRequest:
    """The transfer of a line: the mirror account moves as the bank says (a credit raises its balance from
    its normal side), `cmd.account_id` takes the other side; dated the line's value date (noon UTC), with
    metadata naming the statement and the line."""
    normal = Side(statement.normal_side)
    mirror_side = normal if line.amount > 0 else normal.opposite
    mirror, other = statement.account_id, cmd.account_id
    debit, credit = (mirror, other) if mirror_side is Side.DEBIT else (other, mirror)
    return TransferRequest.simple(
        booked_transfer_id(statement.id, line.line_no),
        debit_account_id=debit,
        credit_account_id=credit,
        amount=abs(line.amount),
        effective_at=datetime.combine(line.value_date, time(12), tzinfo=UTC),
        description=check_text(
            cmd.description if cmd.description is not None else line.description,
            "description",
            required=False,
        ),
        metadata={"statement_id": str(statement.id), "statement_line": line.line_no},
    )


def book_line(
    cmd: BookLine, uow: Callable[[], ReconUnitOfWork], booking: Booking, clock: Clock, ids: IdSource
) -> tuple[Outcome, MatchRecord]:
    """Book the missing transfer of an unmatched line through the write path (either mode; its id comes
    from the line, so a retry is a replay), then match the line to its entry on the mirror account."""
    with uow() as work:
        statement = work.recon.statement(cmd.statement_id)
        if statement is None:
            raise NotFound(f"statement {cmd.statement_id} does not exist", statement_id=str(cmd.statement_id))
        found = work.recon.line(statement.id, cmd.line_no)
    if found is None:
        raise NotFound(f"the statement has no line {cmd.line_no}", line_no=cmd.line_no)
    line, held = found
    if held:
        raise InvalidState(f"line {cmd.line_no} is matched already; unmatch it first", line_no=cmd.line_no)
    if cmd.account_id == statement.account_id:
        raise ValidationError.of("account_id", "must be another account than the statement's")
    outcome = booking.post_transfers([line_transfer(statement, line, cmd)])[0]
    record = manual_match(
        ManualMatch(statement.id, [line.line_no], transfer_ids=[outcome.transfer.id], by=cmd.by),
        uow(),
        clock,
        ids,
    )
    return outcome, record
