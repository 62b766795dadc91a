"""The events the use cases record, on the in-memory fakes: which, when, about what, with which payload;
none for a refusal, a rollback or a replay; and the feed over them (pages, cursors, filters, retention)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from application import accounts as account_cases
from application import documents, feed, jobs
from application.accounts import OpenAccount
from application.events import EventType
from application.feed import START, EventFilter, Position
from application.write_path import InAppWritePath
from domain.accounts import Account
from domain.errors import InsufficientFunds, InvalidState, ValidationError
from domain.transfers import ReversalRequest, Transfer, TransferRequest
from tests.fakes import FakeClock, InMemoryStore, SequentialIds
from tests.unit.builders import MoveFn, OpenFn


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def plain(document: dict[str, Any]) -> Any:
    """A document as the outbox keeps it (JSON: UUIDs as text, instants in ISO 8601)."""
    return json.loads(json.dumps(document, default=_text))


def recorded(store: InMemoryStore, since: int = 0) -> list[tuple[str, UUID | None]]:
    return [
        (e.type, e.transfer_id or (e.account_ids[0] if e.account_ids else None)) for e in store.events[since:]
    ]


def pay(ids: SequentialIds, source: Account, target: Account, amount: int, **options: Any) -> TransferRequest:
    return TransferRequest.simple(
        ids.new_id(), debit_account_id=source.id, credit_account_id=target.id, amount=amount, **options
    )


@pytest.fixture
def bank(open_: OpenFn) -> Account:
    return open_("bank", normal_side="debit", min_balance=None)


@pytest.fixture
def alice(open_: OpenFn) -> Account:
    return open_("alice")


# --- what each use case records -------------------------------------------------------------------


def test_opening_an_account_records_account_opened_with_its_document(
    store: InMemoryStore, clock: FakeClock, ids: SequentialIds
) -> None:
    opened = account_cases.open_account(
        OpenAccount("carol", "Carol", "BRL", "credit"), store.unit_of_work(), clock, ids
    )
    again = account_cases.open_account(
        OpenAccount("carol", "Carol", "BRL", "credit"), store.unit_of_work(), clock, ids
    )

    [event] = store.events
    assert again.replayed
    assert (event.type, event.account_ids, event.occurred_at) == (
        "account.opened",
        (opened.account.id,),
        clock.now(),
    )
    assert event.data == plain(documents.account_document(opened.account))
    assert event.transfer_id is None and event.job_id is None


def test_a_booking_records_posted_or_pending_per_transfer_in_request_order(
    store: InMemoryStore,
    write: InAppWritePath,
    ids: SequentialIds,
    clock: FakeClock,
    bank: Account,
    alice: Account,
) -> None:
    before = len(store.events)
    paid, held = pay(ids, bank, alice, 500), pay(ids, bank, alice, 70, pending=True)
    outcomes = write.post_transfers([paid, held])

    new = store.events[before:]
    assert [(e.type, e.transfer_id) for e in new] == [
        ("transfer.posted", paid.id),
        ("transfer.pending", held.id),
    ]
    assert [e.data for e in new] == [plain(documents.transfer_document(o.transfer)) for o in outcomes]
    assert all(e.account_ids == tuple(sorted([bank.id, alice.id])) for e in new)
    assert all(e.occurred_at == clock.now() for e in new)
    assert len({e.position.txid for e in new}) == 1, "one transaction"
    assert [e.position.n for e in new] == [1, 2]


def test_refusals_and_replays_record_nothing(
    store: InMemoryStore, write: InAppWritePath, ids: SequentialIds, bank: Account, alice: Account
) -> None:
    paid = pay(ids, bank, alice, 500)
    write.post_transfers([paid])
    before = len(store.events)

    write.post_transfers([paid])  # a replay
    with pytest.raises(InsufficientFunds):
        write.post_transfers([pay(ids, bank, alice, 1), pay(ids, alice, bank, 10**6)])  # all or nothing
    results = write.post_each([paid, pay(ids, alice, bank, 10**6)])  # a replay and a refusal

    assert results[0].replayed and isinstance(results[1], InsufficientFunds)  # type: ignore[union-attr]
    assert len(store.events) == before


def test_each_transfer_booked_on_its_own_gets_its_event_in_one_transaction(
    store: InMemoryStore, write: InAppWritePath, ids: SequentialIds, bank: Account, alice: Account
) -> None:
    before = len(store.events)
    requests = [pay(ids, bank, alice, 10), pay(ids, alice, bank, 10**6), pay(ids, bank, alice, 20)]
    write.post_each(requests)

    new = store.events[before:]
    assert [e.transfer_id for e in new] == [requests[0].id, requests[2].id]
    assert len({e.position.txid for e in new}) == 1


def test_two_phase_outcomes_record_captured_voided_and_expired(
    store: InMemoryStore,
    write: InAppWritePath,
    ids: SequentialIds,
    clock: FakeClock,
    bank: Account,
    alice: Account,
) -> None:
    captured, voided = pay(ids, bank, alice, 30, pending=True), pay(ids, bank, alice, 40, pending=True)
    expiring = pay(ids, bank, alice, 50, pending=True, timeout_seconds=60)
    write.post_transfers([captured, voided, expiring])
    before = len(store.events)

    done = write.post_pending(captured.id, 10)
    write.post_pending(captured.id, 10)  # a replay
    write.void_pending(voided.id)
    write.void_pending(voided.id)
    clock.advance(61)
    [expired] = write.expire_due()
    assert write.expire_due() == []

    assert recorded(store, before) == [
        ("transfer.captured", captured.id),
        ("transfer.voided", voided.id),
        ("transfer.expired", expiring.id),
    ]
    capture, _, expiry = store.events[before:]
    assert capture.data == plain(documents.transfer_document(done.transfer))
    assert capture.data["status"] == "posted" and capture.data["posted"][0]["amount"] == 10
    assert expiry.data == plain(documents.transfer_document(expired))
    assert expiry.occurred_at == clock.now() == expired.resolved_at


def test_a_reversal_records_its_own_posting_then_the_originals_reversal(
    store: InMemoryStore, write: InAppWritePath, ids: SequentialIds, bank: Account, alice: Account
) -> None:
    original = pay(ids, bank, alice, 500)
    write.post_transfers([original])
    before = len(store.events)
    request = ReversalRequest(ids.new_id(), original.id, "refund")

    outcome = write.reverse(request)
    write.reverse(request)  # a replay
    with pytest.raises(InvalidState):
        write.reverse(ReversalRequest(ids.new_id(), original.id))

    posted, reversed_ = store.events[before:]
    assert (posted.type, posted.transfer_id) == ("transfer.posted", request.id)
    assert posted.data == plain(documents.transfer_document(outcome.transfer))
    assert posted.data["reverses_id"] == str(original.id)
    assert (reversed_.type, reversed_.transfer_id) == ("transfer.reversed", original.id)
    with store.unit_of_work() as tx:
        now: Transfer | None = tx.transfers.get(original.id)
    assert now is not None and reversed_.data == plain(documents.transfer_document(now))
    assert reversed_.data["reversed_by_id"] == str(request.id)


def test_status_changes_record_an_event_only_when_the_status_changes(
    store: InMemoryStore, clock: FakeClock, alice: Account
) -> None:
    before = len(store.events)
    uow = store.unit_of_work
    account_cases.freeze_account(alice.id, uow(), clock)
    account_cases.freeze_account(alice.id, uow(), clock)  # already frozen: nothing happened
    clock.advance(5)
    unfrozen = account_cases.unfreeze_account(alice.id, uow(), clock)
    account_cases.close_account(alice.id, uow(), clock)
    account_cases.close_account(alice.id, uow(), clock)

    assert recorded(store, before) == [
        ("account.frozen", alice.id),
        ("account.unfrozen", alice.id),
        ("account.closed", alice.id),
    ]
    assert store.events[before + 1].data == plain(documents.account_document(unfrozen))
    assert store.events[before + 1].occurred_at == clock.now()


def test_a_jobs_end_is_recorded_once(store: InMemoryStore, clock: FakeClock, ids: SequentialIds) -> None:
    uow = store.unit_of_work
    done = jobs.create_job("ledger-verification", {}, "req-1", uow(), clock, ids)
    failed = jobs.create_job("expire-holds", {}, None, uow(), clock, ids)
    jobs.start_job(done.id, uow(), clock, total=2)
    jobs.progress_job(done.id, 1, uow())
    clock.advance(3)
    finished = jobs.finish_job(done.id, {"ok": True}, uow(), clock)
    jobs.finish_job(done.id, {"ok": True}, uow(), clock)  # a redelivered task finishing again
    errored = jobs.fail_job(failed.id, [{"code": "x", "detail": "y"}], uow(), clock)
    jobs.fail_job(failed.id, [{"code": "x", "detail": "y"}], uow(), clock)

    assert [(e.type, e.job_id) for e in store.events] == [
        ("job.succeeded", done.id),
        ("job.failed", failed.id),
    ]
    succeeded, failure = store.events
    assert succeeded.data == plain(documents.job_document(finished))
    assert succeeded.occurred_at == finished.finished_at == clock.now()
    assert failure.data == plain(documents.job_document(errored))


def test_an_abandoned_unit_of_work_records_nothing(
    store: InMemoryStore, clock: FakeClock, alice: Account
) -> None:
    before = len(store.events)
    with store.unit_of_work() as tx:
        tx.events.add([feed_event(alice, clock)])
    assert len(store.events) == before


def feed_event(account: Account, clock: FakeClock) -> Any:
    from application import events

    return events.of_account(EventType.ACCOUNT_FROZEN, account, clock.now())


# --- the feed --------------------------------------------------------------------------------------


def test_pages_follow_the_order_and_resume_after_the_cursor(
    store: InMemoryStore, move: MoveFn, bank: Account, alice: Account
) -> None:
    for amount in range(1, 6):
        move(bank, alice, amount)
    everything = feed.read_events(store.unit_of_work(), limit=1000).items
    assert [e.position for e in everything] == sorted(e.position for e in everything)

    seen, after = [], None
    while True:
        page = feed.read_events(store.unit_of_work(), after=after, limit=2)
        seen += page.items
        assert page.next_cursor is not None
        if not page.items:
            break
        after = page.next_cursor
    assert seen == everything


def test_an_empty_page_answers_the_watermark_and_never_goes_back(
    store: InMemoryStore, alice: Account
) -> None:
    page = feed.read_events(store.unit_of_work())
    assert page.next_cursor >= page.items[-1].position
    empty = feed.read_events(store.unit_of_work(), after=page.next_cursor)
    assert empty.items == [] and empty.next_cursor >= page.next_cursor
    far = Position(2**63, 5)
    assert feed.read_events(store.unit_of_work(), after=far).next_cursor == far


def test_filters_by_type_and_account(
    store: InMemoryStore,
    write: InAppWritePath,
    ids: SequentialIds,
    bank: Account,
    alice: Account,
    open_: OpenFn,
) -> None:
    bob = open_("bob")
    hold = pay(ids, bank, bob, 5, pending=True)
    write.post_transfers([pay(ids, bank, alice, 5), hold])
    write.void_pending(hold.id)
    only = EventFilter(feed.parse_types(["transfer.pending", "transfer.voided"]), bob.id)

    page = feed.read_events(store.unit_of_work(), only)

    assert [(e.type, e.transfer_id) for e in page.items] == [
        ("transfer.pending", hold.id),
        ("transfer.voided", hold.id),
    ]
    of_alice = feed.read_events(store.unit_of_work(), EventFilter(account_id=alice.id)).items
    assert [e.type for e in of_alice] == ["account.opened", "transfer.posted"]


@pytest.mark.parametrize("names", [["transfer.exploded"], [""], [], ["TRANSFER.POSTED"]])
def test_unknown_types_are_refused_on_the_types_field(names: list[str]) -> None:
    with pytest.raises(ValidationError) as refused:
        feed.parse_types(names)
    assert [i.field for i in refused.value.issues] == ["types"]


@pytest.mark.parametrize("limit", [0, 1001, True])
def test_the_page_size_is_checked(store: InMemoryStore, limit: int) -> None:
    with pytest.raises(ValidationError):
        feed.read_events(store.unit_of_work(), limit=limit)


def test_retention_deletes_old_events_and_an_older_cursor_expires(
    store: InMemoryStore, clock: FakeClock, open_: OpenFn
) -> None:
    old = [open_(f"old-{n}") for n in range(3)]
    cursor = feed.read_events(store.unit_of_work(), limit=1).next_cursor
    clock.advance(timedelta(days=10).total_seconds())
    young = open_("young")

    deleted = feed.prune_events(store.unit_of_work, clock, timedelta(days=7), batch=2)

    assert deleted == 3 and {e.account_ids[0] for e in store.events} == {young.id}
    assert store.event_horizon == Position(3, 1)
    with pytest.raises(feed.CursorExpired) as expired:
        feed.read_events(store.unit_of_work(), after=cursor)
    assert expired.value.code == "cursor_expired"
    assert [e.account_ids for e in feed.read_events(store.unit_of_work()).items] == [(young.id,)]
    assert feed.read_events(store.unit_of_work(), after=store.event_horizon).items != []
    assert {a.id for a in old}.isdisjoint(e.account_ids[0] for e in store.events)


def test_retention_keeps_at_least_a_day(store: InMemoryStore, clock: FakeClock) -> None:
    with pytest.raises(ValidationError):
        feed.prune_events(store.unit_of_work, clock, timedelta(hours=23))
    assert Position(0, 1) > START
