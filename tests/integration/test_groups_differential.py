"""Group balances in both execution modes against a reference, over one varied ledger.

One database gets a ledger drawn from a seeded random generator: accounts in two assets, both normal
sides, coded on three levels (`a:x:1`, and `a:x` itself); payments, holds and backdated payments booked
over several hours; a tree of categories whose memberships overlap. Every question (each prefix with
its children a page at a time, each category with and without descendants; now, and as of several
instants on both bases) is answered by the app's read path (`InAppReadPath`, SQL from this process) and
by the database's (`InDatabaseReadPath`, PL/Python), which must be equal, and equal to a reference
built from other reads: the accounts' own balances, and each account's balance as of the instant
(`ReadPath.balance_as_of`, the migration's `razao.value_net` and `ix_entries_balance_as_of` lookups).
"""

from __future__ import annotations

import contextlib
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from uuid import UUID

import pytest
from sqlalchemy import Engine

from adapters.db.code_bundle import app_code_version
from adapters.db.in_database import InDatabaseReadPath
from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.system import RandomIds
from application import accounts as account_cases
from application import categories as uc
from application.categories import CreateCategory
from application.groups import GroupTotals
from application.read_path import InAppReadPath
from application.write_path import InAppWritePath
from domain.accounts import Account
from domain.categories import Category, CategoryTree
from domain.errors import DomainError
from domain.time_basis import Basis
from domain.transfers import TransferRequest
from tests.integration.conftest import ManualClock, OpenFn

Uow = Callable[[], SqlUnitOfWork]
SEED = 14


def _ledger(
    open_: OpenFn, write: InAppWritePath, uow: Uow, clock: ManualClock
) -> tuple[list[Account], list[Category], list[datetime]]:
    rng = random.Random(SEED)
    banks = {asset: open_(f"bank:{asset.lower()}", asset=asset, min_balance=None) for asset in ("BRL", "USD")}
    opened = list(banks.values())
    for top in ("a", "b"):
        for middle in ("x", "y", "x-1"):
            codes = [f"{top}:{middle}"] + [f"{top}:{middle}:{n}" for n in range(rng.randint(1, 4))]
            for code in codes:
                side = rng.choice(["credit", "credit", "debit"])
                asset = rng.choice(["BRL", "BRL", "USD"])
                opened.append(open_(code, asset=asset, normal_side=side, min_balance=None))
    instants = []
    for step in range(60):
        clock.advance(minutes=rng.randint(1, 20))
        if step % 15 == 7:
            instants.append(clock.now())
        target = rng.choice(opened[2:])
        bank = banks[target.asset.code]
        source, sink = (bank, target) if rng.random() < 0.7 else (target, bank)
        options: dict[str, object] = {}
        if rng.random() < 0.2:
            options["effective_at"] = clock.now() - timedelta(minutes=rng.randint(1, 200))
        if rng.random() < 0.15:
            options["pending"] = True
        request = TransferRequest.simple(
            RandomIds().new_id(),
            debit_account_id=source.id,
            credit_account_id=sink.id,
            amount=rng.randint(1, 5_000),
            **options,  # type: ignore[arg-type]
        )
        with contextlib.suppress(DomainError):
            write.post_transfers([request])
    instants.append(clock.now() - timedelta(days=1))  # before everything
    instants.append(clock.advance(minutes=1))

    made: list[Category] = []
    for code, parent in (("r", None), ("r:1", 0), ("r:2", 0), ("r:1:a", 1), ("r:1:b", 1), ("s", None)):
        command = CreateCategory(code, code, parent_id=None if parent is None else made[parent].id)
        made.append(uc.create_category(command, uow(), clock, RandomIds()).category)
    for category in made:
        for account in rng.sample(opened, rng.randint(0, 8)):
            uc.add_account(category.id, account.id, uow())
    return opened, made, instants


def _sum(found: Iterable[Account], posted: Callable[[Account], int], now: bool) -> tuple[GroupTotals, ...]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for a in found:
        s = sums[a.asset.code]
        s[0] += 1
        s[1] += posted(a)
        s[2] += a.balances.pending_debits
        s[3] += a.balances.pending_credits
        s[4] += a.available_balance
    return tuple(
        GroupTotals(asset, n, p, *((pd, pc, av) if now else (None, None, None)))
        for asset, (n, p, pd, pc, av) in sorted(sums.items())
    )


@pytest.mark.parametrize("descendants", [True, False])
def test_both_modes_answer_what_the_reference_adds_up(
    open_: OpenFn,
    write_path: InAppWritePath,
    uow_factory: Uow,
    clock: ManualClock,
    app_engine: Engine,
    descendants: bool,
) -> None:
    _, _, moments = _ledger(open_, write_path, uow_factory, clock)
    app = InAppReadPath(uow_factory)
    db = InDatabaseReadPath(app_engine, app_code_version())
    accounts = {a.id: a for a in account_cases.list_accounts(uow_factory(), limit=1000).items}
    with uow_factory() as u:
        made = u.categories.query(after_code=None, limit=100)
        members = {(c.id, a.id) for c in made for a in u.categories.members(c.id, after=None, limit=1000)}
        tree = CategoryTree({c.id: c.parent_id for c in made})
    instants: list[datetime | None] = [None, *moments]
    cache: dict[tuple[UUID, datetime, Basis], int] = {}

    def posted_at(at: datetime | None, basis: Basis) -> Callable[[Account], int]:
        def posted(a: Account) -> int:
            if at is None:
                return a.posted_balance
            key = (a.id, at, basis)
            if key not in cache:
                cache[key] = app.balance_as_of(a.id, at, basis).posted_balance
            return cache[key]

        return posted

    checked = 0
    for at in instants:
        for basis in (Basis.BOOKED, Basis.EFFECTIVE):
            if at is None and basis is Basis.EFFECTIVE:
                continue
            posted = posted_at(at, basis)
            for prefix in ("", "a:", "a:x:", "b:", "b:y:", "zzz:"):
                under = [a for a in accounts.values() if a.code.startswith(prefix)]
                children: dict[str, list[Account]] = defaultdict(list)
                for a in under:
                    children[a.code[len(prefix) :].split(":", 1)[0]].append(a)
                after: str | None = None
                seen: list[str] = []
                while True:
                    one = app.group_balance(prefix, as_of=at, basis=basis, after=after, limit=2)
                    assert db.group_balance(prefix, as_of=at, basis=basis, after=after, limit=2) == one
                    assert one.totals == _sum(under, posted, at is None), (prefix, at, basis)
                    for child in one.children:
                        assert child.totals == _sum(children[child.segment], posted, at is None)
                    seen += [c.segment for c in one.children]
                    checked += 1
                    if one.next_cursor is None:
                        break
                    after = one.next_cursor
                assert seen == sorted(children)
            for category in made:
                one = app.category_balance(category.id, as_of=at, basis=basis, descendants=descendants)
                assert db.category_balance(category.id, as_of=at, basis=basis, descendants=descendants) == one

                def holds(root: UUID) -> list[Account]:
                    scope = {root} | (tree.descendants(root) if descendants else set())
                    return [accounts[a] for a in sorted({a for c, a in members if c in scope})]

                assert one.totals == _sum(holds(category.id), posted, at is None)
                assert [c.category.id for c in one.children] == [
                    c.id for c in sorted(made, key=lambda c: c.code) if c.parent_id == category.id
                ]
                for child in one.children:
                    assert child.totals == _sum(holds(child.category.id), posted, at is None)
                checked += 1
    assert checked > 100
