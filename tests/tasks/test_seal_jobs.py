"""The sealed journal's job kinds on in-memory fakes: `journal-sealing` seals until nothing is left and
records the head it reached; `seal-verification` walks every block a part at a time and reports them all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from structlog.testing import capture_logs

from adapters.tasks.jobs import JOURNAL_SEALING, SEAL_TASK_SECONDS, SEAL_VERIFICATION, JobRunner, seal_all
from application.batch_path import InAppBatchPath
from application.jobs import create_job, get_job
from application.seals import XID_BEHIND, SealStatus, block_document
from application.write_path import InAppWritePath
from domain.errors import InvalidState
from domain.seals import BROKEN_CHAIN, Finding, SealReport, SealRow, seal_block
from tests.fakes import FakeClock, InMemoryStore, SequentialIds

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _rows(first: int, n: int) -> list[SealRow]:
    return [
        SealRow(UUID(int=i + 1), "posted", 0, UUID(int=99), i + 1, "debit", 5, "BRL", 5, AT, AT, 10 + i, "00")
        for i in range(first, first + n)
    ]


class FakeSealPath:
    """Blocks of 2 rows over a journal of `rows` rows; `verify` reports `per_part` blocks a part, and a
    broken chain at `broken`."""

    def __init__(self, rows: int, per_part: int = 2, broken: int | None = None) -> None:
        self.pending = rows
        self.blocks: list[Any] = []
        self.per_part, self.broken = per_part, broken
        self.verified_after: list[int] = []

    def seal_next(self) -> dict[str, Any] | None:
        if self.pending == 0:
            return None
        n = min(2, self.pending)
        block = seal_block(_rows(len(self.blocks) * 2, n), self.blocks[-1] if self.blocks else None, AT)
        self.blocks.append(block)
        self.pending -= n
        return block_document(block)

    def verify(self, after_height: int, limit: int = 64) -> SealReport:
        self.verified_after.append(after_height)
        part = self.blocks[after_height : after_height + self.per_part]
        findings = tuple(Finding(BROKEN_CHAIN, b.height, "broken") for b in part if b.height == self.broken)
        return SealReport(
            len(part),
            sum(b.header.row_count for b in part),
            len(findings),
            findings,
            head_height=part[-1].height if part else 0,
            head_hash=part[-1].hash if part else bytes(32),
        )

    def prove(self, transfer_id: UUID) -> list[dict[str, Any]]:
        return []

    def status(self) -> SealStatus:
        return SealStatus(len(self.blocks), bytes(32), 0, self.pending, None, None)


def _runner(store: InMemoryStore, seals: FakeSealPath) -> JobRunner:
    clock = FakeClock()
    return JobRunner(
        store.unit_of_work,
        clock,
        InAppWritePath(store.unit_of_work, clock),
        InAppBatchPath(store.unit_of_work, clock),
        seals=seals,
    )


def _job(store: InMemoryStore, kind: str) -> UUID:
    return create_job(kind, {}, None, store.unit_of_work(), FakeClock(), SequentialIds()).id


def test_sealing_job_seals_until_nothing_is_left() -> None:
    store, seals = InMemoryStore(), FakeSealPath(rows=5)
    job_id = _job(store, JOURNAL_SEALING)
    result = _runner(store, seals)(job_id)
    assert (result["blocks"], result["rows"], result["height"]) == (3, 5, 3)
    assert result["head_hash"] == seals.blocks[-1].hash.hex()
    assert get_job(job_id, store.unit_of_work()).processed == 5


def test_seal_verification_walks_every_block_a_part_at_a_time() -> None:
    store, seals = InMemoryStore(), FakeSealPath(rows=10, per_part=2, broken=4)
    seal_all(seals)
    result = _runner(store, seals)(_job(store, SEAL_VERIFICATION))
    assert seals.verified_after == [0, 2, 4, 5]
    assert (result["ok"], result["blocks"], result["rows"], result["broken_blocks"]) == (False, 5, 10, 1)
    assert [f["height"] for f in result["findings"]] == [4]


def test_seal_all_stops_at_max_blocks() -> None:
    seals = FakeSealPath(rows=9)
    assert seal_all(seals, max_blocks=2) == {"blocks": 2, "rows": 4, "height": 2, "capped": True}
    assert seal_all(seals) == {"blocks": 3, "rows": 5, "height": 5, "capped": False}


def test_seal_all_stops_when_its_time_is_up_under_sustained_writes() -> None:
    """Rows keep coming (a block is always sealable): the task returns after `max_seconds`."""
    seals = FakeSealPath(rows=1_000_000)
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0  # each block takes a second
        return now[0]

    result = seal_all(seals, max_seconds=5.0, clock=clock)
    assert result["capped"] and 1 <= result["blocks"] <= 5
    assert seal_all(FakeSealPath(rows=3), clock=clock)["capped"] is False  # the default cap: 30 s
    assert SEAL_TASK_SECONDS == 30.0


def test_seal_all_logs_a_refusal_and_raises_it() -> None:
    class Refusing(FakeSealPath):
        def seal_next(self) -> dict[str, Any] | None:
            raise InvalidState("sealing refused", reason=XID_BEHIND)

    with capture_logs() as logs, pytest.raises(InvalidState):
        seal_all(Refusing(rows=1))
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["journal_sealing_refused"]


def test_beat_seals_every_interval_and_the_task_runs_the_sealer() -> None:
    from datetime import timedelta

    from adapters.tasks.celery_app import SEAL_JOURNAL, CeleryConfig, create_celery

    seals = FakeSealPath(rows=3)
    app = create_celery(
        CeleryConfig(broker_url="memory://", seal_interval_seconds=10.0),
        lambda: None,  # type: ignore[arg-type, return-value]
        seal_journal=lambda: seal_all(seals),
    )
    entry = app.conf.beat_schedule["seal-journal"]
    assert (entry["task"], entry["schedule"]) == (SEAL_JOURNAL, timedelta(seconds=10))
    assert app.tasks[SEAL_JOURNAL]() == {"blocks": 2, "rows": 3, "height": 2, "capped": False}
    unscheduled = create_celery(CeleryConfig(broker_url="memory://"), lambda: None)  # type: ignore[arg-type, return-value]
    assert "seal-journal" not in unscheduled.conf.beat_schedule
    assert unscheduled.tasks[SEAL_JOURNAL]() == {"skipped": "sealing is not wired"}
