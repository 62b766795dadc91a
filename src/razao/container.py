"""The one composition root: a dependency-injector container that builds every adapter.

`create_app()` (razao.api), the CLI and the benchmarks all get their wiring from here. Nothing connects
at import time: the engine is a singleton created on first use.
"""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.db.engine import make_engine
from adapters.db.health import database_status
from adapters.db.unit_of_work import SqlUnitOfWork
from adapters.http.services import Readiness, Services
from adapters.system import RandomIds, SystemClock
from application.write_path import InAppWritePath
from razao.settings import Settings


def _readiness(engine: object) -> Readiness:
    status = database_status(engine)  # type: ignore[arg-type]
    checks = {"database": "ok" if status.ok else f"failed: {status.error}"}
    return Readiness(ok=status.ok, checks=checks, schema_revision=status.revision)


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    engine = providers.Singleton(
        make_engine,
        settings.provided.database_url,
        pool_size=settings.provided.db_pool_size,
        max_overflow=settings.provided.db_max_overflow,
    )
    #: Superuser connection for administrative commands (API keys); never used by the API.
    admin_engine = providers.Singleton(make_engine, settings.provided.admin_database_url, pool_size=1)
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(RandomIds)
    uow = providers.Factory(SqlUnitOfWork, engine)
    admin_uow = providers.Factory(SqlUnitOfWork, admin_engine)
    write_path = providers.Singleton(InAppWritePath, uow=uow.provider, clock=clock)

    services = providers.Singleton(
        Services,
        uow=uow.provider,
        clock=clock,
        ids=ids,
        write_path=write_path,
        readiness=providers.Callable(lambda engine: lambda: _readiness(engine), engine),
        api_key_cache_seconds=settings.provided.api_key_cache_seconds,
        max_body_bytes=settings.provided.max_body_bytes,
    )


def build_container(settings: Settings | None = None) -> Container:
    return Container(settings=settings or Settings())
