"""Use cases of bank statements: import a parsed statement into a mirror account, read and list them,
and keep the CSV mappings that say how to read a bank's CSV export.

`import_statement` takes a statement already read from its file (`domain.statements.ParsedStatement`,
from `adapters.statements.parse`) and writes it in ONE transaction:

1. serialise the imports of the account (`lock_imports`: a transaction-level lock on the account's
   imports only; transfers on the account do not wait for it);
2. the same file (same SHA-256) imported before into the account: that statement, `created` False;
3. check the mirror account (exists, not closed, the file's currency is its asset) and normalise every
   line (`domain.statements.normalise`: exact minor units, external ids, bounded texts);
4. skip the lines whose external id the account already has (another file imported them), counting
   them in `lines_skipped`; store the statement and the new lines.

Any refusal leaves nothing behind: the unit of work rolls back. The same code runs in both execution
modes: the import is a write of plain rows (no balance, no journal), made over the SQL unit of work in
either mode, and the mirror account's checks are the domain's, whichever mode reads the account.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.pages import Page, check_limit, paginate
from application.ports import Clock, Transaction
from application.retry import retrying
from domain.accounts import Account
from domain.errors import AccountNotFound, NotFound
from domain.statements import (
    CsvMapping,
    InvalidStatement,
    ParsedStatement,
    Statement,
    StatementLine,
    check_mirror_account,
    normalise,
    statement_id,
)


@dataclass(frozen=True, slots=True)
class StatementCursor:
    """Position in a newest-first list of statements: the last one's import instant and id."""

    imported_at: datetime
    id: UUID


class StatementRepository(Protocol):
    def lock_imports(self, account_id: UUID) -> None:
        """Serialise the imports into this account until the transaction ends."""
        ...

    def get(self, statement_id: UUID) -> Statement | None: ...

    def known_external_ids(self, account_id: UUID, external_ids: Sequence[str]) -> set[str]:
        """Which of these external ids the account's imported lines already have."""
        ...

    def add(self, statement: Statement, lines: Sequence[StatementLine]) -> None:
        """Store a statement and its lines (one statement per table)."""
        ...

    def query(self, *, account_id: UUID | None, after: StatementCursor | None, limit: int) -> list[Statement]:
        """Statements newest first ((imported_at, id) descending) after `after`, of one account or all."""
        ...

    def lines(self, statement_id: UUID, *, after_line: int | None, limit: int) -> list[StatementLine]:
        """The statement's stored lines in file order (line_no ascending) after `after_line`."""
        ...


class CsvMappingRepository(Protocol):
    def get(self, name: str) -> CsvMapping | None: ...

    def add(self, mapping: CsvMapping, at: datetime) -> bool:
        """Store a new mapping; False (and nothing written) when the name is taken."""
        ...

    def query(self, *, after_name: str | None, limit: int) -> list[CsvMapping]: ...


class MirrorAccounts(Protocol):
    def get(self, account_id: UUID) -> Account | None: ...


class StatementUnitOfWork(Transaction, Protocol):
    accounts: MirrorAccounts
    statements: StatementRepository
    csv_mappings: CsvMappingRepository


@dataclass(frozen=True, slots=True)
class ImportStatement:
    account_id: UUID
    statement: ParsedStatement
    #: SHA-256 (hex) of the file's bytes: the same file twice is the same statement.
    content_sha256: str
    #: The uploaded file's name, for people.
    source_name: str | None = None
    #: Who imported it: the API key's id, or the CLI's user.
    imported_by: str | None = None


class StatementReader(Protocol):
    """Reads a statement file (`adapters.statements.parse`): refuses it with `InvalidStatement`."""

    def __call__(self, format: str, data: bytes, mapping: CsvMapping | None) -> ParsedStatement: ...


@dataclass(frozen=True, slots=True)
class ImportFile:
    """A statement file as uploaded: its bytes (already bounded by the caller) and their SHA-256."""

    account_id: UUID
    format: str
    data: bytes
    content_sha256: str
    #: The saved CSV mapping's name (`format` csv).
    mapping: str | None = None
    source_name: str | None = None
    imported_by: str | None = None


def import_file(
    cmd: ImportFile, uow: Callable[[], StatementUnitOfWork], clock: Clock, read: StatementReader
) -> tuple[Statement, bool]:
    """Read the file (with its saved CSV mapping) and `import_statement` it, running the import again
    when a concurrent one wrote the same key (it then finds that one's rows). The same file imported
    before answers at once, and a missing or closed account is refused before the file is read."""
    with uow() as first:
        before = first.statements.get(statement_id(cmd.account_id, cmd.content_sha256))
        if before is not None:
            return before, False
        check_mirror_account(first.accounts.get(cmd.account_id), cmd.account_id, None)
        mapping = _mapping(cmd.mapping, first)
    parsed = read(cmd.format, cmd.data, mapping)
    command = ImportStatement(
        account_id=cmd.account_id,
        statement=parsed,
        content_sha256=cmd.content_sha256,
        source_name=cmd.source_name,
        imported_by=cmd.imported_by,
    )
    return retrying(lambda: import_statement(command, uow(), clock))


def import_statement(cmd: ImportStatement, uow: StatementUnitOfWork, clock: Clock) -> tuple[Statement, bool]:
    """The statement of `cmd` on its mirror account, and whether this call created it (False: the same
    file was imported before, and that statement is returned unchanged)."""
    with uow:
        uow.statements.lock_imports(cmd.account_id)
        before = uow.statements.get(statement_id(cmd.account_id, cmd.content_sha256))
        if before is not None:
            return before, False
        account = check_mirror_account(uow.accounts.get(cmd.account_id), cmd.account_id, None)
        ready = normalise(
            cmd.statement,
            account,
            content_sha256=cmd.content_sha256,
            imported_at=clock.now(),
            source_name=cmd.source_name,
            imported_by=cmd.imported_by,
        )
        ready = ready.without(uow.statements.known_external_ids(account.id, ready.external_ids()))
        uow.statements.add(ready.statement, ready.lines)
        uow.commit()
        return ready.statement, True


def get_statement(statement_id: UUID, uow: StatementUnitOfWork) -> Statement:
    with uow:
        found = uow.statements.get(statement_id)
    if found is None:
        raise _missing(statement_id)
    return found


def list_statements(
    uow: StatementUnitOfWork,
    *,
    account_id: UUID | None = None,
    after: StatementCursor | None = None,
    limit: int = 100,
) -> Page[Statement, StatementCursor]:
    """Statements newest first, of one account (which must exist) or of all."""
    check_limit(limit)
    with uow:
        if account_id is not None and uow.accounts.get(account_id) is None:
            raise AccountNotFound(f"account {account_id} does not exist", account_id=str(account_id))
        rows = uow.statements.query(account_id=account_id, after=after, limit=limit + 1)
    return paginate(rows, limit, lambda s: StatementCursor(s.imported_at, s.id))


def list_lines(
    statement_id: UUID, uow: StatementUnitOfWork, *, after_line: int | None = None, limit: int = 100
) -> Page[StatementLine, int]:
    """A statement's lines in file order (those it imported: not the ones skipped)."""
    check_limit(limit)
    with uow:
        if uow.statements.get(statement_id) is None:
            raise _missing(statement_id)
        rows = uow.statements.lines(statement_id, after_line=after_line, limit=limit + 1)
    return paginate(rows, limit, lambda line: line.line_no)


# --- CSV mappings ----------------------------------------------------------------------------------


def create_csv_mapping(
    name: str, document: dict[str, object], uow: StatementUnitOfWork, clock: Clock
) -> tuple[CsvMapping, bool]:
    """Save a mapping under `name`; the same mapping again answers it (False); another one under a
    taken name is refused."""
    mapping = CsvMapping.of(name, document)
    with uow:
        existing = uow.csv_mappings.get(name)
        if existing is None and uow.csv_mappings.add(mapping, clock.now()):
            uow.commit()
            return mapping, True
        existing = existing or uow.csv_mappings.get(name)
    if existing is not None and existing == mapping:
        return existing, False
    raise InvalidStatement.at("name", f"a different mapping is already saved as {name!r}")


def get_csv_mapping(name: str, uow: StatementUnitOfWork) -> CsvMapping:
    with uow:
        found = uow.csv_mappings.get(name)
    if found is None:
        raise NotFound(f"no CSV mapping is named {name!r}", name=name)
    return found


def _mapping(name: str | None, uow: StatementUnitOfWork) -> CsvMapping | None:
    """The saved mapping an import names (a missing one is refused naming `mapping`), in an open `uow`."""
    if name is None:
        return None
    found = uow.csv_mappings.get(name)
    if found is None:
        raise InvalidStatement.at("mapping", f"no CSV mapping is named {name!r}")
    return found


def list_csv_mappings(
    uow: StatementUnitOfWork, *, after_name: str | None = None, limit: int = 100
) -> Page[CsvMapping, str]:
    check_limit(limit)
    with uow:
        rows = uow.csv_mappings.query(after_name=after_name, limit=limit + 1)
    return paginate(rows, limit, lambda m: m.name)


def _missing(statement_id: UUID) -> NotFound:
    return NotFound(f"statement {statement_id} does not exist", statement_id=str(statement_id))
