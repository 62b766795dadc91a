"""The `razao` command line: serve the API, run the Celery worker, beat and Flower, manage the database
schema, manage API keys, check the ledger's invariants.

Every command builds what it needs from `Settings` (RAZAO_* environment variables) through the
composition root; nothing happens at import time.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from razao.settings import Settings

if TYPE_CHECKING:
    from razao.container import Container

app = typer.Typer(help="Razão, a double-entry ledger service.", no_args_is_help=True)
db = typer.Typer(help="Create the database and apply or roll back schema migrations.", no_args_is_help=True)
keys = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(db, name="db")
app.add_typer(keys, name="api-key")


def _settings() -> Settings:
    from razao.logging import configure_logging

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return settings


#: prometheus_client's multiprocess mode: where each worker process keeps its counters (see
#: `adapters.http.metrics`, whose `/metrics` adds them up).
METRICS_DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


_METRICS_PREFIX = "razao-metrics-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep_metrics_directories() -> None:
    """Remove the metrics directories of servers that were killed (their files are named by the pid
    of the worker that wrote them: `counter_<pid>.db`)."""
    for directory in Path(tempfile.gettempdir()).glob(_METRICS_PREFIX + "*"):
        try:
            pids = [int(f.stem.rpartition("_")[2]) for f in directory.glob("*_*.db") if f.stem[-1:].isdigit()]
            starting = not pids and time.time() - directory.stat().st_mtime < 60  # workers not up yet
        except OSError:  # removed meanwhile
            continue
        if not starting and not any(_alive(pid) for pid in pids):
            shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def _shared_metrics(workers: int) -> Iterator[None]:
    """With several workers, a fresh directory for their metrics (unless one is configured), set in
    the environment the workers inherit, and removed when the server stops."""
    if workers == 1 or os.environ.get(METRICS_DIRECTORY_VARIABLE):
        yield
        return
    _sweep_metrics_directories()
    directory = tempfile.mkdtemp(prefix=_METRICS_PREFIX)
    os.environ[METRICS_DIRECTORY_VARIABLE] = directory
    try:
        yield
    finally:
        os.environ.pop(METRICS_DIRECTORY_VARIABLE, None)
        shutil.rmtree(directory, ignore_errors=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default RAZAO_API_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default RAZAO_API_PORT).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes (default RAZAO_API_WORKERS: one per core)."),
    ] = None,
) -> None:
    """Run the HTTP API with uvicorn."""
    import uvicorn

    settings = _settings()
    count = workers or settings.api_workers
    with _shared_metrics(count):
        uvicorn.run(
            "razao.api:create_app",
            factory=True,
            host=host or settings.api_host,
            port=port or settings.api_port,
            workers=count,
            access_log=False,
            log_config=None,
        )


@app.command()
def openapi(
    output: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Export the OpenAPI document (no database needed)."""
    from razao.api import create_app

    spec = (
        json.dumps(create_app(Settings(execution_mode="app")).openapi(), indent=2, ensure_ascii=False) + "\n"
    )
    if output is None:
        typer.echo(spec, nl=False)
    else:
        output.write_text(spec, encoding="utf-8")


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Worker processes (prefork pool).")] = 2,
    pool: Annotated[str, typer.Option(help="prefork, solo or threads.")] = "prefork",
    hostname: Annotated[str | None, typer.Option(help="Node name (default razao@<host>).")] = None,
) -> None:
    """Run a Celery worker: it runs the jobs started through the API and beat's schedules."""
    container = _container()
    settings = container.settings()
    argv = ["worker", f"--concurrency={concurrency}", f"--pool={pool}", f"--queues={settings.task_queue}"]
    argv += [f"--loglevel={settings.log_level}", f"--hostname={hostname or 'razao@%h'}"]
    container.celery().worker_main(argv)


@app.command()
def beat() -> None:
    """Run Celery beat: expires holds every minute, fans events out to webhooks, prunes, and schedules the
    daily ledger verification. Each firing is claimed in the database first (table `beat_firings`), so a
    second beat started by mistake sends nothing twice; no schedule file is kept (docs/processes.md)."""
    container = _container()
    container.celery().start(["beat", f"--loglevel={container.settings().log_level}"])


@app.command()
def flower() -> None:
    """Run Flower, the task monitor, at http://RAZAO_FLOWER_HOST:RAZAO_FLOWER_PORT/flower (basic auth)."""
    import os

    container = _container()
    settings = container.settings()
    # Through the environment rather than argv, so the password is not shown by `ps`.
    os.environ["FLOWER_BASIC_AUTH"] = f"{settings.flower_user}:{settings.flower_password}"
    argv = ["flower", f"--address={settings.flower_host}", f"--port={settings.flower_port}"]
    argv += ["--url_prefix=flower", "--purge_offline_workers=60"]
    container.celery().start(argv)


@app.command()
def stream() -> None:
    """Publish every event to RabbitMQ (docs/events.md#broker-stream) until stopped (SIGTERM, Ctrl-C).
    Off unless RAZAO_EVENT_STREAM_URL is set: then it only waits to be stopped, connecting to nothing
    (so that the Procfile's other processes keep running)."""
    import signal
    import threading

    import structlog

    container = _container()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    runner = container.event_stream()
    if runner is None:
        structlog.get_logger("razao.stream").info("event_stream_off", setting="RAZAO_EVENT_STREAM_URL")
        stop.wait()
        return
    runner.run(stop)


@contextmanager
def _migration_timeouts() -> Iterator[None]:
    """A migration cut short by its lock or statement timeout (migrations/env.py): one line on stderr
    instead of a traceback, and exit 75 (EX_TEMPFAIL: retry) for a lock wait, 1 otherwise."""
    from adapters.db import migrate

    try:
        yield
    except migrate.MigrationTimedOut as error:
        typer.echo(f"razao db: {error}", err=True)
        raise typer.Exit(migrate.EXIT_RETRY if error.kind == "lock" else 1) from None


@db.command("setup")
def db_setup() -> None:
    """Create the database if missing, then migrate it to the latest revision (roles included)."""
    from adapters.db import migrate

    settings = _settings()
    migrate.ensure_database(settings.admin_database_url)
    with _migration_timeouts():
        migrate.upgrade(settings.admin_database_url, "head")
    typer.echo(f"database at revision {migrate.current(settings.admin_database_url)}")


@db.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from adapters.db import migrate

    settings = _settings()
    with _migration_timeouts():
        migrate.upgrade(settings.admin_database_url, revision)
    typer.echo(f"database at revision {migrate.current(settings.admin_database_url)}")


@db.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target, e.g. -1 or base.")]) -> None:
    """Roll migrations back to REVISION."""
    from adapters.db import migrate

    settings = _settings()
    with _migration_timeouts():
        migrate.downgrade(settings.admin_database_url, revision)
    typer.echo(f"database at revision {migrate.current(settings.admin_database_url)}")


@db.command("sql")
def db_sql(
    start: Annotated[
        str | None,
        typer.Option(
            "--from", help="Start at this revision instead of the database's (then nothing connects)."
        ),
    ] = None,
    target: Annotated[
        str, typer.Option("--to", help="head, a revision or base; below --from: the downgrade's SQL.")
    ] = "head",
) -> None:
    """Print the SQL of the pending migrations, rendered offline for review; nothing when there are none."""
    from alembic.util import CommandError

    from adapters.db import migrate

    try:
        sql = migrate.pending_sql(_settings().admin_database_url, start, target)
    except CommandError as error:
        typer.echo(f"razao db sql: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(sql, nl=False)


@db.command("current")
def db_current() -> None:
    """Print the database's schema revision."""
    from adapters.db import migrate

    typer.echo(migrate.current(_settings().admin_database_url) or "none")


@db.command("code-migration")
def db_code_migration(
    amend: Annotated[
        bool, typer.Option(help="Rewrite the newest, unreleased code migration instead of adding one.")
    ] = False,
) -> None:
    """Write the migration that deploys the current src/domain, src/application and plpython/."""
    from adapters.db import code_bundle

    path = code_bundle.write_code_migration(amend=amend)
    if path is None:
        typer.echo(f"the database code is current ({code_bundle.current_bundle().version[:12]})")
    else:
        typer.echo(f"wrote {path.relative_to(code_bundle.ROOT)}")


@db.command("check")
def db_check() -> None:
    """Fail when the models and the migrated database differ."""
    from adapters.db import migrate

    migrate.check(_settings().admin_database_url)
    typer.echo("models and database agree")


@app.command()
def check(
    database_url: Annotated[
        str | None, typer.Option(help="The database to check (default RAZAO_DATABASE_URL).")
    ] = None,
    acks: Annotated[
        Path | None, typer.Option(help="JSON lines of transfers clients saw acknowledged (Acknowledged).")
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="A baseline saved earlier: prove nothing changed.")
    ] = None,
    save_baseline: Annotated[
        Path | None, typer.Option(help="Save the journal's baseline to this file.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Prove the ledger's invariants over one snapshot; exit 1 on any violation (docs/operations.md)."""
    from adapters.db.checker import Acknowledged, check_ledger, journal_baseline
    from adapters.db.engine import make_engine

    settings = _settings()
    engine = make_engine(
        database_url or settings.database_url,
        pool_size=1,
        max_overflow=0,
        transaction_pooler=settings.db_transaction_pooler,
    )
    try:
        told = (
            [Acknowledged.from_dict(json.loads(line)) for line in acks.read_text().splitlines()]
            if acks
            else []
        )
        before = json.loads(baseline.read_text()) if baseline else None
        report = check_ledger(engine, acknowledged=told, baseline=before)
        if save_baseline:
            save_baseline.write_text(json.dumps(journal_baseline(engine)))
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for name, count in report.counts.items():
            found = sum(1 for v in report.violations if v.check == name)
            typer.echo(f"{name:<20} {count:>12,} checked  {'ok' if not found else f'{found} violation(s)'}")
        for violation in report.violations:
            typer.echo(f"VIOLATION {violation.check} {violation.subject}: {violation.detail}")
        typer.echo("the books hold" if report.ok else f"{report.violation_count} violation(s)")
    raise typer.Exit(0 if report.ok else 1)


def _container() -> Container:
    """The container, for commands that manage API keys over the administrative connection."""
    from razao.container import build_container

    return build_container(_settings())


@keys.command("create")
def key_create(
    name: Annotated[str, typer.Option(help="Who or what uses the key.")],
    scope: Annotated[list[str], typer.Option(help="ledger:read, ledger:write or admin; repeat for several.")],
) -> None:
    """Create an API key and print its token (shown only this once)."""
    from application.api_keys import create_api_key

    container = _container()
    key, token = create_api_key(name, scope, container.admin_uow(), container.clock(), container.ids())
    typer.echo(
        json.dumps({"id": str(key.id), "name": key.name, "scopes": sorted(key.scopes), "token": token})
    )


@keys.command("list")
def key_list() -> None:
    """List API keys (never their secrets)."""
    from application.api_keys import list_api_keys

    for key in list_api_keys(_container().admin_uow()):
        typer.echo(
            json.dumps(
                {
                    "id": str(key.id),
                    "name": key.name,
                    "scopes": sorted(key.scopes),
                    "created_at": key.created_at.isoformat(),
                    "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
                }
            )
        )


@keys.command("revoke")
def key_revoke(key_id: UUID) -> None:
    """Revoke an API key (running API processes stop accepting it within the key cache time)."""
    from application.api_keys import revoke_api_key

    container = _container()
    revoke_api_key(key_id, container.admin_uow(), container.clock())
    typer.echo(f"revoked {key_id}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
