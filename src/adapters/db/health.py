"""The database check behind the readiness probe: can we query, and at which schema revision?"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text


@dataclass(frozen=True, slots=True)
class DatabaseStatus:
    ok: bool
    revision: str | None = None
    error: str | None = None


def database_status(engine: Engine) -> DatabaseStatus:
    """`SELECT 1` and the Alembic revision. Never raises: a failure is reported in `error`.

    A reachable database without the schema (no `alembic_version` row) is not ready either.
    """
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            revision = None
            if conn.execute(text("SELECT to_regclass('alembic_version')")).scalar() is not None:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            conn.rollback()
    except Exception as exc:
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return DatabaseStatus(ok=False, error=f"{type(exc).__name__}: {message[0] if message else ''}")
    if revision is None:
        return DatabaseStatus(ok=False, error="the schema is not migrated (no alembic_version row)")
    return DatabaseStatus(ok=True, revision=revision)
