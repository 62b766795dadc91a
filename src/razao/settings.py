"""Settings from `RAZAO_*` environment variables (pydantic-settings); the README lists them."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAZAO_", extra="ignore")

    #: The application's login role: reads and writes the ledger, cannot change the schema.
    database_url: str = "postgresql+psycopg://razao_app@127.0.0.1:5432/razao"
    #: A superuser connection used only to create the database and run migrations.
    admin_database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/razao"
    db_pool_size: int = 10
    db_max_overflow: int = 10

    #: Where the write path and the data-heavy reads run: `app` (this process), `db` (PL/Python
    #: functions inside PostgreSQL), or `auto` (db where the database has plpython3u and Razão's
    #: functions, app otherwise). Hosted PostgreSQL without plpython3u runs everything in `app`.
    execution_mode: Literal["app", "db", "auto"] = "auto"

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    #: Seconds an authenticated API key stays cached in a process (the revocation delay).
    api_key_cache_seconds: float = 10.0
    max_body_bytes: int = 2 * 1024 * 1024

    log_level: str = "INFO"
    #: `json` for machines (production), `console` for people at a terminal.
    log_format: Literal["json", "console"] = "json"
