"""The HTTP API's pagination cursors (`adapters.http.cursors`): the wire format of cursors already handed
out to clients, round trips, and the answer to a cursor that does not decode or is not of its listing."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.http import cursors
from application.journal import JournalCursor
from application.periods import PeriodCursor
from application.statements import StatementCursor
from domain.accounts import Layer
from domain.errors import ValidationError

ID = UUID("0b6f4a52-3f0e-4d8e-9a55-3d1c2b7e8f90")
AT = datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
JOURNAL = JournalCursor(AT, ID, Layer.PENDING, 3)


def _raw(document: Any) -> str:
    """A cursor crafted by hand: any JSON document, base64url-encoded."""
    return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()


def refused(decode: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        decode()
    [issue] = caught.value.issues
    return issue.field, issue.message


#: Cursors as the API has always written them: they must keep decoding to the same positions.
HANDED_OUT: list[tuple[str, Callable[[str], object], object]] = [
    (
        "WyJzdGF0ZW1lbnRzIixbIjIwMjUtMDMtMDRUMDU6MDY6MDcuODkxMDExKzAwOjAwIiwiMGI2ZjRhNTItM2YwZS00ZDhlLTlhNTUt"
        "M2QxYzJiN2U4ZjkwIl1d",
        cursors.after_statement,
        StatementCursor(AT, ID),
    ),
    ("WyJzdGF0ZW1lbnQtbGluZXMiLDQyXQ", cursors.after_statement_line, 42),
    ("WyJjc3YtbWFwcGluZ3MiLCJJdGFcdTAwZmEgQ1NWIl0", cursors.after_csv_mapping, "Itaú CSV"),
    ("WyJydWxlcyIsInBpeC1pbiJd", lambda c: cursors.after_reconciliation("rules", c), "pix-in"),
    (
        "WyJyZXN1bHRzOmJhbms6bWF0Y2hlZCIsIjAwMDA0MiJd",
        lambda c: cursors.after_reconciliation("results:bank:matched", c),
        "000042",
    ),
    ("WyJ3ZWJob29rcyIsIjBiNmY0YTUyLTNmMGUtNGQ4ZS05YTU1LTNkMWMyYjdlOGY5MCJd", cursors.after_webhook, ID),
    (
        "WyJ3ZWJob29rX2RlbGl2ZXJpZXMiLFsiMjAyNS0wMy0wNFQwNTowNjowNy44OTEwMTErMDA6MDAiLCIwYjZmNGE1Mi0zZjBlLTRk"
        "OGUtOWE1NS0zZDFjMmI3ZThmOTAiXV0",
        cursors.after_delivery,
        (AT, ID),
    ),
    (
        "WyJqb3VybmFsIixbIjIwMjUtMDMtMDRUMDU6MDY6MDcuODkxMDExKzAwOjAwIiwiMGI2ZjRhNTItM2YwZS00ZDhlLTlhNTUtM2Qx"
        "YzJiN2U4ZjkwIiwicGVuZGluZyIsM11d",
        cursors.after_journal,
        JOURNAL,
    ),
]

ENCODERS: list[tuple[Callable[[Any], str | None], object]] = [
    (cursors.statement_cursor, StatementCursor(AT, ID)),
    (cursors.statement_line_cursor, 42),
    (cursors.csv_mapping_cursor, "Itaú CSV"),
    (lambda key: cursors.reconciliation_cursor("rules", key), "pix-in"),
    (lambda key: cursors.reconciliation_cursor("results:bank:matched", key), "000042"),
    (cursors.webhook_cursor, ID),
    (cursors.delivery_cursor, (AT, ID)),
    (cursors.journal_cursor, JOURNAL),
]

DECODERS: dict[str, Callable[[str | None], object]] = {
    "statements": cursors.after_statement,
    "statement-lines": cursors.after_statement_line,
    "csv-mappings": cursors.after_csv_mapping,
    "rules": lambda c: cursors.after_reconciliation("rules", c),
    "webhooks": cursors.after_webhook,
    "webhook_deliveries": cursors.after_delivery,
    "journal": cursors.after_journal,
    "periods": cursors.after_period,
    "period-balances": cursors.after_period_balance,
    "category-accounts": cursors.after_member,
}


@pytest.mark.parametrize(("cursor", "decode", "position"), HANDED_OUT)
def test_cursors_handed_out_before_still_decode(
    cursor: str, decode: Callable[[str], object], position: object
) -> None:
    assert decode(cursor) == position


@pytest.mark.parametrize(("encode", "position"), ENCODERS)
def test_the_wire_format_is_unchanged(encode: Callable[[Any], str | None], position: object) -> None:
    assert encode(position) in {cursor for cursor, _, _ in HANDED_OUT}
    assert encode(None) is None


@pytest.mark.parametrize("decode", DECODERS.values(), ids=list(DECODERS))
def test_no_cursor_is_the_first_page(decode: Callable[[str | None], object]) -> None:
    assert decode(None) is None


@pytest.mark.parametrize("decode", DECODERS.values(), ids=list(DECODERS))
@pytest.mark.parametrize(
    "cursor",
    ["x", "bm90LWEtY3Vyc29y", _raw(5), _raw(None), _raw([1, 2, 3]), _raw(["statements"])],
    ids=["not base64", "not JSON", "a number", "null", "three values", "one value"],
)
def test_a_cursor_that_does_not_decode_is_invalid(decode: Callable[[str], object], cursor: str) -> None:
    assert refused(lambda: decode(cursor)) == ("cursor", "is not a valid cursor")


def test_nesting_deeper_than_the_parser_goes_is_a_validation_error_not_a_crash() -> None:
    deep = base64.urlsafe_b64encode(b"[" * 1536).rstrip(b"=").decode()
    assert len(deep) == 2048  # the longest cursor the API takes
    for decode in DECODERS.values():
        assert refused(partial(decode, deep)) == ("cursor", "is not a valid cursor")
    assert refused(lambda: cursors.after_event(deep)) == ("after", "is not a valid cursor")


@pytest.mark.parametrize("kind", [kind for kind in DECODERS if kind != "journal"])
def test_a_cursor_of_another_listing_is_refused(kind: str) -> None:
    other = cursors.period_balance_cursor(ID) if kind != "period-balances" else cursors.webhook_cursor(ID)
    assert other is not None
    assert refused(lambda: DECODERS[kind](other)) == ("cursor", "belongs to another listing")


def test_a_results_cursor_serves_only_its_side_and_state() -> None:
    matched = cursors.reconciliation_cursor("results:bank:matched", "000042")
    assert refused(lambda: cursors.after_reconciliation("results:bank:", matched)) == (
        "cursor",
        "belongs to another listing",
    )
    assert refused(lambda: cursors.after_reconciliation("rules", _raw(["rules", 5]))) == (
        "cursor",
        "belongs to another listing",
    )


def test_a_journal_position_of_another_shape_is_invalid_before_its_kind_is_read() -> None:
    assert refused(lambda: cursors.after_journal(_raw(["statements", [AT.isoformat(), str(ID)]]))) == (
        "cursor",
        "is not a valid cursor",
    )
    four = ["statements", [AT.isoformat(), str(ID), "posted", 0]]
    assert refused(lambda: cursors.after_journal(_raw(four))) == ("cursor", "belongs to another listing")


@pytest.mark.parametrize(
    ("kind", "position"),
    [
        ("statements", ["2025-03-04T05:06:07", str(ID)]),
        ("statements", [AT.isoformat(), "x"]),
        ("statements", [AT.isoformat()]),
        ("statement-lines", -1),
        ("statement-lines", 2**31),
        ("statement-lines", True),
        ("statement-lines", 1.5),
        ("webhooks", "x"),
        ("webhooks", 12345678901234567890123456789012),
        ("webhook_deliveries", ["2025-03-04T05:06:07", str(ID)]),
        ("webhook_deliveries", {AT.isoformat(): 1, str(ID): 2}),
        ("journal", [AT.isoformat(), str(ID), "posted", 2**15]),
        ("journal", [AT.isoformat(), str(ID), "posted", True]),
        ("journal", [AT.isoformat(), str(ID), "neither", 0]),
        ("journal", ["2025-03-04T05:06:07", str(ID), "posted", 0]),
        ("periods", ["2025-03-04T05:06:07", str(ID)]),
        ("category-accounts", 5),
    ],
)
def test_a_position_no_listing_could_have_made_is_invalid(kind: str, position: object) -> None:
    assert refused(lambda: DECODERS[kind](_raw([kind, position]))) == ("cursor", "is not a valid cursor")


instants = st.datetimes(
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-3)), timezone(timedelta(hours=14))])
)


@given(at=instants, id=st.uuids(), layer=st.sampled_from(Layer), line=st.integers(0, 2**15 - 1))
def test_positions_round_trip(at: datetime, id: UUID, layer: Layer, line: int) -> None:
    journal = JournalCursor(at, id, layer, line)
    assert cursors.after_journal(cursors.journal_cursor(journal)) == journal
    assert cursors.after_statement(cursors.statement_cursor(StatementCursor(at, id))) == StatementCursor(
        at, id
    )
    assert cursors.after_period(cursors.period_cursor(PeriodCursor(at, id))) == PeriodCursor(at, id)
    assert cursors.after_delivery(cursors.delivery_cursor((at, id))) == (at, id)
    assert cursors.after_webhook(cursors.webhook_cursor(id)) == id
    assert cursors.after_statement_line(cursors.statement_line_cursor(line)) == line


@given(key=st.text())
def test_keys_round_trip(key: str) -> None:
    assert cursors.after_csv_mapping(cursors.csv_mapping_cursor(key)) == key
    assert cursors.after_reconciliation("rules", cursors.reconciliation_cursor("rules", key)) == key
