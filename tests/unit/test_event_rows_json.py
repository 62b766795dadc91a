"""The in-database outbox writes its rows as one JSON text (`razao_store._events_json`), encoding a document
shared by several rows once and each UUID or instant once. The text must be exactly what plain
`json.dumps` of the rows gives, whatever the documents hold and however they are shared."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import plpython_files


@pytest.fixture(scope="module")
def store() -> ModuleType:
    return plpython_files.load("razao_store", "razao_store_events_json")


def _plain(store: ModuleType, rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, default=store._event_value, separators=(",", ":"), ensure_ascii=False)


def _row(
    type_: str, document: dict[str, Any], account_ids: tuple[uuid.UUID, ...], **ids: Any
) -> dict[str, Any]:
    """A row as `PlpyEventLog.add` makes it (the document last)."""
    return {
        "type": type_,
        "occurred_at": datetime(2026, 11, 1, 0, 0, 0, 1, tzinfo=UTC),
        "account_ids": account_ids,
        "transfer_id": ids.get("transfer_id"),
        "job_id": ids.get("job_id"),
        "data": document,
    }


def test_a_shared_document_gives_the_text_of_plain_json(store: ModuleType) -> None:
    account, counterpart, transfer = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    postings = [
        {"account_id": account, "side": "credit", "amount": 10**37, "asset": "BRL"},
        {"account_id": counterpart, "side": "debit", "amount": 10**37, "asset": "BRL"},
    ]
    document = {
        "id": transfer,
        "postings": postings,
        "posted": postings,
        "description": 'Juros "de" outubro — ção\n\u2028',
        "metadata": {"interest.from": "2026-10-31", "nested": {"a": [1, None, True, 1.5]}},
        "effective_at": datetime(2026, 11, 1, tzinfo=UTC),
        "created_at": datetime(2026, 11, 1, 3, tzinfo=timezone(timedelta(hours=-3))),
        "timeout_at": None,
    }
    rows = [
        _row("transfer.posted", document, (account, counterpart), transfer_id=transfer),
        _row("account.interest_posted", document, (account,), transfer_id=transfer),
        _row("job.finished", {"id": uuid.uuid4(), "result": {}}, (), job_id=uuid.uuid4()),
    ]
    assert store._events_json(rows) == _plain(store, rows)


def test_no_rows_is_an_empty_array(store: ModuleType) -> None:
    assert store._events_json([]) == "[]" == _plain(store, [])


def test_an_unknown_value_is_refused_as_json_refuses_it(store: ModuleType) -> None:
    with pytest.raises(TypeError, match="set is not JSON serializable"):
        store._events_json([_row("transfer.posted", {"odd": {1}}, ())])


_UUIDS = st.uuids()
_INSTANTS = st.datetimes(timezones=st.just(UTC))
_LEAVES = st.none() | st.booleans() | st.integers() | st.text() | _UUIDS | _INSTANTS
_DOCUMENTS = st.dictionaries(
    st.text(max_size=8),
    st.recursive(
        _LEAVES,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
        max_leaves=12,
    ),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(
    documents=st.lists(_DOCUMENTS, min_size=1, max_size=4),
    picks=st.lists(st.integers(min_value=0, max_value=3), min_size=0, max_size=8),
    ids=st.lists(_UUIDS, min_size=1, max_size=3),
)
def test_any_rows_sharing_any_documents_give_the_text_of_plain_json(
    store: ModuleType, documents: list[dict[str, Any]], picks: list[int], ids: list[uuid.UUID]
) -> None:
    rows = [
        _row(
            "transfer.posted", documents[pick % len(documents)], tuple(ids), transfer_id=ids[pick % len(ids)]
        )
        for pick in picks
    ]
    assert store._events_json(rows) == _plain(store, rows)
