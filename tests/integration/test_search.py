"""Searches (`application.search`) answered alike by every implementation of the repositories.

One ledger (accounts with metadata, categories, transfers booked, backdated, held, captured, voided)
is built through the use cases twice: in PostgreSQL and in the in-memory fakes. Then one script of
searches (every filter, alone and combined, walked page by page, and refusals) runs over the SQL
adapter, over the PL/Python store inside PostgreSQL, and over the fakes: the three logs must be equal,
and the SQL one is checked against what the ledger says.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, NullPool, create_engine, text

from adapters.db.code_bundle import app_code_version
from adapters.db.unit_of_work import SqlUnitOfWork
from application import accounts as account_cases
from application import codec
from application.accounts import OpenAccount, open_account
from application.ports import UnitOfWork
from application.write_path import InAppWritePath
from domain.accounts import Side
from domain.categories import Category
from domain.transfers import Posting, TransferRequest
from tests.conftest import TestDatabase
from tests.fakes import InMemoryStore
from tests.integration.conftest import ManualClock

NS = uuid.UUID("0f3c2f7e-5f7a-4c7b-9a51-51a2c0de5ea1")
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def uid(name: str) -> uuid.UUID:
    return uuid.uuid5(NS, name)


class CodeIds:
    """Account ids from their codes: the same in every ledger."""

    code = ""

    def new_id(self) -> uuid.UUID:
        return uid("account:" + self.code)


ACCOUNTS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("bank", "BRL", "debit", {}),
    ("bank:jpy", "JPY", "debit", {}),
    ("customer:alice", "BRL", "credit", {"tier": "gold", "kyc": True, "city": 'São "Paulo"'}),
    ("customer:bob", "BRL", "credit", {"tier": "silver"}),
    ("customer:carol", "BRL", "credit", {"tier": "gold"}),
    ("customer:dave", "BRL", "credit", {}),
    ("customer:eve", "BRL", "credit", {"tier": 3, "nested": {"tier": "gold"}}),
    ("customer:yen", "JPY", "credit", {"tier": "gold"}),
]
#: code, parent code, member account codes
CATEGORIES = [
    ("customers", None, ["customer:alice"]),
    ("customers:gold", "customers", ["customer:alice", "customer:carol"]),
    ("customers:gold:jp", "customers:gold", ["customer:yen"]),
    ("banks", None, ["bank", "bank:jpy"]),
    ("empty", None, []),
]


def build(uow: Callable[[], UnitOfWork], clock: ManualClock) -> None:
    """The ledger, through the use cases."""
    write = InAppWritePath(uow, clock)
    ids = CodeIds()
    for code, asset, side, metadata in ACCOUNTS:
        ids.code = code
        minimum = None if side == "debit" else 0
        open_account(OpenAccount(code, code, asset, side, minimum, metadata), uow(), clock, ids)
    a = {code: uid("account:" + code) for code, *_ in ACCOUNTS}

    def pay(name: str, source: str, target: str, amount: int, **options: Any) -> None:
        clock.advance(minutes=30)
        request = TransferRequest.simple(
            uid(name), debit_account_id=a[source], credit_account_id=a[target], amount=amount, **options
        )
        write.post_transfers([request])

    pay("fund-alice", "bank", "customer:alice", 10_000, metadata={"kind": "funding"})
    pay("fund-bob", "bank", "customer:bob", 5_000, effective_at=START - timedelta(days=3))
    pay("fund-carol", "bank", "customer:carol", 2_000, effective_at=START - timedelta(days=40))
    pay("order-1", "customer:alice", "customer:bob", 1_500, metadata={"order": "o-1", "channel": "pix"})
    pay("hold-2", "customer:alice", "customer:bob", 3_000, pending=True, metadata={"order": "o-2"})
    clock.advance(minutes=30)
    write.post_pending(uid("hold-2"), 2_000)
    pay("hold-3", "customer:bob", "customer:alice", 700, pending=True)
    clock.advance(minutes=30)
    write.void_pending(uid("hold-3"))
    pay("hold-4", "customer:bob", "customer:alice", 300, pending=True, metadata={"note": 'ação "x"'})
    pay("yen-1", "bank:jpy", "customer:yen", 5_000, metadata={"order": "o-3"})
    clock.advance(minutes=30)
    split = (
        Posting(a["customer:alice"], Side.DEBIT, 100),
        Posting(a["customer:bob"], Side.CREDIT, 60),
        Posting(a["customer:dave"], Side.CREDIT, 40),
    )
    write.post_transfers([TransferRequest(uid("split"), split, metadata={"order": "o-4"})])
    account_cases.freeze_account(a["customer:carol"], uow(), clock)


def categorize_sql(engine: Engine) -> None:
    with engine.begin() as conn:
        for code, parent, members in CATEGORIES:
            conn.execute(
                text(
                    "INSERT INTO categories (id, code, name, parent_id, created_at)"
                    " VALUES (:id, :code, :code, :parent, :at)"
                ),
                {
                    "id": uid("category:" + code),
                    "code": code,
                    "parent": parent and uid("category:" + parent),
                    "at": START,
                },
            )
            for member in members:
                conn.execute(
                    text("INSERT INTO account_categories (category_id, account_id) VALUES (:c, :a)"),
                    {"c": uid("category:" + code), "a": uid("account:" + member)},
                )


def categorize_fake(store: InMemoryStore) -> None:
    for code, parent, members in CATEGORIES:
        category_id = uid("category:" + code)
        parent_id = None if parent is None else uid("category:" + parent)
        store.categories[category_id] = Category(category_id, code, code, "", parent_id, {}, START)
        store.account_categories.update((category_id, uid("account:" + m)) for m in members)


#: Runs over a `uow` it is given (and `codec`): here over SqlUnitOfWork and the fakes, inside
#: PostgreSQL over `razao_store.PlpyUnitOfWork`. Reads only.
SEARCHES = """
from datetime import datetime, timedelta, timezone
from uuid import UUID, uuid5

from application import accounts as A, transfers as T
from application.search import account_filter, transfer_filter
from domain.errors import DomainError

NS = UUID("0f3c2f7e-5f7a-4c7b-9a51-51a2c0de5ea1")
START = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
NAMES = ["fund-alice", "fund-bob", "fund-carol", "order-1", "hold-2", "hold-3", "hold-4", "yen-1", "split"]
names = {uuid5(NS, n): n for n in NAMES}
log = []


def walk(run, key):
    out, after = [], None
    while True:
        page = run(after)
        out += [key(x) for x in page.items]
        if page.next_cursor is None:
            return out
        after = page.next_cursor


def accounts(**options):
    where = account_filter(**options)
    return walk(lambda after: A.list_accounts(uow(), where, after_code=after, limit=2), lambda a: a.code)


def transfers(**options):
    where = transfer_filter(**options)
    return walk(lambda after: T.list_transfers(uow(), where, after=after, limit=2), lambda t: names[t.id])


def case(name, run):
    try:
        log.append([name, "ok", run()])
    except DomainError as error:
        log.append([name, "error", [error.code, [[i.field, i.message] for i in getattr(error, "issues", ())]]])


gold = str(uuid5(NS, "category:customers:gold"))
alice, bob, dave = (uuid5(NS, "account:customer:" + name) for name in ("alice", "bob", "dave"))
week = {"start": START - timedelta(days=7), "end": START}
case("accounts", lambda: accounts())
case("accounts by prefix", lambda: accounts(code_prefix="customer:"))
case("accounts by a prefix matching none", lambda: accounts(code_prefix="customer%"))
case("frozen accounts", lambda: accounts(status="frozen"))
case("active accounts by prefix", lambda: accounts(status="active", code_prefix="customer:"))
case("JPY accounts", lambda: accounts(asset="JPY"))
case("gold accounts", lambda: accounts(metadata=["tier:gold"]))
case("gold accounts with kyc", lambda: accounts(metadata=["tier:gold"], metadata_has=["kyc"]))
case("tier 3 is a string", lambda: accounts(metadata=["tier:3"]))
case("accounts with a tier", lambda: accounts(metadata_has=["tier"]))
case("accounts with a tier and a nested one", lambda: accounts(metadata_has=["tier", "nested"]))
case("accounts by a quoted unicode value", lambda: accounts(metadata=['city:São "Paulo"']))
case("gold active BRL accounts", lambda: accounts(metadata=["tier:gold"], status="active", asset="BRL"))
case("category members", lambda: accounts(category="customers"))
case("category and descendants", lambda: accounts(category="customers", category_descendants=True))
case("category by id", lambda: accounts(category=gold))
case("category by id and descendants", lambda: accounts(category=gold, category_descendants=True))
case("category and filters", lambda: accounts(category="customers", category_descendants=True, asset="JPY"))
case("empty category", lambda: accounts(category="empty", category_descendants=True))
case("unknown category", lambda: accounts(category="nowhere"))
case("bad status", lambda: accounts(status="asleep"))
case("bad metadata", lambda: accounts(metadata=["tier"]))
case("descendants alone", lambda: accounts(category_descendants=True))

case("transfers", lambda: transfers())
case("transfers by value date", lambda: transfers(basis="effective"))
case("transfers of order o-1", lambda: transfers(metadata=["order:o-1"]))
case("transfers with an order", lambda: transfers(metadata_has=["order"]))
case("transfers with an order, small", lambda: transfers(metadata_has=["order"], amount_max=1_999))
case("transfers with an order in JPY", lambda: transfers(metadata_has=["order"], asset="JPY"))
case("transfers by a quoted unicode value", lambda: transfers(metadata=['note:ação "x"']))
case("alice's large transfers", lambda: transfers(account_id=alice, amount_min=2_000))
case("bob's 300 to 700", lambda: transfers(account_id=bob, amount_min=300, amount_max=700))
case("bob's voided", lambda: transfers(account_id=bob, status="voided"))
case("dave's by value date", lambda: transfers(account_id=dave, basis="effective"))
case("pending", lambda: transfers(status="pending"))
case("posted of alice", lambda: transfers(status="posted", account_id=alice))
case("booked in the first two hours", lambda: transfers(start=START, end=START + timedelta(hours=2)))
case("value dates of last week", lambda: transfers(basis="effective", **week))
case("value dates of last week, BRL", lambda: transfers(basis="effective", asset="BRL", **week))
month = {"start": START, "end": START + timedelta(days=31)}
case("booked over 31 days in BRL of 2000 up", lambda: transfers(asset="BRL", amount_min=2_000, **month))
case("pending by value date", lambda: transfers(status="pending", basis="effective"))
case("JPY alone", lambda: transfers(asset="JPY"))
case("amounts alone", lambda: transfers(amount_min=1, amount_max=2))
case("from after to", lambda: transfers(start=START, end=START - timedelta(seconds=1)))
case("32 days with an amount", lambda: transfers(start=START, end=START + timedelta(days=32), amount_min=1))
case("bad basis", lambda: transfers(basis="value"))
result = log
"""

#: A superuser-only function that runs the searches inside PostgreSQL over the deployed code.
RUN_IN_DATABASE = """
CREATE FUNCTION public.razao_search_run(source text) RETURNS text LANGUAGE plpython3u AS $test$
loader = GD["razao_loader"].current()
import razao_store
from application import codec

namespace = {"uow": lambda: razao_store.PlpyUnitOfWork(plpy), "codec": codec}
exec(source, namespace)
return codec.dumps(namespace["result"])
$test$
"""


def run_here(uow: Callable[[], UnitOfWork]) -> Any:
    namespace: dict[str, Any] = {"uow": uow, "codec": codec}
    exec(SEARCHES, namespace)
    return namespace["result"]


def run_in_database(database: TestDatabase) -> Any:
    engine = create_engine(database.admin_url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text(RUN_IN_DATABASE))
            conn.execute(  # loads the deployed code into this backend
                text("SELECT razao.trial_balance(CAST(:v AS text), NULL, NULL, NULL)"),
                {"v": app_code_version()},
            )
            return codec.loads(
                conn.execute(text("SELECT public.razao_search_run(:s)"), {"s": SEARCHES}).scalar_one()
            )
    finally:
        engine.dispose()


def test_every_implementation_answers_every_search_alike(
    uow_factory: Callable[[], SqlUnitOfWork], admin_engine: Engine, database: TestDatabase
) -> None:
    build(uow_factory, ManualClock(START))
    categorize_sql(admin_engine)
    store = InMemoryStore()
    build(store.unit_of_work, ManualClock(START))
    categorize_fake(store)

    sql = run_here(uow_factory)
    fake = run_here(store.unit_of_work)
    plpython = run_in_database(database)

    for expected, actual in zip(sql, fake, strict=True):
        assert actual == expected, f"fakes: {expected[0]}"
    for expected, actual in zip(sql, plpython, strict=True):
        assert actual == expected, f"PL/Python store: {expected[0]}"
    results = {name: (kind, value) for name, kind, value in sql}
    assert results["gold accounts"] == ("ok", ["customer:alice", "customer:carol", "customer:yen"])
    assert results["tier 3 is a string"] == ("ok", [])
    assert results["accounts by a quoted unicode value"] == ("ok", ["customer:alice"])
    assert results["category and descendants"] == ("ok", ["customer:alice", "customer:carol", "customer:yen"])
    assert results["category by id"] == ("ok", ["customer:alice", "customer:carol"])
    assert results["unknown category"] == (
        "error",
        ["validation_error", [["category", "there is no category nowhere"]]],
    )
    assert results["transfers"][1][-3:] == ["fund-carol", "fund-bob", "fund-alice"]
    assert results["transfers by value date"][1][-2:] == ["fund-bob", "fund-carol"]  # backdated
    assert results["transfers with an order, small"] == ("ok", ["split", "order-1"])
    assert results["alice's large transfers"] == ("ok", ["hold-2", "fund-alice"])
    assert results["bob's 300 to 700"] == ("ok", ["hold-4", "hold-3"])
    assert results["value dates of last week"] == ("ok", ["fund-bob"])
    assert results["transfers by a quoted unicode value"] == ("ok", ["hold-4"])
    assert results["transfers with an order in JPY"] == ("ok", ["yen-1"])
    for refused in ("pending by value date", "JPY alone", "amounts alone", "32 days with an amount"):
        assert results[refused][1][0] == "filter_needs_index", refused
    assert results["from after to"][1] == ["validation_error", [["to", "must not be before 'from'"]]]
    assert results["bad basis"][1][1][0][0] == "basis"
