"""The SQLAlchemy engine the application uses (psycopg 3, a connection pool, sane timeouts).

Creating the engine opens no connection; the pool connects on first use and checks a connection
(`pre_ping`) before handing it out, so a restarted database costs one discarded connection, not an
error. The check costs no round trip: an idle connection has nothing to read, so a socket that is
readable (the server's FATAL message on a restart, a terminated backend or a timeout, or the end of the
stream) is a closed connection, and the pool is refreshed as SQLAlchemy's own pre-ping (`SELECT 1`)
would refresh it.
"""

from __future__ import annotations

import json
import re
import select
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, exc, make_url

from domain.kernel import check_mode

#: Session settings of every pooled connection: UTC timestamps, and no statement or idle transaction
#: that can hold locks on hot accounts for long.
SESSION_OPTIONS = "-c timezone=UTC -c statement_timeout=30000 -c idle_in_transaction_session_timeout=60000"

#: A number of 19 digits or more (where a JSON value starts: the document's start, or after `:`, `[` or
#: `,`): one orjson might not read exactly (it reads integers beyond 64 bits as floats), where the
#: standard library reads any integer exactly. Digits inside strings (a fingerprint's hex) do not count.
_LONG_NUMBER = re.compile(rb"(?:^|[:\[,])\s*-?\d{19,}")


def _json_loads(data: bytes | str) -> Any:
    """JSON and JSONB values as `json.loads` reads them, by orjson (the statement page of the
    in-database read path is one JSON document) unless a number is too long for it."""
    raw = data.encode() if isinstance(data, str) else data
    if _LONG_NUMBER.search(raw):
        return json.loads(raw)
    return orjson.loads(raw)


def _closed_by_server(dbapi_connection: Any) -> bool:
    """Whether an idle pooled connection was closed: psycopg knows it, or its socket has something to
    read (nothing is expected while idle). A `poll` with no timeout: no round trip to the server."""
    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except Exception:  # no socket any more (psycopg's OperationalError, OSError): closed as well
        return True


def _check_on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    if _closed_by_server(dbapi_connection):
        # As SQLAlchemy's pre-ping does: discard the connections opened before now and connect again.
        raise exc.InvalidatePoolError("the server closed a pooled connection")


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    pre_ping: bool = True,
    kernel: str | None = None,
) -> Engine:
    """An engine on `url` (`postgresql://` means psycopg 3); connects lazily.

    `pre_ping=False` skips the check on checkout (the in-database execution mode's one-call promise); a
    connection found dead then fails its call, which callers retry (see `adapters.db.errors`). `kernel`
    (`domain.kernel`'s mode) travels as the session's `razao.kernel` setting, which the PL/Python loader
    reads when it loads the code: the database side then runs the same implementation as this process
    (None sends nothing: the database's or role's own setting applies, `auto` without one).
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=10,
        pool_recycle=1800,
        json_deserializer=_json_loads,
        connect_args={
            "connect_timeout": 5,
            "application_name": "razao",
            "options": SESSION_OPTIONS + ("" if kernel is None else f" -c razao.kernel={check_mode(kernel)}"),
        },
    )
    if pre_ping:
        event.listen(engine, "checkout", _check_on_checkout)
    return engine
