"""Which process a recorded PID is, before signalling it.

A PID names a process only while that process lives: once it ends, the kernel hands the number to the
next process it creates (this machine's `pid_max` is 32768, and PostgreSQL clusters of other runs
create backends all the time). A PID read from a file written long ago (state.json, `postmaster.pid`
left behind by a crash or a SIGKILL) may therefore be someone else's process now. So a process is
recorded as a `ProcessId`: its PID and its start time (field 22 of `/proc/<pid>/stat`, clock ticks
since boot), which the kernel never changes for a process's life and which a later process with the
same PID cannot share. `signal_if_same` signals only a process whose start time still matches; a
mismatch means the recorded process is gone, and nothing is signalled.

A single process is signalled through a pidfd (`os.pidfd_open`) opened *before* the start time is
checked: if the check passes, the process had that PID from before the open until after the check, so
the pidfd is that process's and the signal cannot reach a successor, however late it is sent.

A postmaster is recognised from its data directory (`postmaster(pgdata)`): the PID in
`postmaster.pid`, whose start time (its third line, seconds since the epoch) matches the process's own,
and whose working directory is the data directory (PostgreSQL chdirs into it at start), where this
process may read it.

Also here, what every local server of this package needs: a free port on 127.0.0.1 (`free_port`), and
a PostgreSQL command run as its OS user when this process is root (`as_postgres`: the server refuses to
run as root).

Linux only (`/proc`); nothing happens at import time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The OS user PostgreSQL's servers and tools run as when this process is root.
POSTGRES_OS_USER = "postgres"


def free_port(taken: set[int] | None = None) -> int:
    """A TCP port nobody listens on right now on 127.0.0.1 (and not in `taken`)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if not taken or port not in taken:
            return port


def as_postgres(command: list[str]) -> list[str]:
    """`command` run as PostgreSQL's OS user when this process is root (PostgreSQL refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", POSTGRES_OS_USER, "--", *command]
    return command


#: Clock ticks per second, the unit of `/proc/<pid>/stat`'s start time.
TICKS = os.sysconf("SC_CLK_TCK")
#: How far (seconds) a postmaster's own start time may be from its process's: the postmaster takes the
#: time a moment after its process is created (a loaded machine stretches that moment), and the boot
#: time both are converted with is whole seconds.
POSTMASTER_START_SLACK = 5.0


def _stat(pid: int) -> list[str] | None:
    """The fields of `/proc/<pid>/stat` after the command name (field 3 first), None when no such
    process. The name is in parentheses and may itself hold spaces and parentheses: split after the
    last `)`."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    return text.rpartition(")")[2].split()


def start_time(pid: int) -> int | None:
    """When process `pid` started, in clock ticks since boot (None: no such process, or a zombie)."""
    fields = _stat(pid)
    if fields is None or fields[0] == "Z":
        return None
    return int(fields[19])  # field 22 of the whole line; the first two (pid, name) are cut off


def alive(pid: int | None) -> bool:
    """Whether a process `pid` exists and is not a zombie (whoever it is)."""
    return pid is not None and start_time(pid) is not None


@dataclass(frozen=True, slots=True)
class ProcessId:
    """One process: its PID and its start time (clock ticks since boot, None: unknown, which matches
    no process: a record without a start time is never signalled)."""

    pid: int
    started: int | None

    @classmethod
    def of(cls, pid: int) -> ProcessId:
        """The process that has `pid` now (take it right after starting it)."""
        return cls(pid, start_time(pid))

    def to_json(self) -> dict[str, Any]:
        return {"pid": self.pid, "started": self.started}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProcessId:
        """From `to_json`'s dictionary (a record without "started" is one never signalled)."""
        started = data.get("started")
        return cls(int(data["pid"]), None if started is None else int(started))


def same_process(process: ProcessId | None) -> bool:
    """Whether `process` still runs: its PID exists, is not a zombie, and started when recorded."""
    return process is not None and process.started is not None and start_time(process.pid) == process.started


def signal_if_same(process: ProcessId | None, signum: int, *, group: bool = False) -> bool:
    """Send `signum` to `process` (or to its process group, whose leader it is) only if it is still the
    recorded process; whether it was sent. A process gone meanwhile is not an error."""
    if process is None or process.started is None:
        return False
    if group:
        # No pidfd for a group: the group lives as long as any member does, and its number cannot go
        # to a new process meanwhile; what is checked is that its leader is still ours.
        if not same_process(process):
            return False
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signum)
            return True
        return False
    try:
        pidfd = os.pidfd_open(process.pid)
    except ProcessLookupError:
        return False
    except OSError:  # no pidfds (a kernel before 5.3): check, then signal by number
        if not same_process(process):
            return False
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(process.pid, signum)
            return True
        return False
    try:
        if not same_process(process):
            return False
        with contextlib.suppress(ProcessLookupError, PermissionError):
            signal.pidfd_send_signal(pidfd, signum)
            return True
        return False
    finally:
        os.close(pidfd)


def boot_time() -> float:
    """When the machine booted, in seconds since the epoch (`btime` of /proc/stat)."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise RuntimeError("no btime in /proc/stat")


def postmaster(pgdata: Path) -> ProcessId | None:
    """The postmaster running `pgdata`, as its `postmaster.pid` names it, if that PID is really it (see
    the module's docstring); None when the file is missing or stale."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().split("\n")
        pid, recorded = int(lines[0]), int(lines[2])
    except (OSError, ValueError, IndexError):
        return None
    process = ProcessId.of(pid)
    if process.started is None:
        return None
    if abs(boot_time() + process.started / TICKS - recorded) > POSTMASTER_START_SLACK:
        return None
    try:
        cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
    except PermissionError:
        return process  # another user's process, unreadable to us: the start time decided
    except OSError:
        return None
    return process if cwd == pgdata.resolve() else None
