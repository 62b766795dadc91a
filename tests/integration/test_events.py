"""The outbox on PostgreSQL, written by both execution modes and read by the watermark reader.

The hard part is the order. Event positions are (txid, n), and the reader (`SqlEventLog.read`, behind
`application.feed.read_events`) returns only events of transactions below the watermark, the oldest
transaction still running. These tests delay and reorder commits on purpose, with a test trigger on
`events` (`GATE`) that makes a chosen writer wait, after it has inserted its events (so after it took its
txid and its `n` values), on an advisory lock the test holds:

- `test_a_tailing_reader_sees_every_event_once_in_a_stable_order`: A takes its txid first and commits
  last, B second and commits second, C third and commits first. A reader tailing the feed all along must
  end with A, B, C, each once, in the same order as a reader that starts afterwards. It runs twice per
  mode: with the watermark reader, and with a NAIVE reader (`WHERE n > cursor ORDER BY n`, no
  watermark), for which the same checks must fail: it sees C while A and B are in flight, moves its
  cursor past their `n`, and never returns them. That is the negative check: the scenario really is the
  race a sequence-only reader loses.
- `test_concurrent_writers_with_random_commit_delays_are_tailed_exactly_once`: writer threads with
  random delays between insert and commit, a reader tailing meanwhile: every event once, no gap, the
  order of a later full read.

And: a change rolled back after its events were inserted leaves neither; a group of 50 transfers writes
its events in one statement, in request order; replays record nothing; retention deletes only an old
prefix and moves the horizon; the watermark lag is measured. Each in both modes where a mode writes.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, pool, text
from sqlalchemy.exc import DBAPIError

from adapters.db.code_bundle import app_code_version
from adapters.db.event_stats import watermark_lag
from adapters.db.in_database import InDatabaseWritePath
from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.system import RandomIds, SystemClock
from application import feed
from application.accounts import OpenAccount, open_account
from application.feed import Position
from application.write_path import InAppWritePath, WritePath
from domain.accounts import Account
from domain.transfers import ReversalRequest, TransferRequest
from tests.integration.conftest import OpenFn
from tests.outbox import settle_events

MODES = ["app", "database"]
#: Funding accounts (debit-normal, no minimum): writers that must not wait on each other's row locks
#: pay from different ones.
FUNDING = 4

#: Test-only: a statement inserting events of a gated transfer waits, after its insert, for the test's
#: advisory lock; one inserting events of a doomed transfer fails (its whole transaction rolls back);
#: every statement may sleep a random while; each statement's txid and row count is logged.
GATE = """
CREATE TABLE public.test_gates (transfer_id uuid PRIMARY KEY, lock bigint NOT NULL);
CREATE TABLE public.test_doomed (transfer_id uuid PRIMARY KEY);
CREATE TABLE public.test_delay (max_ms integer NOT NULL);
INSERT INTO public.test_delay VALUES (0);
CREATE TABLE public.test_statements (txid xid8 NOT NULL, rows bigint NOT NULL);
CREATE FUNCTION public.test_gate() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $fn$
DECLARE
    gate record;
    delay integer;
BEGIN
    INSERT INTO public.test_statements SELECT pg_current_xact_id(), count(*) FROM new_events;
    IF EXISTS (SELECT 1 FROM new_events e JOIN public.test_doomed d USING (transfer_id)) THEN
        RAISE EXCEPTION 'doomed on purpose, after its events were inserted';
    END IF;
    FOR gate IN SELECT DISTINCT g.lock FROM new_events e JOIN public.test_gates g USING (transfer_id) LOOP
        PERFORM pg_advisory_xact_lock_shared(gate.lock);
    END LOOP;
    SELECT max_ms INTO delay FROM public.test_delay;
    IF delay > 0 THEN
        PERFORM pg_sleep(random() * delay / 1000.0);
    END IF;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER test_gate AFTER INSERT ON public.events REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT EXECUTE FUNCTION public.test_gate();
"""


@dataclass
class Bench:
    """One database with the gate, a write path of one mode, and what the tests need around them."""

    mode: str
    write: WritePath
    uow: Callable[[], SqlUnitOfWork]
    app: Engine
    admin: Engine
    accounts: list[Account] = field(default_factory=list)

    def sql(self, statement: str, **parameters: Any) -> list[Any]:
        with self.admin.begin() as conn:
            result = conn.execute(text(statement), parameters)
            return list(result) if result.returns_rows else []

    def pay(self, amount: int = 1, source: int = 0, target: int = 0) -> TransferRequest:
        """From funding account `source` (0 to 3) to wallet `target` (0 to 5)."""
        return TransferRequest.simple(
            uuid.uuid4(),
            debit_account_id=self.accounts[source].id,
            credit_account_id=self.accounts[FUNDING + target].id,
            amount=amount,
        )

    def read_all(self, **filters: Any) -> list[feed.StoredEvent]:
        settle_events(self.app)
        items, after = [], None
        while True:
            page = feed.read_events(self.uow(), feed.EventFilter(**filters), after=after, limit=1000)
            items += page.items
            if len(page.items) < 1000:
                return items
            after = page.next_cursor

    def of_transfer(self, transfer_id: uuid.UUID) -> list[str]:
        return [e.type for e in self.read_all() if e.transfer_id == transfer_id]


@pytest.fixture(params=MODES)
def bench(
    request: pytest.FixtureRequest, app_engine: Engine, admin_engine: Engine, open_: OpenFn
) -> Iterator[Bench]:
    with admin_engine.begin() as conn:
        conn.execute(text(GATE))
    uow = lambda: SqlUnitOfWork(app_engine)  # noqa: E731
    write: WritePath = (
        InAppWritePath(uow, SystemClock())
        if request.param == "app"
        else InDatabaseWritePath(app_engine, app_code_version())
    )
    bench = Bench(request.param, write, uow, app_engine, admin_engine)
    bench.accounts = [open_(f"cash-{n}", normal_side="debit", min_balance=None) for n in range(FUNDING)] + [
        open_(f"wallet-{n}", normal_side="credit") for n in range(6)
    ]
    yield bench


# --- the readers ---------------------------------------------------------------------------------------


class WatermarkTail:
    """The feed as a client follows it: `read_events` from its last `next_cursor`."""

    def __init__(self, bench: Bench) -> None:
        self._bench = bench
        self.cursor: Position | None = None
        self.seen: list[feed.StoredEvent] = []

    def poll(self) -> list[uuid.UUID]:
        """Read until the page is empty; the transfer ids of what came."""
        came = []
        while True:
            page = feed.read_events(self._bench.uow(), after=self.cursor, limit=2)
            self.cursor = page.next_cursor
            self.seen += page.items
            came += [e.transfer_id for e in page.items if e.transfer_id is not None]
            if not page.items:
                return came


class NaiveTail:
    """What NOT to do: order by the sequence alone and resume after the last `n` seen."""

    def __init__(self, bench: Bench) -> None:
        self._bench = bench
        self.cursor = 0
        self.seen: list[Any] = []

    def poll(self) -> list[uuid.UUID]:
        rows = self._bench.sql(
            "SELECT id, n, transfer_id FROM events WHERE n > :n ORDER BY n LIMIT 1000", n=self.cursor
        )
        if rows:
            self.cursor = rows[-1].n
        self.seen += rows
        return [r.transfer_id for r in rows if r.transfer_id is not None]


def _held(bench: Bench, lock: int) -> bool:
    """Whether a session waits for advisory lock `lock` (a gated writer, parked after its insert)."""
    rows = bench.sql(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = :lock"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        lock=lock,
    )
    return bool(rows[0][0])


def _await_parked(bench: Bench, lock: int, writer: Future[Any]) -> None:
    deadline = time.monotonic() + 30
    while not _held(bench, lock):
        if writer.done():
            writer.result()  # raises what went wrong
            pytest.fail("the gated writer committed without waiting")
        if time.monotonic() > deadline:
            pytest.fail(f"no writer parked on lock {lock}")
        time.sleep(0.01)


@pytest.mark.parametrize("reader", ["watermark", "naive"])
def test_a_tailing_reader_sees_every_event_once_in_a_stable_order(bench: Bench, reader: str) -> None:
    # Three writers on disjoint accounts: only the gates make them wait.
    a, b, c = bench.pay(10, 0, 0), bench.pay(20, 1, 1), bench.pay(30, 2, 2)
    bench.sql("INSERT INTO test_gates VALUES (:a, 1), (:b, 2)", a=a.id, b=b.id)
    tail: WatermarkTail | NaiveTail = WatermarkTail(bench) if reader == "watermark" else NaiveTail(bench)
    gatekeeper = create_engine(bench.admin.url, poolclass=pool.NullPool)
    with gatekeeper.connect() as gate, ThreadPoolExecutor(max_workers=2) as pool_:
        gate.execute(text("SELECT pg_advisory_lock(1), pg_advisory_lock(2)"))
        gate.commit()
        # A takes its txid and its n first, then waits (gate 1); B second, then waits (gate 2).
        writer_a = pool_.submit(bench.write.post_transfers, [a])
        _await_parked(bench, 1, writer_a)
        writer_b = pool_.submit(bench.write.post_transfers, [b])
        _await_parked(bench, 2, writer_b)
        # C takes the third txid and the highest n, and commits first.
        bench.write.post_transfers([c])
        seen_while_a_and_b_run = tail.poll()
        gate.execute(text("SELECT pg_advisory_unlock(2)"))  # B commits second
        writer_b.result(timeout=30)
        seen_while_a_runs = tail.poll()
        gate.execute(text("SELECT pg_advisory_unlock(1)"))  # A commits last
        gate.commit()
        writer_a.result(timeout=30)
    gatekeeper.dispose()
    settle_events(bench.app)
    tail.poll()

    # The accounts' openings came before; these are the three payments.
    everything = [e.transfer_id for e in bench.read_all() if e.transfer_id is not None]
    order_by_txid = [a.id, b.id, c.id]
    tailed = [e.transfer_id for e in tail.seen if e.transfer_id is not None]
    if reader == "watermark":
        # Nothing came while A (the oldest) ran: C and then B were held back behind it...
        assert seen_while_a_and_b_run == [] and seen_while_a_runs == []
        # ...so nothing was skipped, nothing repeated, and the order is the one anyone reads later.
        assert tailed == everything == order_by_txid
        assert len({e.id for e in tail.seen}) == len(tail.seen)
    else:
        # The naive reader returned C while A and B were in flight, moved its cursor past their `n`, and
        # never returns them: it fails the very checks the watermark reader passes.
        assert seen_while_a_and_b_run == [c.id]
        assert tailed != everything and set(everything) - set(tailed) == {a.id, b.id}


def test_concurrent_writers_with_random_commit_delays_are_tailed_exactly_once(bench: Bench) -> None:
    bench.sql("UPDATE test_delay SET max_ms = 20")
    writers, each = 4, 15
    finished: list[uuid.UUID] = []  # transfer ids in the order their writer saw the commit
    lock = threading.Lock()
    done = threading.Event()
    tail = WatermarkTail(bench)

    def write(k: int) -> None:
        rng = random.Random(k)
        for _ in range(each):
            requests = [bench.pay(rng.randint(1, 9), k, rng.randint(0, 5)) for _ in range(rng.randint(1, 3))]
            bench.write.post_transfers(requests)
            with lock:
                finished.extend(r.id for r in requests)

    def follow() -> None:
        while not done.is_set():
            tail.poll()
            time.sleep(0.005)

    with ThreadPoolExecutor(max_workers=writers + 1) as pool_:
        reader = pool_.submit(follow)
        try:
            for future in [pool_.submit(write, k) for k in range(writers)]:
                future.result(timeout=120)
        finally:
            done.set()
        reader.result(timeout=60)
    settle_events(bench.app)
    tail.poll()

    everything = bench.read_all()
    assert [e.id for e in tail.seen] == [e.id for e in everything]  # each once, in the same order
    assert len({e.id for e in tail.seen}) == len(tail.seen)
    payments = [e.transfer_id for e in everything if e.transfer_id is not None]
    assert sorted(payments) == sorted(finished)  # each booked payment once (and the accounts opened)
    positions = [e.position for e in everything]
    assert positions == sorted(positions)
    # The commits did come in another order than the positions (the random delays reordered them).
    rank = {transfer_id: n for n, transfer_id in enumerate(payments)}
    assert any(rank[x] > rank[y] for x, y in itertools.pairwise(finished))


# --- atomicity, statements, replays ---------------------------------------------------------------


def test_a_change_rolled_back_after_its_events_were_inserted_leaves_neither(bench: Bench) -> None:
    doomed, kept = bench.pay(5), bench.pay(6)
    bench.sql("INSERT INTO test_doomed VALUES (:id)", id=doomed.id)

    with pytest.raises(DBAPIError, match="doomed on purpose"):
        bench.write.post_transfers([doomed])
    bench.write.post_transfers([kept])

    assert bench.of_transfer(doomed.id) == []
    assert bench.of_transfer(kept.id) == ["transfer.posted"]
    assert bench.sql("SELECT count(*) FROM transfers WHERE id = :id", id=doomed.id)[0][0] == 0


def test_a_group_writes_its_events_in_one_statement_in_request_order(bench: Bench) -> None:
    requests = [bench.pay(n, n % FUNDING, n % 6) for n in range(1, 51)]
    wallets = bench.accounts[FUNDING:]
    refused = TransferRequest.simple(
        uuid.uuid4(), debit_account_id=wallets[0].id, credit_account_id=wallets[1].id, amount=10**9
    )
    bench.sql("TRUNCATE test_statements")

    results = bench.write.post_each([*requests[:25], refused, *requests[25:]])

    assert sum(1 for r in results if not hasattr(r, "transfer")) == 1  # the refused one: no event
    statements = bench.sql("SELECT txid::text, rows FROM test_statements")
    assert [r.rows for r in statements] == [50]
    events = [e for e in bench.read_all() if e.type == "transfer.posted"]
    assert [e.transfer_id for e in events] == [r.id for r in requests]
    assert {e.position.txid for e in events} == {int(statements[0].txid)}


def test_replays_record_nothing(bench: Bench) -> None:
    paid, hold, other = bench.pay(7), bench.pay(8), bench.pay(9)
    hold = TransferRequest(hold.id, hold.postings, pending=True)
    other = TransferRequest(other.id, other.postings, pending=True)
    for _ in range(2):
        bench.write.post_transfers([paid, hold, other])
        bench.write.post_pending(hold.id, 3)
        bench.write.void_pending(other.id)
    reversal = ReversalRequest(uuid.uuid4(), paid.id)
    bench.write.reverse(reversal)
    bench.write.reverse(reversal)

    assert bench.of_transfer(paid.id) == ["transfer.posted", "transfer.reversed"]
    assert bench.of_transfer(hold.id) == ["transfer.pending", "transfer.captured"]
    assert bench.of_transfer(other.id) == ["transfer.pending", "transfer.voided"]
    assert bench.of_transfer(reversal.id) == ["transfer.posted"]


def test_expiry_records_one_event_per_expired_hold(bench: Bench) -> None:
    holds = [
        TransferRequest.simple(
            uuid.uuid4(),
            debit_account_id=bench.accounts[0].id,
            credit_account_id=bench.accounts[FUNDING].id,
            amount=n,
            pending=True,
            timeout_seconds=1,
        )
        for n in (1, 2)
    ]
    bench.write.post_transfers(holds)
    time.sleep(1.5)  # the database mode's clock is the database's own: time must really pass
    expired = bench.write.expire_due(100)

    assert {t.id for t in expired} == {h.id for h in holds}
    for hold in holds:
        assert bench.of_transfer(hold.id) == ["transfer.pending", "transfer.expired"]
    event = next(e for e in bench.read_all(types=frozenset({feed.EventType.TRANSFER_EXPIRED})))
    assert event.data["status"] == "expired" and event.occurred_at == datetime.fromisoformat(
        event.data["resolved_at"]
    )


# --- retention and the watermark's lag ---------------------------------------------------------------


def test_retention_deletes_an_old_prefix_only_and_moves_the_horizon(
    app_engine: Engine, admin_engine: Engine, uow_factory: Callable[[], SqlUnitOfWork], open_: OpenFn
) -> None:
    """`open_` stamps with a clock of March 2025: those events are old; `young` is opened now."""
    old = [open_(f"old-{n}") for n in range(3)]
    command = OpenAccount("young", "Young", "BRL", "credit")
    young = open_account(command, uow_factory(), SystemClock(), RandomIds()).account
    older_again = open_("older-again")  # old, but after a young event: not part of the old prefix
    settle_events(app_engine)
    before = feed.read_events(uow_factory(), limit=1)

    deleted = feed.prune_events(uow_factory, SystemClock(), timedelta(days=7), batch=2)

    assert deleted == 3
    kept = feed.read_events(uow_factory()).items
    assert [e.data["id"] for e in kept] == [str(young.id), str(older_again.id)]
    with pytest.raises(feed.CursorExpired):
        feed.read_events(uow_factory(), after=before.next_cursor)
    assert feed.read_events(uow_factory(), after=kept[0].position).items == kept[1:]
    assert {str(a.id) for a in old}.isdisjoint(e.data["id"] for e in kept)
    with admin_engine.connect() as conn:
        horizon = conn.execute(text("SELECT txid::text, n, pruned FROM events_horizon")).one()
    assert Position(int(horizon.txid), horizon.n) < kept[0].position and horizon.pruned == 3
    assert feed.prune_events(uow_factory, SystemClock(), timedelta(days=7)) == 0  # young blocks the rest


def test_retention_refuses_to_delete_recent_events_whoever_asks(app_engine: Engine) -> None:
    with app_engine.connect() as conn, pytest.raises(DBAPIError, match="younger than 1 day") as refused:
        conn.execute(text("SELECT razao.prune_events(now() - interval '23 hours', 10)"))
    assert getattr(refused.value.orig, "sqlstate", None) == "22023"
    with pytest.raises(feed.ValidationError):
        feed.prune_events(lambda: SqlUnitOfWork(app_engine), SystemClock(), timedelta(hours=23))


def _hold_an_xid(admin: Engine) -> tuple[Connection, Engine]:
    engine = create_engine(admin.url, poolclass=pool.NullPool)
    connection = engine.connect()
    connection.execute(text("SELECT pg_current_xact_id()"))  # a transaction with an id, left open
    return connection, engine


def test_a_long_transaction_holds_events_back_and_the_lag_shows_it(
    app_engine: Engine, admin_engine: Engine, uow_factory: Callable[[], SqlUnitOfWork], open_: OpenFn
) -> None:
    settle_events(app_engine)
    start = feed.read_events(uow_factory(), limit=1000).next_cursor
    connection, engine = _hold_an_xid(admin_engine)
    try:
        held = open_("held-back")
        time.sleep(0.2)
        lag = watermark_lag(app_engine)
        assert lag["held_back"] >= 1 and lag["lag_seconds"] > 0.1
        assert feed.read_events(uow_factory(), after=start).items == []
    finally:
        connection.rollback()
        connection.close()
        engine.dispose()
    settle_events(app_engine)
    assert [e.data["id"] for e in feed.read_events(uow_factory(), after=start).items] == [str(held.id)]


def test_the_reader_positions_fit_the_cursor_range(
    app_engine: Engine, uow_factory: Callable[[], SqlUnitOfWork], open_: OpenFn
) -> None:
    open_("one")
    settle_events(app_engine)
    page = feed.read_events(uow_factory())
    assert [e.type for e in page.items] == ["account.opened"] and page.next_cursor > page.items[0].position
    assert all(0 < e.position.txid < 2**64 and 0 < e.position.n < 2**63 for e in page.items)
    assert all(e.occurred_at.tzinfo is not None for e in page.items)


def test_no_one_rewrites_or_truncates_events(admin_engine: Engine, open_: OpenFn) -> None:
    """Even the owner or a superuser: rule 17 of docs/reference/rules.md (SQLSTATE RZ107)."""
    open_("alice")
    for statement in ("UPDATE events SET data = '{}'", "TRUNCATE events"):
        with pytest.raises(DBAPIError) as refused, admin_engine.begin() as conn:
            conn.execute(text(statement))
        assert getattr(refused.value.orig, "sqlstate", None) == "RZ107", statement
