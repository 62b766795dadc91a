"""Alembic environment: where migrations get their database connection and target schema.

The URL is never hard-coded here. In order of precedence it comes from:
1. `config.attributes["connection"]`: an open connection handed over by the caller;
2. `config.attributes["database_url"]`: set by `adapters.db.migrate` (the `razao db ...` commands, tests);
3. `alembic -x url=postgresql+psycopg://...`;
4. the RAZAO_ADMIN_DATABASE_URL environment variable;
5. `sqlalchemy.url` in alembic.ini.
Migrations run as a superuser: revision 0001 creates the cluster-wide roles.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from adapters.db.migrate import AUTOGENERATE_OPTIONS
from adapters.db.models import metadata

config = context.config

if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    url = (
        config.attributes.get("database_url")
        or context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get("RAZAO_ADMIN_DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        raise RuntimeError("no database URL: pass -x url=..., or set RAZAO_ADMIN_DATABASE_URL")
    return str(url)


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, **AUTOGENERATE_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit the SQL instead of running it (`alembic upgrade head --sql`)."""
    context.configure(
        url=_url(),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **AUTOGENERATE_OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
