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
from sqlalchemy import Engine, ExceptionContext, create_engine, event, exc, make_url

from adapters.db.session_settings import SESSION_SETTINGS
from domain.kernel import check_mode

#: Session settings of every pooled connection: UTC timestamps, and no statement or idle transaction
#: that can hold locks on hot accounts for long. Sent at connect (`options`) on direct connections;
#: behind a transaction pooler the role holds them in the database (migration 0018), from the same
#: values.
SESSION_OPTIONS = " ".join(f"-c {name}={value}" for name, value in SESSION_SETTINGS.items())

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


#: A write refused because the session is read-only: on a pooled connection of the application, the node
#: it reached is not (or no longer) the primary.
READ_ONLY_SQL_TRANSACTION = "25006"


def _read_only_means_reconnect(context: ExceptionContext) -> None:
    """Treat a write refused as read-only as a lost connection: after a failover, a connection opened to
    the old primary (kept open by a pooler in front of it, or to a node that came back as a standby)
    would refuse every write until recycled. SQLAlchemy then drops it and the connections opened before
    it, and the retry (adapters.db.errors: 25006 is retryable) connects afresh, which walks a multi-host
    URL's hosts to the primary (`target_session_attrs=read-write`)."""
    if getattr(context.original_exception, "sqlstate", None) == READ_ONLY_SQL_TRANSACTION:
        context.is_disconnect = True


def _check_on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    if _closed_by_server(dbapi_connection):
        # As SQLAlchemy's pre-ping does: discard the connections opened before now and connect again.
        raise exc.InvalidatePoolError("the server closed a pooled connection")


def _connect_args(kernel: str | None, *, transaction_pooler: bool) -> dict[str, Any]:
    args: dict[str, Any] = {"connect_timeout": 5, "application_name": "razao"}
    if transaction_pooler:
        args["prepare_threshold"] = None
    else:
        args["options"] = SESSION_OPTIONS + (
            "" if kernel is None else f" -c razao.kernel={check_mode(kernel)}"
        )
    return args


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    pre_ping: bool = True,
    kernel: str | None = None,
    transaction_pooler: bool = False,
    pool_timeout: float = 10,
) -> Engine:
    """An engine on `url` (`postgresql://` means psycopg 3); connects lazily.

    `pre_ping=False` skips the check on checkout (the in-database execution mode's one-call promise); a
    connection found dead then fails its call, which callers retry (see `adapters.db.errors`). `kernel`
    (`domain.kernel`'s mode) travels as the session's `razao.kernel` setting, which the PL/Python loader
    reads when it loads the code: the database side then runs the same implementation as this process
    (None sends nothing: the database's or role's own setting applies, `auto` without one).

    `transaction_pooler=True`: `url` leads to a pooler in transaction mode (PgBouncer; docs/pooling.md),
    where consecutive transactions of one client connection may run on different server connections.
    So psycopg prepares nothing by name (`prepare_threshold=None`: a statement prepared on one server
    connection does not exist on the next), and no `options` are sent at connect (PgBouncer refuses the
    parameter, and a setting made per session would hold on one server connection only): the session
    settings and `razao.kernel` are then the role's and the database's (migration 0018 sets
    `SESSION_SETTINGS`; `kernel` is ignored). `application_name` travels still: PgBouncer keeps it per
    client and sets it on whichever server connection the client gets.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_recycle=1800,
        json_deserializer=_json_loads,
        connect_args=_connect_args(kernel, transaction_pooler=transaction_pooler),
    )
    if pre_ping:
        event.listen(engine, "checkout", _check_on_checkout)
    event.listen(engine, "handle_error", _read_only_means_reconnect)
    return engine
