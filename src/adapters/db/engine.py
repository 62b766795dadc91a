"""The SQLAlchemy engine the application uses (psycopg 3, a connection pool, sane timeouts).

Creating the engine opens no connection; the pool connects on first use and checks a connection
(`pool_pre_ping`) before handing it out, so a restarted database costs one failed ping, not an error.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, make_url

#: Session settings of every pooled connection: UTC timestamps, and no statement or idle transaction
#: that can hold locks on hot accounts for long.
SESSION_OPTIONS = "-c timezone=UTC -c statement_timeout=30000 -c idle_in_transaction_session_timeout=60000"


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10, pre_ping: bool = True) -> Engine:
    """An engine on `url` (`postgresql://` means psycopg 3); connects lazily.

    `pre_ping=False` saves the extra round trip per checkout (the in-database execution mode's one-call
    promise); a connection found dead then fails its call, which callers retry (see `adapters.db.errors`).
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=pre_ping,
        pool_timeout=10,
        pool_recycle=1800,
        connect_args={
            "connect_timeout": 5,
            "application_name": "razao",
            "options": SESSION_OPTIONS,
        },
    )
