"""structlog set-up: JSON lines for machines, a readable console for people.

Called once by each entry point (API factory, CLI); never at import time. The standard library's loggers
(uvicorn, alembic, SQLAlchemy) are rendered by the same processors, so every line has one shape.

Razão's own loggers (`structlog.get_logger(...)`, the access log among them) do not go through the
standard library: they filter by level, render and write the line themselves, to the same stream as
the standard library's handler. A `logging.LogRecord`, a handler and a formatter per line cost more
than the rest of a request's logging.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any, TextIO

import structlog


class _LineWriter:
    """Writes each rendered event as one line (the stream and the lock are the standard library
    handler's, so that lines stay whole between threads)."""

    def __init__(self, name: str, stream: TextIO, lock: threading.RLock) -> None:
        self.name = name  # for `add_logger_name`
        self._stream = stream
        self._lock = lock

    def msg(self, message: str) -> None:
        with self._lock:
            self._stream.write(message + "\n")
            self._stream.flush()

    log = debug = info = warn = warning = err = error = critical = exception = fatal = msg


class _LineWriters:
    """structlog's logger factory: `structlog.get_logger("razao.http")` writes as `razao.http`."""

    def __init__(self, stream: TextIO, lock: threading.RLock) -> None:
        self._stream = stream
        self._lock = lock

    def __call__(self, *args: Any) -> _LineWriter:
        return _LineWriter(str(args[0]) if args else "", self._stream, self._lock)


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    handler = logging.StreamHandler(sys.stderr)
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        logger_factory=_LineWriters(handler.stream, handler.lock or threading.RLock()),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=True,
    )
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # The HTTP middleware logs each request once; uvicorn's own access log would repeat it.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
