"""Exports: an account's statement and the journal of a period as CSV or JSON Lines, streamed.

The format is chosen by the request's `Accept` header (`negotiate`): `text/csv`, or JSON Lines as
`application/x-ndjson` or `application/jsonl`; `application/json` (or no preference) keeps the routes'
JSON pages. A type none of these satisfies is answered 406 (`not_acceptable`).

An export covers its whole window, without `limit` or `cursor`: it reads the read path's pages one
after the other (`PAGE_ROWS` lines each, each page its own short read, in either execution mode) and
writes each page as soon as it is read, through a `StreamingResponse`. Memory stays flat whatever the
export's size, and a client that goes away stops the reading: Starlette stops iterating, and the
generator that reads the next page is never resumed. The first page is read before the response
starts, so a refusal (unknown account, invalid window) is still a problem document; a failure after
that ends the response without its final chunk, which an HTTP client sees as an incomplete body.

Each line has the columns of `COLUMNS` (docs/export.md): amounts as exact integers of minor units and
as exact decimals in the asset's scale; instants in UTC. CSV follows RFC 4180 (UTF-8, header row, CRLF,
quoting where needed), and a text cell that a spreadsheet would read as a formula (it starts with
`=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

from fastapi import Request, Response
from fastapi.responses import StreamingResponse

from adapters.http.deps import blocking
from adapters.http.middleware import request_id_of
from adapters.http.problems import problem
from adapters.http.schemas.common import dump_json
from adapters.http.services import Services
from application import accounts
from application.journal import JournalLine
from application.pages import MAX_LIMIT, Page
from application.ports import StatementLine
from domain.accounts import Account
from domain.time_basis import Basis
from domain.transfers import Entry

T = TypeVar("T")
C = TypeVar("C")

#: Lines per read of an export.
PAGE_ROWS = MAX_LIMIT


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    JSONL = "jsonl"


#: What the export routes offer, in order of preference when the client accepts several equally.
OFFERS: tuple[tuple[str, Format], ...] = (
    ("application/json", Format.JSON),
    ("text/csv", Format.CSV),
    ("application/x-ndjson", Format.JSONL),
    ("application/jsonl", Format.JSONL),
)

CSV_MEDIA_TYPE = "text/csv; charset=utf-8; header=present"

COLUMNS = (
    "transfer_id",
    "line",
    "seq",
    "account_id",
    "account_code",
    "layer",
    "side",
    "amount",
    "amount_decimal",
    "asset",
    "balance_after",
    "balance_after_decimal",
    "created_at",
    "effective_at",
    "description",
)


@dataclass(frozen=True, slots=True)
class Export:
    """The answer a request asked for: the format and the media type to label it with."""

    format: Format
    media_type: str


@dataclass(frozen=True, slots=True)
class ExportLine:
    """One line of an export, whatever read it came from."""

    entry: Entry
    account_code: str
    scale: int
    effective_at: datetime
    description: str

    @classmethod
    def of_journal(cls, line: JournalLine) -> ExportLine:
        return cls(line.entry, line.account_code, line.scale, line.effective_at, line.description)


# --- content negotiation ---------------------------------------------------------------------------


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    """The media ranges of an `Accept` header as (type, subtype, q); malformed ones are left out."""
    ranges = []
    for part in accept.split(","):
        media, *parameters = (p.strip() for p in part.split(";"))
        type_, slash, subtype = media.lower().partition("/")
        if not slash or not type_ or not subtype:
            continue
        q = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
        if 0.0 <= q <= 1.0:
            ranges.append((type_, subtype, q))
    return ranges


def _quality(media_type: str, ranges: Iterable[tuple[str, str, float]]) -> float:
    """The q the most specific matching range gives `media_type` (0: none matches)."""
    type_, _, subtype = media_type.partition("/")
    quality, specificity = 0.0, -1
    for t, s, q in ranges:
        if (t, s) == (type_, subtype):
            rank = 2
        elif t == type_ and s == "*":
            rank = 1
        elif (t, s) == ("*", "*"):
            rank = 0
        else:
            continue
        if rank > specificity:
            quality, specificity = q, rank
    return quality


def negotiate(accept: str | None) -> Export | None:
    """What to answer a request with this `Accept` header; None when nothing offered is acceptable.
    No header (or an empty one) is JSON."""
    ranges = _ranges(accept) if accept and accept.strip() else []
    if not ranges:
        return Export(Format.JSON, "application/json")
    best: tuple[float, str, Format] | None = None
    for media_type, format_ in OFFERS:
        q = _quality(media_type, ranges)
        if q > 0 and (best is None or q > best[0]):
            best = (q, media_type, format_)
    if best is None:
        return None
    return Export(best[2], CSV_MEDIA_TYPE if best[2] is Format.CSV else best[1])


def not_acceptable(request: Request) -> Response:
    offered = ", ".join(media_type for media_type, _ in OFFERS)
    return problem(
        "not_acceptable",
        f"cannot answer with {request.headers.get('accept')!r}; this resource is offered as {offered}",
        status=406,
        request_id=request_id_of(request.scope),
    )


#: OpenAPI: the export media types of a 200 answer, and the 406.
def responses() -> dict[int | str, dict[str, Any]]:
    text = {"schema": {"type": "string"}}
    return {
        200: {
            "description": "JSON by default; the whole window as CSV or JSON Lines when `Accept` asks"
            " for `text/csv`, `application/x-ndjson` or `application/jsonl` (docs/export.md).",
            "content": {"text/csv": text, "application/x-ndjson": text, "application/jsonl": text},
        },
        406: {
            "description": "Not Acceptable (problem code `not_acceptable`): `Accept` names no type offered.",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        },
    }


# --- rendering -------------------------------------------------------------------------------------


def decimal_text(units: int, scale: int) -> str:
    """`units` minor units in an asset of `scale` decimal places, exactly: 1234, 2 -> "12.34"."""
    if scale == 0:
        return str(units)
    whole, fraction = divmod(abs(units), 10**scale)
    return f"{'-' if units < 0 else ''}{whole}.{fraction:0{scale}d}"


#: What a spreadsheet may read as the start of a formula (OWASP's CSV injection list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula: `'` before a formula's first character."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def document(line: ExportLine) -> dict[str, Any]:
    """The line as a JSON object with `COLUMNS` as keys (amounts as integers, decimals as text)."""
    e = line.entry
    return {
        "transfer_id": str(e.transfer_id),
        "line": e.line,
        "seq": e.seq,
        "account_id": str(e.account_id),
        "account_code": line.account_code,
        "layer": e.layer.value,
        "side": e.side.value,
        "amount": e.amount,
        "amount_decimal": decimal_text(e.amount, line.scale),
        "asset": e.asset,
        "balance_after": e.balance_after,
        "balance_after_decimal": decimal_text(e.balance_after, line.scale),
        "created_at": _instant(e.created_at),
        "effective_at": _instant(line.effective_at),
        "description": line.description,
    }


def _cells(line: ExportLine) -> list[Any]:
    row = document(line)
    row["account_code"] = guard(row["account_code"])
    row["description"] = guard(row["description"])
    return [row[column] for column in COLUMNS]


def csv_chunk(lines: Iterable[ExportLine], *, header: bool = False) -> bytes:
    """RFC 4180 lines (CRLF, quoted where needed), UTF-8; the header row first when `header`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(COLUMNS)
    writer.writerows(_cells(line) for line in lines)
    return out.getvalue().encode("utf-8")


def jsonl_chunk(lines: Iterable[ExportLine]) -> bytes:
    """One compact JSON object per line, each ended by a newline."""
    return b"".join(dump_json(document(line)) + b"\n" for line in lines)


# --- streaming -------------------------------------------------------------------------------------


def pages(first: Page[T, C], read_after: Callable[[C], Page[T, C]]) -> Iterator[list[T]]:
    """The items of `first`, then of each following page, read only when the consumer asks for it."""
    page = first
    while True:
        yield page.items
        if page.next_cursor is None:
            return
        page = read_after(page.next_cursor)


def chunks(export: Export, batches: Iterator[list[ExportLine]]) -> Iterator[bytes]:
    """The bytes of the export, one chunk per batch (the CSV header in the first)."""
    header = True
    for batch in batches:
        if export.format is Format.CSV:
            yield csv_chunk(batch, header=header)
            header = False
        else:
            yield jsonl_chunk(batch)


def stream(export: Export, batches: Iterator[list[ExportLine]], filename: str) -> StreamingResponse:
    """The response that writes each batch as it is read (in the thread pool, one page per step)."""
    extension = "csv" if export.format is Format.CSV else "jsonl"
    return StreamingResponse(
        chunks(export, batches),
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}.{extension}"'},
    )


# --- the exports -----------------------------------------------------------------------------------


async def statement(
    request: Request,
    services: Services,
    account_id: UUID,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    basis: Basis = Basis.BOOKED,
) -> Response | None:
    """The statement route's answer when the request asks for an export (or for a type nothing here
    gives: 406); None when it wants the usual JSON page.

    Without `to`, a booked-basis export ends where the books stood when it began: entries booked while
    it streams are left for the next one (they would otherwise keep it running on a busy account)."""
    export = negotiate(request.headers.get("accept"))
    if export is None:
        return not_acceptable(request)
    if export.format is Format.JSON:
        return None
    read = services.read_path
    if basis is Basis.EFFECTIVE:
        return await _statement(
            export,
            services,
            account_id,
            lambda after: read.value_statement(
                account_id, start=start, end=end, after=after, limit=PAGE_ROWS
            ),
        )
    until = end or services.clock.now()
    return await _statement(
        export,
        services,
        account_id,
        lambda after: read.statement(account_id, start=start, end=until, after_seq=after, limit=PAGE_ROWS),
    )


async def _statement(
    export: Export,
    services: Services,
    account_id: UUID,
    read_after: Callable[[C | None], Page[StatementLine, C]],
) -> StreamingResponse:
    account = await blocking(accounts.get_account, account_id, services.read_uow())
    first = await blocking(read_after, None)
    return stream(export, statement_batches(account, first, read_after), f"statement-{account_id}")


def statement_batches(
    account: Account, first: Page[StatementLine, C], read_after: Callable[[C], Page[StatementLine, C]]
) -> Iterator[list[ExportLine]]:
    """The export lines of an account's statement, a page at a time, from its first page."""
    code, scale = account.code, account.asset.scale
    for batch in pages(first, read_after):
        yield [ExportLine(s.entry, code, scale, s.effective_at, s.description) for s in batch]


def journal(
    export: Export,
    first: Page[JournalLine, C],
    read_after: Callable[[C], Page[JournalLine, C]],
    filename: str,
) -> StreamingResponse:
    """The journal export, from its first page (already read)."""
    batches = ([ExportLine.of_journal(line) for line in batch] for batch in pages(first, read_after))
    return stream(export, batches, filename)
