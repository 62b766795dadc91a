"""Progress of long command-line work (src/razao/progress.py): plain lines when not on a terminal, a bar with
the rate and an ETA on one (a pseudo-terminal from the pty module); `razao check` shows it over a real
ledger, and `razao jobs watch` follows a job to its end through the database and through the API."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from razao.progress import EXIT_TIMEOUT, JobView, Progress, clock_text, watch_job

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_on_each_step_and_every_few_seconds_with_rate_and_eta() -> None:
    out, clock = io.StringIO(), Clock()
    progress = Progress("check", unit="rows", stream=out, tty=False, every=10, clock=clock)
    progress.update("zero_sum", 0, 1000)
    clock.now = 1
    progress.update("zero_sum", 100, 1000)  # same step, too soon: no line
    clock.now = 2
    progress.update("entries", 200, 1000)  # a new step: a line
    clock.now = 12.5
    progress.update("entries", 250, 1000)  # 10 s later: a line
    clock.now = 20
    progress.update("entries", 1000, 1000)
    progress.close("ok")
    lines = out.getvalue().splitlines()
    assert lines == [
        "check: 0/1,000 rows (0%), - rows/s, ETA -:--:-- [zero_sum]",
        "check: 200/1,000 rows (20%), 100 rows/s, ETA 0:00:08 [entries]",
        "check: 250/1,000 rows (25%), 20 rows/s, ETA 0:00:38 [entries]",
        "check: 1,000/1,000 rows (100%), 50 rows/s, ok in 0:00:20",
    ]


def test_unknown_totals_and_a_disabled_reporter() -> None:
    out = io.StringIO()
    with Progress("job", unit="items", stream=out, tty=False, clock=Clock()) as progress:
        progress.update("queued", 0)
    assert out.getvalue().splitlines() == [
        "job: 0 items, - items/s, ETA -:--:-- [queued]",
        "job: 0 items, - items/s, done in 0:00:00",
    ]
    quiet = io.StringIO()
    with Progress("check", stream=quiet, tty=False, enabled=False) as progress:
        progress.update("entries", 5, 10)
    assert quiet.getvalue() == ""
    assert clock_text(3725) == "1:02:05" and clock_text(None) == "-:--:--"


def run_in_pty(argv: list[str], env: dict[str, str] | None = None, timeout: float = 120) -> tuple[int, str]:
    """Run a command with its stdin, stdout and stderr on a pseudo-terminal; (exit code, what it wrote)."""
    parent, child = pty.openpty()
    process = subprocess.Popen(
        argv, stdin=child, stdout=child, stderr=child, env=env, close_fds=True, cwd=ROOT
    )
    os.close(child)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([parent], [], [], 0.2)
        if ready:
            try:
                data = os.read(parent, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    os.close(parent)
    try:
        code = process.wait(timeout=max(deadline - time.monotonic(), 1))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    return code, b"".join(chunks).decode("utf-8", "replace")


BAR_SCRIPT = """
import time
from razao.progress import Progress
with Progress("export", unit="rows") as progress:
    for done in range(0, 3001, 100):
        progress.update("journal", done, 3000)
        time.sleep(0.05)
"""


def test_on_a_terminal_a_bar_with_the_rate_and_an_eta() -> None:
    code, output = run_in_pty([sys.executable, "-c", BAR_SCRIPT])
    assert code == 0, output
    assert "━" in output and ANSI.search(output), output  # drawn, with terminal control sequences
    text = ANSI.sub("", output)
    assert re.search(r"export journal .*3,000/3,000 rows [\d,]+ rows/s ETA \d:\d\d:\d\d", text), text
    assert "[journal]" not in text  # not the plain lines


def test_off_a_terminal_no_control_sequences() -> None:
    done = subprocess.run(
        [sys.executable, "-c", BAR_SCRIPT], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert not ANSI.search(done.stderr) and "━" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith("export: 0/3,000 rows (0%)") and lines[-1].startswith(
        "export: 3,000/3,000 rows (100%)"
    )
    assert done.stdout == ""


def test_watching_a_job_until_it_ends_and_the_exit_codes() -> None:
    states = iter(
        [
            JobView("ledger-verification", "queued", 0, None),
            JobView("ledger-verification", "running", 10, 30),
            JobView("ledger-verification", "running", 20, 30),
            JobView("ledger-verification", "succeeded", 30, 30, {"ok": True}),
        ]
    )
    out = io.StringIO()
    job, code = watch_job(
        lambda: next(states), Progress("job", stream=out, tty=False, clock=Clock()), sleep=lambda _: None
    )
    assert (job.state, code) == ("succeeded", 0)
    assert out.getvalue().splitlines()[-1].startswith("job: 30/30 rows (100%)")
    failed = JobView("interest-accrual", "failed", 3, 9, None, ({"message": "boom"},))
    assert watch_job(lambda: failed, Progress("job", enabled=False), sleep=lambda _: None)[1] == 1
    clock = Clock()

    def wait(seconds: float) -> None:
        clock.now += seconds

    running = JobView("interest-accrual", "running", 3, 9)
    view, code = watch_job(
        lambda: running, Progress("job", enabled=False), timeout=5, sleep=wait, clock=clock
    )
    assert code == EXIT_TIMEOUT and view.state == "running"


def test_a_job_as_the_api_shows_it() -> None:
    body = {
        "id": str(uuid4()),
        "kind": "interest-accrual",
        "state": "running",
        "progress": {"processed": 4, "total": None},
    }
    assert JobView.from_api(body) == JobView("interest-accrual", "running", 4, None, None, ())


# --- the commands, on a real database ------------------------------------------------------------------


@pytest.fixture
def books(database: Any) -> Iterator[Any]:
    """A small ledger: two accounts and 40 transfers between them."""
    from application.accounts import OpenAccount, open_account
    from domain.transfers import TransferRequest
    from razao.container import build_container, dispose_engines
    from razao.settings import Settings

    container = build_container(
        Settings(
            database_url=database.app_url,
            admin_database_url=database.admin_url,
            db_pool_size=1,
            execution_mode="app",
        )
    )
    try:
        clock, ids = container.clock(), container.ids()
        cash = open_account(
            OpenAccount("cash", "Cash", "BRL", "debit", min_balance=None), container.uow(), clock, ids
        )
        wallet = open_account(OpenAccount("wallet", "Wallet", "BRL", "credit"), container.uow(), clock, ids)
        write_path = container.services().write_path
        for _ in range(40):
            write_path.post_transfers(
                [
                    TransferRequest.simple(
                        uuid4(),
                        debit_account_id=cash.account.id,
                        credit_account_id=wallet.account.id,
                        amount=100,
                    )
                ]
            )
        yield database
    finally:
        dispose_engines(container)


def razao_env(database: Any) -> dict[str, str]:
    env = dict(os.environ)
    env |= {"RAZAO_DATABASE_URL": database.app_url, "RAZAO_ADMIN_DATABASE_URL": database.admin_url}
    env |= {"RAZAO_LOG_LEVEL": "WARNING", "TERM": "xterm-256color", "COLUMNS": "160"}
    return env


RAZAO = [sys.executable, "-m", "razao.cli"]


@pytest.mark.integration
def test_razao_check_shows_progress_on_a_terminal_and_lines_elsewhere(books: Any) -> None:
    done = subprocess.run(
        [*RAZAO, "check", "--json"], env=razao_env(books), capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True  # stdout stays the report
    lines = [line for line in done.stderr.splitlines() if line.startswith("check: ")]
    assert lines[0].startswith("check: 0/") and "[zero_sum]" in lines[0]
    assert any("[entries]" in line for line in lines)
    # 2 accounts, 40 transfers, 80 entries: 2*2 + 4*80 + 40 rows read
    assert lines[-1].startswith("check: 364/364 rows (100%)") and "done in" in lines[-1]

    code, output = run_in_pty([*RAZAO, "check"], env=razao_env(books))
    assert code == 0, output
    text = ANSI.sub("", output)
    assert "━" in output and re.search(r"check .*364/364 rows [\d,]+ rows/s ETA", text), text
    assert "the books hold" in text

    quiet = subprocess.run(
        [*RAZAO, "check", "--no-progress"], env=razao_env(books), capture_output=True, text=True, cwd=ROOT
    )
    assert quiet.returncode == 0 and "check: " not in quiet.stderr


def _start_job(database: Any, kind: str) -> UUID:
    from application.jobs import create_job
    from razao.container import build_container, dispose_engines
    from razao.settings import Settings

    container = build_container(
        Settings(database_url=database.app_url, admin_database_url=database.admin_url, db_pool_size=1)
    )
    try:
        return create_job(kind, {}, None, container.uow(), container.clock(), container.ids()).id
    finally:
        dispose_engines(container)


def _finish_job(database: Any, job_id: UUID, ok: bool) -> None:
    from application import jobs
    from razao.container import build_container, dispose_engines
    from razao.settings import Settings

    container = build_container(
        Settings(database_url=database.app_url, admin_database_url=database.admin_url, db_pool_size=1)
    )
    try:
        clock = container.clock()
        jobs.start_job(job_id, container.uow(), clock, total=10)
        jobs.progress_job(job_id, 5, container.uow())
        if ok:
            jobs.finish_job(job_id, {"checked": 10}, container.uow(), clock)
        else:
            jobs.fail_job(job_id, [{"message": "boom"}], container.uow(), clock)
    finally:
        dispose_engines(container)


@pytest.mark.integration
def test_razao_jobs_watch_follows_a_job_through_the_database(books: Any) -> None:
    job_id = _start_job(books, "ledger-verification")
    watch = subprocess.Popen(
        [*RAZAO, "jobs", "watch", str(job_id), "--interval", "0.2"],
        env=razao_env(books),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert watch.stderr is not None
    first = watch.stderr.readline()  # the watcher has read the job once: it is queued
    _finish_job(books, job_id, ok=True)
    out, err = watch.communicate(timeout=60)
    assert watch.returncode == 0, err
    assert json.loads(out)["state"] == "succeeded"
    assert first.startswith(f"job {job_id}: 0 items") and "[ledger-verification queued]" in first, first
    assert "succeeded in" in err.splitlines()[-1]

    failing = _start_job(books, "ledger-verification")
    _finish_job(books, failing, ok=False)
    done = subprocess.run(
        [*RAZAO, "jobs", "watch", str(failing)],
        env=razao_env(books),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 1 and json.loads(done.stdout)["errors"], done.stderr

    missing = subprocess.run(
        [*RAZAO, "jobs", "watch", str(uuid4())],
        env=razao_env(books),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert missing.returncode == 2 and "does not exist" in missing.stderr

    running = _start_job(books, "ledger-verification")
    code, output = run_in_pty(
        [*RAZAO, "jobs", "watch", str(running), "--interval", "0.2", "--timeout", "1"], env=razao_env(books)
    )
    assert code == EXIT_TIMEOUT and "━" in output and "ETA" in ANSI.sub("", output), output


@pytest.mark.integration
def test_razao_jobs_watch_follows_a_job_through_the_api(books: Any) -> None:
    from bench.http import Api

    from application.api_keys import create_api_key
    from razao.container import build_container, dispose_engines
    from razao.settings import Settings

    container = build_container(
        Settings(database_url=books.app_url, admin_database_url=books.admin_url, db_pool_size=1)
    )
    try:
        _, token = create_api_key(
            "watch", ["admin"], container.admin_uow(), container.clock(), container.ids()
        )
        _, reader = create_api_key(
            "reader", ["ledger:read"], container.admin_uow(), container.clock(), container.ids()
        )
    finally:
        dispose_engines(container)
    job_id = _start_job(books, "ledger-verification")
    _finish_job(books, job_id, ok=True)
    api = Api(books, "app", workers=1, pool=None, label="watch")
    try:
        env = razao_env(books) | {"RAZAO_API_TOKEN": token}
        done = subprocess.run(
            [*RAZAO, "jobs", "watch", str(job_id), "--api", api.base],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["result"] == {"checked": 10}
        assert "succeeded in" in done.stderr.splitlines()[-1]
        missing = subprocess.run(
            [*RAZAO, "jobs", "watch", str(uuid4()), "--api", api.base],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert missing.returncode == 2 and "does not exist" in missing.stderr
        env.pop("RAZAO_API_TOKEN")
        tokenless = subprocess.run(
            [*RAZAO, "jobs", "watch", str(job_id), "--api", api.base],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert tokenless.returncode == 2 and "--token" in tokenless.stderr
        for key, status in ((f"{token}x", "401"), (reader, "403")):
            refused = subprocess.run(
                [*RAZAO, "jobs", "watch", str(job_id), "--api", api.base],
                env=env | {"RAZAO_API_TOKEN": key},
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            # exit 2 (the job cannot be read), not 1 (the job failed), and no traceback
            assert refused.returncode == 2, refused.stderr
            assert f"the API answered {status}" in refused.stderr and "Traceback" not in refused.stderr
    finally:
        api.stop()


def test_the_checker_counts_accounts_and_transfers_only_to_show_progress(books: Any) -> None:
    from sqlalchemy import create_engine, event

    from adapters.db.checker import check_ledger

    engine = create_engine(books.admin_url)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        quiet = check_ledger(engine)
        counted = [s for s in statements if "count(*) FROM accounts" in s or "count(*) FROM transfers" in s]
        assert quiet.ok and quiet.counts["entries"] == 80 and counted == []

        statements.clear()
        told: list[tuple[str, int, int]] = []
        shown = check_ledger(engine, progress=lambda step, done, total: told.append((step, done, total)))
        assert shown.counts == quiet.counts
        assert any("count(*) FROM accounts" in s for s in statements)
        assert told[-1] == ("done", 2 * 2 + 4 * 80 + 40, 2 * 2 + 4 * 80 + 40)
    finally:
        engine.dispose()
