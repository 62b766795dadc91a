"""The fast path of the hot endpoints spells the same JSON as their documented models, and the events'
payloads (the same documents, `application.documents`, through the outbox's JSON encoder) are what the
API answers for the object.

`AccountOut.document`, `BalanceOut.document`, `EntryOut.document`, `TransferOut.document` and `bulk_item`,
encoded by `dump_json` (orjson, or the standard library for integers beyond 64 bits), must give the bytes
pydantic gives for the models: same fields, same order, instants in UTC, metadata keys sorted.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from adapters.http import cursors
from adapters.http.schemas.accounts import AccountOut, BalanceOut, EntryOut
from adapters.http.schemas.common import dump_json, utc
from adapters.http.schemas.events import EventOut
from adapters.http.schemas.jobs import JobOut
from adapters.http.schemas.transfers import BulkItemOut, TransferOut, bulk_item
from application import events
from application.accounts import BalanceAsOf
from application.feed import Position, StoredEvent
from application.jobs import Job, JobState
from application.ports import StatementLine
from domain.accounts import Account, AccountStatus, Balances, Layer, Side
from domain.assets import Asset
from domain.transfers import Entry, Posting, Transfer, TransferStatus

#: Up to NUMERIC(38, 0): beyond orjson's 64 bits too.
big = st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1)
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
json_value = st.recursive(
    st.none() | st.booleans() | big | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
offsets = st.sampled_from([UTC, timezone(timedelta(hours=-3)), timezone(timedelta(hours=5, minutes=30))])
instants = st.builds(
    lambda at, tz: at.replace(tzinfo=UTC).astimezone(tz),
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1)),
    offsets,
)


def accounts() -> st.SearchStrategy[Account]:
    return st.builds(
        Account,
        id=st.uuids(),
        code=text,
        name=text,
        asset=st.builds(Asset, st.sampled_from(["BRL", "USD", "POINTS"]), st.integers(0, 18)),
        normal_side=st.sampled_from(Side),
        min_balance=st.none() | big,
        status=st.sampled_from(AccountStatus),
        metadata=st.dictionaries(text, json_value, max_size=4),
        created_at=instants,
        balances=st.builds(Balances, big, big, big, big),
        last_seq=st.integers(0, 2**40),
    )


def lines() -> st.SearchStrategy[StatementLine]:
    entries = st.builds(
        Entry,
        transfer_id=st.uuids(),
        account_id=st.uuids(),
        seq=st.integers(1, 2**62),
        layer=st.just(Layer.POSTED),
        side=st.sampled_from(Side),
        amount=st.integers(1, 10**30 - 1),
        asset=st.just("BRL"),
        balance_after=big,
        created_at=instants,
        line=st.integers(0, 100),
    )
    return st.builds(StatementLine, entries, instants, text)


def same_json(document: dict[str, Any], model: Any) -> None:
    assert dump_json(document) == model.model_dump_json().encode()


@given(accounts())
def test_account_document_is_the_models_json(account: Account) -> None:
    same_json(AccountOut.document(account), AccountOut.of(account))


@given(lines())
def test_entry_document_is_the_models_json(line: StatementLine) -> None:
    same_json(EntryOut.document(line), EntryOut.of(line))


@given(accounts(), instants, big)
def test_balance_document_is_the_models_json(account: Account, at: datetime, balance: int) -> None:
    as_of = BalanceAsOf(account, at, balance)
    same_json(BalanceOut.document(as_of), BalanceOut.of(as_of))


def test_instants_are_written_in_utc_with_an_explicit_offset() -> None:
    at = datetime(2025, 1, 31, 9, 0, tzinfo=timezone(timedelta(hours=-3)))

    assert dump_json({"at": utc(at), "id": UUID(int=1)}) == (
        b'{"at":"2025-01-31T12:00:00+00:00","id":"00000000-0000-0000-0000-000000000001"}'
    )


def test_integers_beyond_64_bits_are_written_exactly() -> None:
    assert dump_json({"n": -(10**37), "at": utc(datetime(2025, 1, 1, tzinfo=UTC))}) == (
        b'{"n":-10000000000000000000000000000000000000,"at":"2025-01-01T00:00:00+00:00"}'
    )


def transfers() -> st.SearchStrategy[Transfer]:
    postings = st.lists(
        st.builds(
            Posting, st.uuids(), st.sampled_from(Side), st.integers(1, 10**30 - 1), st.none() | st.just("BRL")
        ),
        min_size=2,
        max_size=4,
    ).map(tuple)
    return st.builds(
        Transfer,
        id=st.uuids(),
        postings=postings,
        status=st.sampled_from(TransferStatus),
        two_phase=st.booleans(),
        description=text,
        metadata=st.dictionaries(text, json_value, max_size=4),
        effective_at=instants,
        created_at=instants,
        fingerprint=st.just("f" * 64),
        timeout_at=st.none() | instants,
        resolved_at=st.none() | instants,
        posted=postings | st.just(()),
        reverses_id=st.none() | st.uuids(),
        reversed_by_id=st.none() | st.uuids(),
    )


@given(transfers())
def test_transfer_document_is_the_models_json(transfer: Transfer) -> None:
    same_json(TransferOut.document(transfer), TransferOut.of(transfer))


@given(transfers(), st.booleans())
def test_bulk_item_documents_are_the_models_json(transfer: Transfer, replayed: bool) -> None:
    same_json(
        bulk_item(201, replayed=replayed, transfer=transfer),
        BulkItemOut(status=201, replayed=replayed, transfer=TransferOut.of(transfer)),
    )
    problem = {"type": "urn:razao:problem:insufficient_funds", "status": 422, "code": "insufficient_funds"}
    same_json(bulk_item(422, problem=problem), BulkItemOut(status=422, problem=problem))


# --- the events' payloads: the same documents, through the outbox's encoder ---------------------------


def outbox_json(document: Any) -> Any:
    """A document as the outbox stores it (`json` with a default for UUIDs and datetimes: what
    `adapters.db.tx` and the PL/Python store send), read back as the feed gives it."""

    def plain(value: object) -> str:
        if isinstance(value, UUID):
            return str(value)
        if isinstance(value, datetime):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    return json.loads(json.dumps(document, default=plain, separators=(",", ":"), ensure_ascii=False))


@given(transfers())
def test_a_transfer_events_payload_is_what_the_api_answers(transfer: Transfer) -> None:
    event = events.of_transfer(events.EventType.TRANSFER_POSTED, transfer, transfer.created_at)
    assert outbox_json(event.data) == json.loads(TransferOut.of(transfer).model_dump_json())
    assert event.account_ids == tuple(sorted({p.account_id for p in transfer.postings}))


@given(accounts())
def test_an_account_events_payload_is_what_the_api_answers(account: Account) -> None:
    event = events.of_account(events.EventType.ACCOUNT_FROZEN, account, account.created_at)
    assert outbox_json(event.data) == json.loads(AccountOut.of(account).model_dump_json())
    assert event.account_ids == (account.id,)


@given(
    st.uuids(), st.sampled_from(JobState), st.none() | st.dictionaries(text, json_value, max_size=3), instants
)
def test_a_job_events_payload_is_what_the_api_answers(
    job_id: UUID, state: JobState, result: dict[str, Any] | None, at: datetime
) -> None:
    job = Job(
        job_id, "interest-accrual", state, {"start": "2026-01-01"}, at, "req-1", 3, 4, result, [], at, at
    )
    event = events.of_job(events.EventType.JOB_SUCCEEDED, job, at)
    assert outbox_json(event.data) == json.loads(JobOut.of(job).model_dump_json())
    assert (event.job_id, event.account_ids, event.transfer_id) == (job_id, (), None)


def stored_events() -> st.SearchStrategy[StoredEvent]:
    return st.builds(
        StoredEvent,
        id=st.uuids(),
        position=st.builds(Position, st.integers(1, 2**64 - 1), st.integers(1, 2**63 - 1)),
        type=st.sampled_from([t.value for t in events.EventType]),
        occurred_at=instants,
        account_ids=st.lists(st.uuids(), max_size=3).map(tuple),
        transfer_id=st.none() | st.uuids(),
        job_id=st.none() | st.uuids(),
        data=st.dictionaries(text, json_value, max_size=4),
    )


@given(stored_events())
def test_event_document_is_the_models_json(event: StoredEvent) -> None:
    document = EventOut.document(event)
    assert json.loads(dump_json(document)) == json.loads(EventOut.model_validate(document).model_dump_json())
    assert cursors.after_event(document["position"]) == event.position
