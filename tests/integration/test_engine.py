"""The application's engine (`adapters.db.engine.make_engine`) against PostgreSQL: what it does with a
connection that can no longer serve writes."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from adapters.db.engine import make_engine
from tests.conftest import TestDatabase


def test_a_write_refused_as_read_only_drops_the_connection_and_the_next_one_is_new(
    database: TestDatabase,
) -> None:
    """After a failover, a pooled connection can lead to a node that is a standby now (through a pooler
    that kept it open): every write on it would be refused until it is recycled. The engine treats the
    refusal (25006) as a lost connection, so the retry gets a fresh one."""
    engine = make_engine(database.app_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:  # this session now refuses writes, as a standby would
            before = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            conn.execute(text("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"))
            conn.commit()
        with engine.connect() as conn, pytest.raises(DBAPIError) as refused:
            conn.execute(text("UPDATE accounts SET name = name WHERE false"))
        assert getattr(refused.value.orig, "sqlstate", None) == "25006"
        assert refused.value.connection_invalidated
        with engine.connect() as conn:
            after = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            assert conn.execute(text("SHOW transaction_read_only")).scalar_one() == "off"
        assert after != before
    finally:
        engine.dispose()
