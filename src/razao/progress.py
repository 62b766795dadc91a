"""Progress of long command-line work: a bar with the rate and an ETA on a terminal, plain lines otherwise.

    with Progress("check", unit="rows") as progress:
        check_ledger(engine, progress=progress.update)   # update(step, done, total)

On a terminal (the stream is a TTY) rich draws one live line: the label and step, a bar, `done/total`, the
rate (`rows/s`) and `ETA h:mm:ss`. Elsewhere (a pipe, a log file, CI) it writes a plain line when the step
changes and at most every `every` seconds, with the same figures, and one at the end, so that a log shows
how far the work got without a line per row. It always writes to stderr by default: stdout stays the
command's answer (`razao check --json`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, ProgressColumn, Task, TextColumn
from rich.progress import Progress as RichProgress
from rich.text import Text


def clock_text(seconds: float | None) -> str:
    """`h:mm:ss`, or `-:--:--` when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:  # None, NaN, negative
        return "-:--:--"
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


class _Rate(ProgressColumn):
    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        speed = task.finished_speed or task.speed or (task.completed / elapsed if elapsed else None)
        return Text(f"{speed:,.0f} {self.unit}/s" if speed else f"- {self.unit}/s")


class _Eta(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"ETA {clock_text(task.time_remaining)}")


class Progress:
    """Reports `done` of `total` units of work under a `label`; see the module's docstring."""

    def __init__(
        self,
        label: str,
        *,
        unit: str = "rows",
        stream: IO[str] | None = None,
        tty: bool | None = None,
        every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        enabled: bool = True,
    ) -> None:
        self.label, self.unit, self.every, self.clock, self.enabled = label, unit, every, clock, enabled
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.done, self.step = 0, ""
        self.total: int | None = None
        self._started = clock()
        self._printed_at: float | None = None
        self._bar: RichProgress | None = None
        self._task: Any = None

    # --- the caller's side ---------------------------------------------------------------------------

    def update(self, step: str, done: int, total: int | None = None) -> None:
        """`done` units of `total` (None: unknown) finished; `step` names what is being done now."""
        if not self.enabled:
            return
        changed = step != self.step
        self.step, self.done = step, done
        if total is not None:
            self.total = total
        if self.tty:
            self._draw()
        elif changed or self._printed_at is None or self.clock() - self._printed_at >= self.every:
            self._line()

    def close(self, outcome: str = "") -> None:
        """The end: the bar's last state (a terminal), or a last line with the totals and `outcome`."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        if not self.tty:
            self._line(final=outcome or "done")

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        self.close("" if kind is None else "stopped")

    # --- figures -------------------------------------------------------------------------------------

    def rate(self) -> float | None:
        elapsed = self.clock() - self._started
        return self.done / elapsed if elapsed > 0 and self.done else None

    def eta(self) -> float | None:
        rate = self.rate()
        if rate is None or self.total is None:
            return None
        return max(self.total - self.done, 0) / rate

    # --- the two displays ----------------------------------------------------------------------------

    def _line(self, final: str | None = None) -> None:
        self._printed_at = self.clock()
        rate = self.rate()
        amount = f"{self.done:,}" + (f"/{self.total:,}" if self.total is not None else "") + f" {self.unit}"
        if self.total:
            amount += f" ({100 * min(self.done / self.total, 1):.0f}%)"
        speed = f"{rate:,.0f} {self.unit}/s" if rate else f"- {self.unit}/s"
        elapsed = clock_text(self.clock() - self._started)
        tail = f"{final} in {elapsed}" if final is not None else f"ETA {clock_text(self.eta())}"
        step = f" [{self.step}]" if self.step and final is None else ""
        print(f"{self.label}: {amount}, {speed}, {tail}{step}", file=self.stream, flush=True)

    def _draw(self) -> None:
        if self._bar is None:
            console = Console(file=self.stream, force_terminal=True, stderr=self.stream is sys.stderr)
            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed:,.0f}/{task.fields[shown_total]}"),
                _Rate(self.unit),
                _Eta(),
                console=console,
                transient=False,
                refresh_per_second=4,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total, shown_total="?")
        shown = f"{self.total:,} {self.unit}" if self.total is not None else f"? {self.unit}"
        self._bar.update(
            self._task,
            completed=self.done,
            total=self.total,
            description=f"{self.label} {self.step}".strip(),
            shown_total=shown,
        )


# --- following a job -------------------------------------------------------------------------------------

#: `razao jobs watch`'s exit code by the job's final state (and when the wait ran out: timeout(1)'s).
EXIT_CODES = {"succeeded": 0, "failed": 1}
EXIT_TIMEOUT = 124


@dataclass(frozen=True, slots=True)
class JobView:
    """What a watcher sees of a job, read from the database or from `GET /v1/jobs/{id}`."""

    kind: str
    state: str
    processed: int
    total: int | None
    result: Any = None
    errors: tuple[Any, ...] = ()

    @property
    def finished(self) -> bool:
        return self.state in EXIT_CODES

    @classmethod
    def from_api(cls, body: dict[str, Any]) -> JobView:
        progress = body.get("progress") or {}
        return cls(
            kind=str(body.get("kind", "")),
            state=str(body["state"]),
            processed=int(progress.get("processed") or 0),
            total=progress.get("total"),
            result=body.get("result"),
            errors=tuple(body.get("errors") or ()),
        )


def watch_job(
    read: Callable[[], JobView],
    progress: Progress,
    *,
    interval: float = 1.0,
    timeout: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[JobView, int]:
    """Read the job every `interval` seconds, reporting its progress, until it ends or `timeout` passes;
    returns its last view and the exit code (`EXIT_CODES`, or `EXIT_TIMEOUT`)."""
    deadline = None if timeout is None else clock() + timeout
    while True:
        job = read()
        progress.update(f"{job.kind} {job.state}".strip(), job.processed, job.total)
        if job.finished:
            progress.close(job.state)
            return job, EXIT_CODES[job.state]
        if deadline is not None and clock() >= deadline:
            progress.close(f"still {job.state}")
            return job, EXIT_TIMEOUT
        sleep(interval)
