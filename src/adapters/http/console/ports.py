"""What the console needs from the composition root besides the app's `Services`: the session store,
the latest jobs, and its settings (`razao.settings`: RAZAO_CONSOLE_*)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from adapters.http.console.session import SessionStore
from application.jobs import Job


class RecentJobs(Protocol):
    def latest(self, limit: int) -> list[Job]: ...


@dataclass(frozen=True, slots=True)
class ConsoleServices:
    """What the console needs besides the app's `Services`."""

    sessions: SessionStore
    recent_jobs: RecentJobs
    #: How long a session lasts after sign-in (it is never extended).
    session_minutes: float = 480.0
    #: The cookie's `Secure` flag: True, False, or None (set when the request came over https).
    secure_cookie: bool | None = None
    #: Failed sign-ins allowed per client address per minute, in each process (0: no limit).
    sign_in_limit: int = 10
