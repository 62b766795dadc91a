"""Bank statements: upload one (camt.053, MT940, OFX, CSV), list them, read one and its lines; save and
read the CSV mappings.

The upload is `multipart/form-data` with `account_id`, `format`, `mapping` (CSV) and `file`. It is read as
it arrives (`read_upload`, python-multipart's streaming parser over the request's body): the file's bytes
are counted and hashed on the way, and the request is refused with 413 as soon as they pass
`RAZAO_STATEMENT_MAX_BYTES`, before anything is parsed or imported. The file is then read (the reader
the composition root gives, `adapters.statements.parse`) and imported in one transaction, in a worker
thread (`application.statements.import_file`):
201 with the new statement, or 200 with the statement a previous upload of the same file created.

The body size middleware lets this operation's body through up to the file's limit and the form's
fields (`body_limits`), instead of `RAZAO_MAX_BODY_BYTES`.

Scopes: uploading and saving a mapping are writes (`ledger:write`), the rest reads (`ledger:read`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from python_multipart.multipart import MultipartParser, parse_options_header

from adapters.http import cursors
from adapters.http.auth import authorize
from adapters.http.deps import JsonResponse, ServicesDep, blocking, json_response
from adapters.http.middleware import request_id_of
from adapters.http.problems import problem, problem_responses
from adapters.http.routes import READ, READ_ERRORS, WRITE, WRITE_ERRORS
from adapters.http.schemas.common import Cursor
from adapters.http.schemas.statements import (
    UPLOAD_FORM,
    CsvMappingIn,
    CsvMappingList,
    CsvMappingOut,
    StatementLineList,
    StatementLineOut,
    StatementList,
    StatementOut,
)
from adapters.http.services import Services, StatementServices
from application import statements
from application.api_keys import ApiKey, Scope
from application.pages import DEFAULT_LIMIT, MAX_LIMIT, Page
from application.ports import ExecutionUnavailable
from application.retry import retrying
from domain.errors import FieldIssue, ValidationError
from domain.statements import FORMATS, MAX_MAPPING_NAME

router = APIRouter(prefix="/v1/statements", tags=["statements"])

#: Largest value of a form field other than the file (`account_id`, `format`, `mapping`).
_MAX_FIELD_BYTES = 1024
#: The form's fields besides the file: what the multipart overhead may add to the file's size.
_FORM_SLACK = 16 * 1024


class UploadTooLarge(Exception):
    """The file passed the limit while it was being received."""


@dataclass
class Upload:
    """The form of an upload as received: its fields, and the file's bytes, SHA-256 and name."""

    fields: dict[str, str] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)
    sha256: Any = field(default_factory=hashlib.sha256)
    filename: str | None = None
    has_file: bool = False
    files: int = 0


def body_limits(hub: StatementServices | None) -> dict[tuple[str, str], int]:
    """The upload's own body limit, for the body size middleware (`RAZAO_MAX_BODY_BYTES` does not
    apply to it): the file's limit and the form's other fields."""
    return {} if hub is None else {("POST", "/v1/statements"): hub.max_bytes + _FORM_SLACK}


def _hub(services: Services) -> StatementServices:
    if services.statements is None:
        raise ExecutionUnavailable("bank statements are not configured in this process")
    return services.statements


async def read_upload(request: Request, max_bytes: int) -> Upload:
    """The multipart form of `request`, read as it arrives; `UploadTooLarge` once the file passes
    `max_bytes` (nothing more is read), `ValidationError` for a body that is not such a form."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or not params.get(b"boundary"):
        raise ValidationError.of("body", "must be multipart/form-data with account_id, format and file")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes + _FORM_SLACK:
        raise UploadTooLarge
    upload = Upload()
    part: dict[str, Any] = {}
    header: dict[str, bytes] = {}

    def on_part_begin() -> None:
        part.clear()
        part.update(name=None, filename=None, value=bytearray())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["field"] = header.get("field", b"") + data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] = header.get("value", b"") + data[start:end]

    def on_header_end() -> None:
        name, value = header.pop("field", b"").lower(), header.pop("value", b"")
        if name == b"content-disposition":
            _, options = parse_options_header(value)
            part["name"] = options.get(b"name", b"").decode("utf-8", "replace")
            filename = options.get(b"filename")
            part["filename"] = None if filename is None else filename.decode("utf-8", "replace")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if part.get("name") == "file":
            if upload.files:
                raise ValidationError.of("file", "must be sent once")
            upload.has_file = True
            if len(upload.data) + len(chunk) > max_bytes:
                raise UploadTooLarge
            upload.data += chunk
            upload.sha256.update(chunk)
        else:
            value: bytearray = part["value"]
            if len(value) + len(chunk) > _MAX_FIELD_BYTES:
                raise ValidationError.of(
                    str(part.get("name") or "body"), f"is longer than {_MAX_FIELD_BYTES} bytes"
                )
            value += chunk

    def on_part_end() -> None:
        name = part.get("name")
        if name == "file":
            if upload.filename is not None or upload.files:
                raise ValidationError.of("file", "must be sent once")
            upload.filename = part.get("filename") or ""
            upload.files += 1
            upload.has_file = True
        elif name:
            try:
                upload.fields[name] = bytes(part["value"]).decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationError.of(name, "must be UTF-8 text") from None

    parser = MultipartParser(
        params[b"boundary"],
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except (UploadTooLarge, ValidationError):
        raise
    except Exception as error:  # python-multipart's parse errors
        raise ValidationError.of("body", f"is not a readable multipart form ({error})") from None
    return upload


def _command(upload: Upload) -> tuple[UUID, str, str | None]:
    issues: list[tuple[str, str]] = []
    raw_account = upload.fields.get("account_id")
    account_id: UUID | None = None
    if raw_account is None:
        issues.append(("account_id", "is required"))
    else:
        try:
            account_id = UUID(raw_account.strip())
        except ValueError:
            issues.append(("account_id", "is not a UUID"))
    format = upload.fields.get("format")
    if format is None:
        issues.append(("format", "is required"))
    elif format not in FORMATS:
        issues.append(("format", f"must be one of {', '.join(FORMATS)}"))
    mapping = upload.fields.get("mapping") or None
    if mapping is not None and format != "csv":
        issues.append(("mapping", "is for CSV statements only"))
    if mapping is not None and len(mapping) > MAX_MAPPING_NAME:
        issues.append(("mapping", f"is longer than {MAX_MAPPING_NAME} characters"))
    if format == "csv" and mapping is None:
        issues.append(("mapping", "is required for a CSV statement (a saved mapping's name)"))
    if not upload.has_file:
        issues.append(("file", "is required"))
    if issues:
        detail = "; ".join(f"{f}: {m}" for f, m in issues)
        raise ValidationError(detail, *(FieldIssue(f, m) for f, m in issues))
    assert account_id is not None and format is not None
    return account_id, format, mapping


@router.post(
    "",
    status_code=201,
    summary="Import a bank statement",
    description="Upload a statement file (`multipart/form-data`: `account_id`, `format`, `mapping` for CSV, "
    "`file`) into the ledger account that mirrors the bank account. The same file again answers 200 with "
    "the statement it created; lines whose external id the account already has are skipped and counted "
    "(`lines_skipped`). A file that cannot be imported is `422 invalid_statement` naming the line and "
    "field; nothing of it is imported. A file over `RAZAO_STATEMENT_MAX_BYTES` is `413`.",
    response_model=StatementOut,
    responses={
        200: {"description": "The same file was imported before: its statement.", "model": StatementOut},
        **problem_responses(*WRITE_ERRORS, 404, 409),
    },
    openapi_extra={"requestBody": UPLOAD_FORM},
)
async def import_statement(
    request: Request,
    services: ServicesDep,
    key: Annotated[ApiKey, authorize(Scope.LEDGER_WRITE)],
) -> Response:
    hub = _hub(services)
    try:
        upload = await read_upload(request, hub.max_bytes)
    except UploadTooLarge:
        return problem(
            "payload_too_large",
            f"the statement file exceeds the limit of {hub.max_bytes} bytes; nothing was imported",
            request_id=_request_id(request),
        )
    account_id, format, mapping_name = _command(upload)

    command = statements.ImportFile(
        account_id=account_id,
        format=format,
        data=bytes(upload.data),
        content_sha256=upload.sha256.hexdigest(),
        mapping=mapping_name,
        source_name=_name(upload.filename),
        imported_by=str(key.id),
    )
    statement, created = await blocking(statements.import_file, command, hub.uow, services.clock, hub.read)
    response = json_response(StatementOut.document(statement), status_code=201 if created else 200)
    response.headers["Location"] = f"/v1/statements/{statement.id}"
    return response


@router.post(
    "/csv-mappings",
    status_code=201,
    summary="Save a CSV mapping",
    description="How to read one bank's CSV export: the column of each field (a header's name or a 0-based "
    "index), the date format, separators, sign convention, delimiter, encoding and rows to skip. Saving "
    "the same mapping again answers 200; another mapping under a taken name is `422 invalid_statement`.",
    dependencies=WRITE,
    response_model=CsvMappingOut,
    responses={
        200: {"description": "The same mapping was saved before.", "model": CsvMappingOut},
        **problem_responses(*WRITE_ERRORS),
    },
)
async def create_csv_mapping(body: CsvMappingIn, services: ServicesDep) -> JsonResponse:
    hub = _hub(services)
    mapping, created = await blocking(
        retrying, lambda: statements.create_csv_mapping(body.name, body.document(), hub.uow(), services.clock)
    )
    return json_response(CsvMappingOut.document(mapping), status_code=201 if created else 200)


@router.get(
    "/csv-mappings",
    summary="List the saved CSV mappings",
    dependencies=READ,
    response_model=CsvMappingList,
    responses=problem_responses(*READ_ERRORS),
)
async def list_csv_mappings(
    services: ServicesDep,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> JsonResponse:
    after = cursors.after_csv_mapping(cursor)
    return await _page(
        lambda: statements.list_csv_mappings(_hub(services).uow(), after_name=after, limit=limit),
        CsvMappingOut.document,
        cursors.csv_mapping_cursor,
    )


@router.get(
    "/csv-mappings/{name}",
    summary="Get a saved CSV mapping",
    dependencies=READ,
    response_model=CsvMappingOut,
    responses=problem_responses(*READ_ERRORS, 404),
)
async def get_csv_mapping(name: str, services: ServicesDep) -> JsonResponse:
    mapping = await blocking(statements.get_csv_mapping, name, _hub(services).uow())
    return json_response(CsvMappingOut.document(mapping))


@router.get(
    "",
    summary="List imported bank statements",
    description="Newest first; of one mirror account with `account_id`.",
    dependencies=READ,
    response_model=StatementList,
    responses=problem_responses(*READ_ERRORS, 404),
)
async def list_statements(
    services: ServicesDep,
    account_id: UUID | None = None,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> JsonResponse:
    after = cursors.after_statement(cursor)
    return await _page(
        lambda: statements.list_statements(
            _hub(services).uow(), account_id=account_id, after=after, limit=limit
        ),
        StatementOut.document,
        cursors.statement_cursor,
    )


@router.get(
    "/{statement_id}",
    summary="Get an imported bank statement",
    dependencies=READ,
    response_model=StatementOut,
    responses=problem_responses(*READ_ERRORS, 404),
)
async def get_statement(statement_id: UUID, services: ServicesDep) -> JsonResponse:
    found = await blocking(statements.get_statement, statement_id, _hub(services).uow())
    return json_response(StatementOut.document(found))


@router.get(
    "/{statement_id}/lines",
    summary="List an imported statement's lines",
    description="In the file's order; only the lines this statement imported (not those skipped).",
    dependencies=READ,
    response_model=StatementLineList,
    responses=problem_responses(*READ_ERRORS, 404),
)
async def list_lines(
    statement_id: UUID,
    services: ServicesDep,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> JsonResponse:
    after = cursors.after_statement_line(cursor)
    return await _page(
        lambda: statements.list_lines(statement_id, _hub(services).uow(), after_line=after, limit=limit),
        StatementLineOut.document,
        cursors.statement_line_cursor,
    )


_Item = TypeVar("_Item")
_Position = TypeVar("_Position")


async def _page(
    read: Callable[[], Page[_Item, _Position]],
    document: Callable[[_Item], dict[str, Any]],
    cursor: Callable[[_Position | None], str | None],
) -> JsonResponse:
    """One page of a listing, read in the thread pool: its items' documents and the next page's cursor."""
    page = await blocking(read)
    return json_response(
        {"items": [document(item) for item in page.items], "next_cursor": cursor(page.next_cursor)}
    )


def _name(filename: str | None) -> str | None:
    if not filename:
        return None
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(c for c in base if c.isprintable())[:255]
    return clean or None


def _request_id(request: Request) -> str | None:
    return request_id_of(request.scope)
