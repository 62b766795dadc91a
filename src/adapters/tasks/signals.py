"""Task log context: every line a task logs carries its task id, its name and the request id of the API
call that started it (sent as the `request_id` message header)."""

from __future__ import annotations

import time
from typing import Any

import structlog
from celery import signals

REQUEST_ID_HEADER = "request_id"

log = structlog.get_logger("razao.tasks")
_started: dict[str, float] = {}


def request_id_of(request: Any) -> str | None:
    """The request id header of a task message (Celery exposes custom headers as request attributes)."""
    value = getattr(request, REQUEST_ID_HEADER, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(REQUEST_ID_HEADER)
    return value if isinstance(value, str) else None


def _prerun(task_id: str, task: Any, **_: Any) -> None:
    structlog.contextvars.clear_contextvars()
    context = {"task_id": task_id, "task": task.name}
    if (request_id := request_id_of(task.request)) is not None:
        context["request_id"] = request_id
    structlog.contextvars.bind_contextvars(**context)
    _started[task_id] = time.perf_counter()
    log.info("task_started", retries=task.request.retries, redelivered=_redelivered(task.request))


def _postrun(task_id: str, state: str | None = None, **_: Any) -> None:
    began = _started.pop(task_id, None)
    duration = round((time.perf_counter() - began) * 1000, 2) if began is not None else None
    log.info("task_finished", state=state, duration_ms=duration)
    structlog.contextvars.clear_contextvars()


def _failure(task_id: str, exception: BaseException, **_: Any) -> None:
    log.error("task_failed", exc_info=exception)


def _redelivered(request: Any) -> bool:
    info = getattr(request, "delivery_info", None) or {}
    return bool(info.get("redelivered"))


def connect_signals() -> None:
    """Bind the log context around every task of this process (Celery signals are process-wide)."""
    signals.task_prerun.connect(_prerun, weak=False, dispatch_uid="razao.task_prerun")
    signals.task_postrun.connect(_postrun, weak=False, dispatch_uid="razao.task_postrun")
    signals.task_failure.connect(_failure, weak=False, dispatch_uid="razao.task_failure")
