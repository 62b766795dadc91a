"""The one composition root: a dependency-injector container that builds every adapter.

`create_app()` (razao.api), the CLI and the benchmarks all get their wiring from here. Nothing connects
at import time: the engine is a singleton created on first use, and the execution mode (in the app or
in the database) is resolved, and logged, the first time a use case needs it.
"""

from __future__ import annotations

from typing import Any

from dependency_injector import containers, providers

from adapters.db.code_bundle import app_code_version, database_code, function_stats
from adapters.db.engine import make_engine
from adapters.db.health import database_status
from adapters.db.in_database import InDatabaseReadPath, InDatabaseWritePath
from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.http.services import FunctionStat, Readiness, Services
from adapters.system import RandomIds, SystemClock
from application.read_path import InAppReadPath
from application.write_path import InAppWritePath
from razao.modes import resolve_mode
from razao.settings import Settings


def readiness(engine: Any, mode: providers.Provider[str]) -> Readiness:
    """Database reachable and migrated; in `db` mode, the database runs this process's code version."""
    status = database_status(engine)
    checks = {"database": "ok" if status.ok else f"failed: {status.error}"}
    ours, theirs, current_mode = app_code_version(), None, None
    if status.ok:
        try:
            theirs = database_code(engine).version
            current_mode = mode()
        except Exception as error:  # readiness reports, it never raises
            checks["code"] = f"failed: {error}"
    if current_mode == "db":
        checks["code"] = "ok" if theirs == ours else "failed: the database runs another code version"
    ok = all(result == "ok" for result in checks.values())
    return Readiness(
        ok=ok,
        checks=checks,
        schema_revision=status.revision,
        execution_mode=current_mode,
        app_code_version=ours,
        database_code_version=theirs,
    )


def stats_of(engine: Any) -> list[FunctionStat]:
    return [FunctionStat(**row) for row in function_stats(engine)]


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    engine = providers.Singleton(
        make_engine,
        settings.provided.database_url,
        pool_size=settings.provided.db_pool_size,
        max_overflow=settings.provided.db_max_overflow,
    )
    #: The in-database mode's engine: no pre-ping, so that each operation is one round trip.
    function_engine = providers.Singleton(
        make_engine,
        settings.provided.database_url,
        pool_size=settings.provided.db_pool_size,
        max_overflow=settings.provided.db_max_overflow,
        pre_ping=False,
    )
    #: Superuser connection for administrative commands (API keys); never used by the API.
    admin_engine = providers.Singleton(make_engine, settings.provided.admin_database_url, pool_size=1)
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(RandomIds)
    uow = providers.Factory(SqlUnitOfWork, engine)
    admin_uow = providers.Factory(SqlUnitOfWork, admin_engine)

    code_version = providers.Callable(app_code_version)
    execution_mode = providers.Singleton(resolve_mode, settings.provided.execution_mode, engine)
    write_path = providers.Selector(
        execution_mode,
        app=providers.Singleton(InAppWritePath, uow=uow.provider, clock=clock),
        db=providers.Singleton(InDatabaseWritePath, function_engine, expected_version=code_version),
    )
    read_path = providers.Selector(
        execution_mode,
        app=providers.Singleton(InAppReadPath, uow=uow.provider),
        db=providers.Singleton(InDatabaseReadPath, function_engine, expected_version=code_version),
    )

    services = providers.Singleton(
        Services,
        uow=uow.provider,
        clock=clock,
        ids=ids,
        write_path=write_path,
        read_path=read_path,
        readiness=providers.Callable(
            lambda engine, mode: lambda: readiness(engine, mode), engine, execution_mode.provider
        ),
        function_stats=providers.Callable(lambda engine: lambda: stats_of(engine), engine),
        api_key_cache_seconds=settings.provided.api_key_cache_seconds,
        max_body_bytes=settings.provided.max_body_bytes,
    )


def build_container(settings: Settings | None = None) -> Container:
    return Container(settings=settings or Settings())


def dispose_engines(container: Container) -> None:
    """Close every pooled connection the container opened (at shutdown, and after tests)."""
    for engine in (container.engine, container.function_engine, container.admin_engine):
        engine().dispose()
