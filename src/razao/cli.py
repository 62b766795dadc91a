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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast
from uuid import UUID

import typer

from razao.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from domain.seals import SealReport
    from razao.container import Container
    from razao.progress import JobView

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
    progress: Annotated[
        bool, typer.Option(help="Show progress on stderr: a bar on a terminal, a line every 10 s otherwise.")
    ] = True,
    seals: Annotated[
        bool, typer.Option("--seals", help="Also recompute every sealed block (docs/audit/seals.md).")
    ] = False,
) -> None:
    """Prove the ledger's invariants over one snapshot; exit 1 on any violation (docs/operations.md)."""
    from adapters.db.checker import Acknowledged, check_ledger, journal_baseline
    from adapters.db.engine import make_engine
    from razao.progress import Progress

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
        with Progress("check", unit="rows", enabled=progress) as shown:
            report = check_ledger(
                engine, acknowledged=told, baseline=before, progress=shown.update if progress else None
            )
        if save_baseline:
            save_baseline.write_text(json.dumps(journal_baseline(engine)))
        sealed = _check_seals(engine) if seals else None
    finally:
        engine.dispose()
    if as_json:
        document = report.to_dict()
        if sealed is not None:
            from application.seals import report_to_dict

            document["seals"] = report_to_dict(sealed)
        typer.echo(json.dumps(document, indent=2))
    else:
        for name, count in report.counts.items():
            found = sum(1 for v in report.violations if v.check == name)
            typer.echo(f"{name:<20} {count:>12,} checked  {'ok' if not found else f'{found} violation(s)'}")
        for violation in report.violations:
            typer.echo(f"VIOLATION {violation.check} {violation.subject}: {violation.detail}")
        typer.echo("the books hold" if report.ok else f"{report.violation_count} violation(s)")
        if sealed is not None:
            state = "ok" if sealed.ok else f"{sealed.broken_blocks} broken block(s)"
            typer.echo(f"{'seals':<20} {sealed.blocks:>12,} blocks, {sealed.rows:,} rows  {state}")
            for finding in sealed.findings:
                typer.echo(f"SEAL {finding.kind} block {finding.height}: {finding.detail}")
    raise typer.Exit(0 if report.ok and (sealed is None or sealed.ok) else 1)


def _check_seals(engine: Engine) -> SealReport:
    """Every sealed block recomputed from the journal, in the app (`application.seals`)."""
    from adapters.db.seals import SqlSealUnitOfWork
    from adapters.system import SystemClock
    from application.seals import InAppSealPath, verify_all

    path = InAppSealPath(lambda: SqlSealUnitOfWork(engine), SystemClock())
    return verify_all(path.verify)


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


jobs = typer.Typer(help="Follow background jobs (docs/operations.md).", no_args_is_help=True)
app.add_typer(jobs, name="jobs")


@jobs.command("watch")
def jobs_watch(
    job_id: UUID,
    api: Annotated[
        str | None,
        typer.Option(help="Read the job from this API (e.g. http://127.0.0.1:8000) instead of the database."),
    ] = None,
    token: Annotated[
        str | None, typer.Option(envvar="RAZAO_API_TOKEN", help="API key for --api (scope admin).")
    ] = None,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between two reads.")] = 1.0,
    timeout: Annotated[float | None, typer.Option(help="Give up after this many seconds (exit 124).")] = None,
) -> None:
    """Follow a job's progress until it ends: a bar on a terminal, plain lines otherwise. Exit 0 when it
    succeeded, 1 when it failed, 2 when there is no such job or it cannot be read (the API refused the
    key or the request, or did not answer), 124 when --timeout passed first."""
    from razao.progress import Progress, watch_job

    read = _job_over_api(job_id, api, token) if api else _job_in_database(job_id)
    try:
        shown = Progress(f"job {job_id}", unit="items")
        job, code = watch_job(read, shown, interval=interval, timeout=timeout)
    except (LookupError, _Unreadable) as missing:
        typer.echo(f"razao jobs watch: {missing}", err=True)
        raise typer.Exit(2) from None
    summary: dict[str, object] = {"id": str(job_id), "kind": job.kind, "state": job.state}
    summary |= {"processed": job.processed, "total": job.total, "result": job.result}
    if job.errors:
        summary["errors"] = list(job.errors)
    typer.echo(json.dumps(summary, default=str))
    raise typer.Exit(code)


def _job_in_database(job_id: UUID) -> Callable[[], JobView]:
    from application.jobs import JobUnitOfWork, get_job
    from domain.errors import NotFound
    from razao.progress import JobView

    container = _container()
    # the ledger's unit of work has the jobs repository (as JobServices' is, in the container)
    uow = cast("Callable[[], JobUnitOfWork]", container.uow)

    def read() -> JobView:
        try:
            job = get_job(job_id, uow())
        except NotFound as missing:
            raise LookupError(f"job {job_id} does not exist") from missing
        errors = tuple(job.errors)
        return JobView(job.kind, str(job.state), job.processed, job.total, job.result, errors)

    return read


class _Unreadable(Exception):
    """The job cannot be read (not that it failed): the API refused the request or did not answer."""


def _refusal(response: Any) -> str:
    """The API's answer as a sentence: its status, and its problem's title and detail when it has one."""
    try:
        problem = response.json()
    except ValueError:
        problem = None
    said = ""
    if isinstance(problem, dict):
        said = ": " + " ".join(str(problem[k]) for k in ("title", "detail") if problem.get(k))
    hint = {401: " (check --token or RAZAO_API_TOKEN)", 403: " (the key needs the admin scope)"}
    return f"the API answered {response.status_code}{said}{hint.get(response.status_code, '')}"


def _job_over_api(job_id: UUID, api: str, token: str | None) -> Callable[[], JobView]:
    import httpx

    from razao.progress import JobView

    if not token:
        typer.echo("razao jobs watch: --api needs --token (or RAZAO_API_TOKEN)", err=True)
        raise typer.Exit(2)
    client = httpx.Client(base_url=api.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def read() -> JobView:
        for attempt in range(5):  # a restart of the API or a 503 does not end the watch
            try:
                response = client.get(f"/v1/jobs/{job_id}")
            except httpx.TransportError as error:
                if attempt == 4:
                    raise _Unreadable(f"cannot read job {job_id}: the API did not answer ({error})") from None
                time.sleep(1 + attempt)
                continue
            if response.status_code == 404:
                raise LookupError(f"job {job_id} does not exist")
            if response.status_code < 500 or attempt == 4:
                break
            time.sleep(1 + attempt)
        if not response.is_success:
            raise _Unreadable(f"cannot read job {job_id}: {_refusal(response)}")
        return JobView.from_api(response.json())

    return read


statements_cli = typer.Typer(
    help="Import bank statements (docs/audit/reconciliation.md).", no_args_is_help=True
)
app.add_typer(statements_cli, name="statements")


@statements_cli.command("import")
def statements_import(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The statement file.")
    ],
    account: Annotated[str, typer.Option(help="The mirror account: its id or its code.")],
    format: Annotated[str, typer.Option(help="camt053, mt940, ofx or csv.")],
    mapping: Annotated[str | None, typer.Option(help="A saved CSV mapping's name (csv only).")] = None,
    by: Annotated[str | None, typer.Option(help="Who imports it (default: the system user).")] = None,
) -> None:
    """Import a statement file into its mirror account, as `POST /v1/statements` does: the file is read
    in chunks up to RAZAO_STATEMENT_MAX_BYTES. Prints the statement as JSON with `created` (false: the same
    file was imported before). Exit 1 when the file or the account is refused (the reason on stderr)."""
    import dataclasses
    import getpass
    import hashlib

    from application.statements import ImportFile, import_file
    from domain.errors import DomainError

    settings = _settings()
    container = _container()
    digest, data = hashlib.sha256(), bytearray()
    with file.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            if len(data) + len(chunk) > settings.statement_max_bytes:
                limit = settings.statement_max_bytes
                typer.echo(f"razao statements import: {file} is larger than {limit} bytes", err=True)
                raise typer.Exit(1)
            data += chunk
            digest.update(chunk)
    hub = container.statement_services()
    try:
        command = ImportFile(
            account_id=_account_id(container, account),
            format=format,
            data=bytes(data),
            content_sha256=digest.hexdigest(),
            mapping=mapping,
            source_name=file.name,
            imported_by=by or f"cli:{getpass.getuser()}",
        )
        statement, created = import_file(command, hub.uow, container.clock(), hub.read)
    except DomainError as refused:
        typer.echo(json.dumps({"code": refused.code, "detail": refused.detail}), err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps({**dataclasses.asdict(statement), "created": created}, default=str))


def _account_id(container: Container, account: str) -> UUID:
    from domain.errors import AccountNotFound

    try:
        return UUID(account)
    except ValueError:
        pass
    with container.uow() as uow:
        found = uow.accounts.get_by_code(account)
    if found is None:
        raise AccountNotFound(f"account {account} does not exist", account_code=account)
    return found.id


def main() -> None:
    app()


if __name__ == "__main__":
    main()
