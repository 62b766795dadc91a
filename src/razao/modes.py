"""Choosing where use cases run: in this process (`app`) or inside PostgreSQL (`db`)."""

from __future__ import annotations

import time
from typing import Any

import structlog
from sqlalchemy.exc import DBAPIError, OperationalError

from adapters.db.code_bundle import app_code_version, database_code

log = structlog.get_logger("razao.modes")


class ExecutionModeUnavailable(RuntimeError):
    """`db` mode was asked for, but the database cannot run Razão's code."""


def _database_code(engine: Any, attempts: int = 10, pause: float = 0.5) -> Any:
    """What the database can run; a connection lost or refused while starting up (the server restarting,
    a backend terminated) is tried again a few times rather than stopping the process."""
    for attempt in range(1, attempts + 1):
        try:
            return database_code(engine)
        except DBAPIError as error:
            transient = isinstance(error, OperationalError) or error.connection_invalidated
            if attempt == attempts or not transient:
                raise
            log.warning("execution_mode_lookup_failed", attempt=attempt, error=str(error.orig))
            time.sleep(pause)
    raise AssertionError("unreachable")


def resolve_mode(setting: str, engine: Any) -> str:
    """`app` or `db` for the setting `app`, `db` or `auto`; logged once, when first needed."""
    if setting == "app":
        log.info("execution_mode", setting=setting, mode="app")
        return "app"
    code = _database_code(engine)
    usable = code.plpython and code.version is not None
    if setting == "db" and not usable:
        raise ExecutionModeUnavailable(
            "RAZAO_EXECUTION_MODE=db but the database "
            + (
                "has no plpython3u"
                if not code.plpython
                else "has no Razão code deployed; run `razao db setup`"
            )
        )
    mode = "db" if usable else "app"
    log.info(
        "execution_mode",
        setting=setting,
        mode=mode,
        plpython=code.plpython,
        database_code_version=code.version,
        app_code_version=app_code_version(),
    )
    return mode
