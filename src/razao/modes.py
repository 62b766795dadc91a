"""Choosing where use cases run: in this process (`app`) or inside PostgreSQL (`db`)."""

from __future__ import annotations

from typing import Any

import structlog

from adapters.db.code_bundle import app_code_version, database_code

log = structlog.get_logger("razao.modes")


class ExecutionModeUnavailable(RuntimeError):
    """`db` mode was asked for, but the database cannot run Razão's code."""


def resolve_mode(setting: str, engine: Any) -> str:
    """`app` or `db` for the setting `app`, `db` or `auto`; logged once, when first needed."""
    if setting == "app":
        log.info("execution_mode", setting=setting, mode="app")
        return "app"
    code = database_code(engine)
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
