"""Differential test of grouping: booking requests in groups books what booking them one by one does.

Hypothesis generates a sequence of transfer requests over a few accounts (`tests.unit.test_post_each`:
two settlement accounts, BRL wallets with and without an overdraft, a frozen wallet, a USD wallet, an
unknown account; payments and pending holds, some refused for insufficient funds, an unknown or frozen
account, mixed currencies or a wallet paying itself; ids from a small pool, so that a request is sent
again as it was or reused for another one) and a way of cutting it into consecutive groups. Each
example runs the sequence on four fresh databases cloned from the migrated template:

- app, one by one:   `InAppWritePath.post_transfers([request])` per request (a refusal is caught);
- app, in groups:    `InAppWritePath.post_each(group)` per group (what the API's group commit and the
  bulk endpoint call);
- database, one by one and in groups: the same through `InDatabaseWritePath` (PL/Python).

The app mode stamps with the system clock, the database mode with the database's, so instants are never
compared as values (`test_differential.tables` ranks them). Asserted:

- every request gets the same result in all four runs: the outcome (instants masked), or the refusal's
  code, detail, context and field issues;
- the `accounts`, `transfers` and `entries` tables hold the same rows in all four, instants aside
  (entries by account and seq), and so does the outbox (`events`, in position order: one event per
  booked transfer, in request order, whether booked alone or in a group);
- the order of events: the two one-by-one runs rank every row's instant alike and so do the two grouped
  runs; one by one, each booked transfer has its own instant, later than the one before; in groups, the
  transfers a group booked share one instant and later groups are later; and the grouped timeline is
  the one-by-one timeline with each group's instants merged (nothing moves before or after anything).

Examples: RAZAO_GROUPING_EXAMPLES, by default 5 in the test run and 10 at the suites' long level
(`RAZAO_SUITE_LEVEL=long`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from adapters.db.code_bundle import app_code_version
from adapters.db.engine import make_engine
from adapters.db.in_database import InDatabaseWritePath
from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.system import SystemClock
from application import accounts as account_cases
from application.accounts import OpenAccount
from application.write_path import InAppWritePath, WritePath
from domain.errors import DomainError
from domain.ledger import Outcome
from domain.transfers import TransferRequest
from tests.conftest import TestDatabase
from tests.integration.test_differential import (
    _check_deployed_code,
    _clone,
    _error,
    _IdOf,
    comparable,
    differences,
    tables,
    uid,
)
from tests.suites.summary import scaled
from tests.unit.test_post_each import SPECS, Op, chunkings, chunks, requests_for, sequences

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("RAZAO_GROUPING_EXAMPLES") or scaled(5, 10))


@dataclass
class Run:
    """One way of booking the sequence, on its own database."""

    name: str
    engine: Engine
    write: WritePath
    grouped: bool

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)


@pytest.fixture(scope="session")
def four_runs(
    server: Engine, admin_url: str, migrated_template: str, _dropper: Callable[[str], None]
) -> Callable[[], Any]:
    """Per example: app and database mode, each one by one and in groups, on four fresh databases."""
    _check_deployed_code(server, migrated_template, admin_url, _dropper)

    @contextmanager
    def make() -> Iterator[list[Run]]:
        databases: list[TestDatabase] = []
        engines: list[Engine] = []
        try:
            runs = []
            version = app_code_version()
            for mode in ("app", "database"):
                for grouped in (False, True):
                    databases.append(_clone(server, migrated_template, admin_url))
                    engine = make_engine(databases[-1].app_url, pool_size=2, max_overflow=2)
                    engines.append(engine)
                    write: WritePath = (
                        InAppWritePath(lambda e=engine: SqlUnitOfWork(e), SystemClock())
                        if mode == "app"
                        else InDatabaseWritePath(engine, version)
                    )
                    name = f"{mode}, {'in groups' if grouped else 'one by one'}"
                    runs.append(Run(name, engine, write, grouped))
            yield runs
        finally:
            for engine in engines:
                engine.dispose()
            for database in databases:
                _dropper(database.name)

    return make


# --- running a sequence ----------------------------------------------------------------------------


def _prepare(run: Run) -> list[UUID]:
    """Open the accounts (the same ids in every run), fund the wallets, freeze the frozen one; the ids
    by SPECS index, then an id that names no account."""
    ids = []
    for spec in SPECS:
        command = OpenAccount(spec.code, spec.code.title(), spec.asset, spec.side, spec.min_balance)
        ids.append(account_cases.open_account(command, run.uow(), SystemClock(), _IdOf(spec.code)).account.id)
    run.write.post_transfers(
        [
            TransferRequest.simple(
                uid("fund:" + s.code),
                debit_account_id=ids[0 if s.asset == "BRL" else 1],
                credit_account_id=ids[n],
                amount=s.funds,
            )
            for n, s in enumerate(SPECS)
            if s.funds
        ]
    )
    for n, spec in enumerate(SPECS):
        if spec.frozen:
            account_cases.freeze_account(ids[n], run.uow(), SystemClock())
    return [*ids, uid("account:nobody")]


def _result(value: Outcome | DomainError) -> Any:
    return _error(value) if isinstance(value, DomainError) else comparable(value)


def _book(run: Run, requests: Sequence[TransferRequest], lengths: Sequence[int]) -> list[Any]:
    if not run.grouped:
        results = []
        for request in requests:
            try:
                [outcome] = run.write.post_transfers([request])
            except DomainError as refused:
                results.append(_result(refused))
            else:
                results.append(_result(outcome))
        return results
    results = []
    for group in chunks(requests, lengths):
        answers = run.write.post_each(group)
        assert len(answers) == len(group), f"{run.name}: {len(answers)} answers to {len(group)} requests"
        results.extend(_result(a) for a in answers)
    return results


def _rows_and_timeline(engine: Engine) -> tuple[dict[str, list[dict[str, Any]]], dict[tuple[Any, ...], int]]:
    """The tables without their ranked instants (entries by account and seq), and the instants' ranks
    by row: ("account", id), ("transfer", id), ("entry", account id, seq), ("event", its place in the
    events' order)."""
    ranked = tables(engine)
    timeline: dict[tuple[Any, ...], int] = {}
    for row in ranked["accounts"]:
        timeline["account", row["id"]] = row.pop("created_at")
    for row in ranked["transfers"]:
        timeline["transfer", row["id"]] = row.pop("created_at")
        assert row["resolved_at"] is None  # nothing here resolves a hold
    for row in ranked["entries"]:
        timeline["entry", row["account_id"], row["seq"]] = row.pop("created_at")
        # Its transfer's value date: the booking instant when the request gave none.
        timeline["entry value date", row["account_id"], row["seq"]] = row.pop("effective_at")
    ranked["entries"].sort(key=lambda e: (e["account_id"], e["seq"]))
    for n, row in enumerate(ranked["events"]):  # in position order, the same in every run
        timeline["event", n] = row.pop("occurred_at")
    return ranked, timeline


def _check_is_merged(single: dict[tuple[Any, ...], int], grouped: dict[tuple[Any, ...], int]) -> None:
    """The grouped timeline is the one-by-one timeline with some neighbouring instants merged."""
    assert single.keys() == grouped.keys()
    ordered = sorted(single, key=lambda key: single[key])
    for before, after in pairwise(ordered):
        if single[before] == single[after]:
            assert grouped[before] == grouped[after], f"{before} and {after}: at once alone, apart in groups"
        else:
            assert grouped[before] <= grouped[after], f"{before} and {after}: in another order in groups"


def _check_instants(
    requests: Sequence[TransferRequest],
    lengths: Sequence[int],
    results: Sequence[Any],
    single: dict[tuple[Any, ...], int],
    grouped: dict[tuple[Any, ...], int],
) -> None:
    """One instant per booked transfer alone, one per group in groups, in the order of the sequence."""
    group_of = [n for n, length in enumerate(lengths) for _ in range(length)]
    booked = [
        (("transfer", request.id), group_of[i])
        for i, (request, result) in enumerate(zip(requests, results, strict=True))
        if "code" not in result and not result["replayed"]
    ]
    alone = [single[key] for key, _ in booked]
    assert alone == sorted(set(alone)), (
        f"one by one, the transfers' instants are not strictly rising: {alone}"
    )
    instants: dict[int, set[int]] = {}
    for key, group in booked:
        instants.setdefault(group, set()).add(grouped[key])
    assert all(len(at) == 1 for at in instants.values()), (
        f"in groups, a group booked at several instants: {instants}"
    )
    by_group = [at for group in sorted(instants) for at in instants[group]]
    assert by_group == sorted(set(by_group)), (
        f"in groups, the groups' instants are not strictly rising: {instants}"
    )


def run_all(runs: list[Run], ops_: list[Op], lengths_of: Callable[[int], list[int]]) -> None:
    ids = [_prepare(run) for run in runs]
    assert all(i == ids[0] for i in ids), "the runs opened their accounts under different ids"
    requests = requests_for(ops_, ids[0])
    lengths = lengths_of(len(requests))
    note(f"{len(requests)} requests in groups of {lengths}")

    results = {run.name: _book(run, requests, lengths) for run in runs}
    first, *others = runs
    expected = results[first.name]
    for run in others:
        for n, (want, got) in enumerate(zip(expected, results[run.name], strict=True)):
            assert got == want, (
                f"request {n} ({requests[n]}) differs, {first.name} | {run.name}: "
                f"{differences(want, got)}\n{first.name}: {want}\n{run.name}: {got}"
            )
    for want in expected:
        event(f"refused ({want['code']})" if "code" in want else "replayed" if want["replayed"] else "booked")
    largest = max(lengths)
    event("groups: " + ("one" if len(lengths) == 1 else "several"))
    event("the largest group: " + ("1" if largest == 1 else "2 to 9" if largest < 10 else "10 or more"))

    books = {run.name: _rows_and_timeline(run.engine) for run in runs}
    rows, _ = books[first.name]
    for run in others:
        for table, want in rows.items():
            got = books[run.name][0][table]
            assert got == want, f"{table}, {first.name} | {run.name}: {differences(want, got)[:20]}"

    by_kind: dict[bool, list[dict[tuple[Any, ...], int]]] = {False: [], True: []}
    for run in runs:
        by_kind[run.grouped].append(books[run.name][1])
    for grouped, (app, database) in by_kind.items():
        kind = "in groups" if grouped else "one by one"
        assert app == database, (
            f"{kind}: the modes order events differently: {differences(app, database)[:20]}"
        )
    single, grouped_ = by_kind[False][0], by_kind[True][0]
    _check_is_merged(single, grouped_)
    _check_instants(requests, lengths, expected, single, grouped_)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
@given(ops_=sequences(15, 60), data=st.data())
def test_groups_book_what_one_by_one_books_in_both_modes(
    four_runs: Callable[[], Any], ops_: list[Op], data: st.DataObject
) -> None:
    with four_runs() as runs:
        run_all(runs, ops_, lambda count: data.draw(chunkings(count), label="group lengths"))
