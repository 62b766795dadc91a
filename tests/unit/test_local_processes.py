"""A recorded PID is signalled only while it is still the recorded process (`razao.local.processes`).

Each test starts its own `sleep` (in a session of its own, so that a group signal could reach nobody
else) and forges records of it: the true start time, a wrong one (what a recycled PID looks like: same
number, another process), none. Only the true record may be signalled; the stack's `down` and the
formation's `stop`, given a state file that names a live stranger, must leave it running.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from razao.local import processes, stack
from razao.local.formation import Formation
from razao.local.processes import ProcessId, same_process, signal_if_same


@pytest.fixture
def sleeper(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A `sleep 30` of our own, in its own session, with `tmp_path` as its working directory."""
    child = subprocess.Popen(["sleep", "30"], cwd=tmp_path, start_new_session=True)
    try:
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(5)


def _forged(child: subprocess.Popen[bytes]) -> ProcessId:
    """`child`'s PID with another start time: a PID recorded long ago, now someone else's."""
    real = ProcessId.of(child.pid)
    assert real.started is not None
    return ProcessId(child.pid, real.started - 1)


def test_the_recorded_process_is_recognised_and_signalled(sleeper: subprocess.Popen[bytes]) -> None:
    real = ProcessId.of(sleeper.pid)
    assert same_process(real)
    assert signal_if_same(real, signal.SIGTERM)
    assert sleeper.wait(5) == -signal.SIGTERM
    assert not same_process(real)  # reaped: gone
    assert not signal_if_same(real, signal.SIGTERM)


@pytest.mark.parametrize("group", [False, True])
def test_a_pid_whose_start_time_differs_is_not_signalled(
    sleeper: subprocess.Popen[bytes], group: bool
) -> None:
    forged = _forged(sleeper)
    assert not same_process(forged)
    assert not signal_if_same(forged, signal.SIGKILL, group=group)
    assert not signal_if_same(ProcessId(sleeper.pid, None), signal.SIGKILL, group=group)
    assert sleeper.poll() is None, "the forged record's PID was signalled"
    assert signal_if_same(ProcessId.of(sleeper.pid), signal.SIGKILL, group=group)
    assert sleeper.wait(5) == -signal.SIGKILL


def test_a_record_round_trips_through_json_and_one_without_start_time_matches_nothing() -> None:
    me = ProcessId.of(os.getpid())
    assert ProcessId.from_json(json.loads(json.dumps(me.to_json()))) == me
    assert ProcessId.from_json({"pid": os.getpid()}) == ProcessId(os.getpid(), None)
    assert not same_process(ProcessId(os.getpid(), None))


def _postmaster_pid_file(pgdata: Path, pid: int, started_epoch: int) -> None:
    """A `postmaster.pid` as PostgreSQL writes it: PID, data directory, start time (epoch), port, ..."""
    pgdata.mkdir(exist_ok=True)
    (pgdata / "postmaster.pid").write_text(f"{pid}\n{pgdata}\n{started_epoch}\n5432\n/tmp\n127.0.0.1\n")


def _epoch(process: ProcessId) -> int:
    assert process.started is not None
    return int(processes.boot_time() + process.started / processes.TICKS)


def test_a_postmaster_is_its_data_directorys_process_started_when_the_pid_file_says(
    sleeper: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    real = ProcessId.of(sleeper.pid)
    _postmaster_pid_file(tmp_path, sleeper.pid, _epoch(real))
    assert processes.postmaster(tmp_path) == real  # its working directory is tmp_path

    _postmaster_pid_file(tmp_path, sleeper.pid, _epoch(real) - 3600)  # a stale file, PID recycled
    assert processes.postmaster(tmp_path) is None

    other = tmp_path / "other"  # right PID and time, but another data directory
    _postmaster_pid_file(other, sleeper.pid, _epoch(real))
    assert processes.postmaster(other) is None
    assert processes.postmaster(tmp_path / "missing") is None


def test_down_on_a_stale_state_leaves_a_stranger_with_a_recorded_pid_alone(
    sleeper: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    forged = _forged(sleeper).to_json()
    directory = tmp_path / "local"
    record = stack.Stack(
        directory,
        {
            "apis": [{**forged, "port": 1, "url": "http://127.0.0.1:1", "log": "x"}],
            "watcher": {**forged, "log": "x"},
            "pgbouncers": [{"node": "node1", **forged, "port": 1, "directory": str(directory)}],
            "formation": {
                "root": str(directory / "formation"),
                "database": "razao",
                "monitor": {"port": 1, **forged},
                "nodes": [{"name": "node1", "port": 2, **forged}],
            },
        },
    )
    record.save()
    assert (directory / "state.json").stat().st_mode & 0o777 == 0o600
    assert not any(record.running().values())
    assert stack.down(directory) == []
    assert not directory.exists()
    assert sleeper.poll() is None, "down signalled a PID whose start time differs"


def test_a_formation_stop_leaves_a_stranger_with_a_keepers_pid_alone(
    sleeper: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    forged = _forged(sleeper).to_json()
    formation = Formation.from_description(
        {
            "root": str(tmp_path / "formation"),
            "database": "razao",
            "monitor": {"port": 1, **forged},
            "nodes": [{"name": "node1", "port": 2, **forged}, {"name": "node2", "port": 3, "pid": None}],
        }
    )
    assert formation.processes() == []
    formation.stop(timeout=1)
    assert sleeper.poll() is None, "stop signalled a PID whose start time differs"


def test_state_json_is_never_readable_by_others(tmp_path: Path) -> None:
    record = stack.Stack(tmp_path / "local", {"admin_api_key": "secret"})
    old = os.umask(0)  # the most permissive umask: the file must still be private
    try:
        record.save()
        record.save()
    finally:
        os.umask(old)
    assert (record.state_file).stat().st_mode & 0o777 == 0o600
    assert json.loads(record.state_file.read_text()) == {"admin_api_key": "secret"}
    assert [p.name for p in record.directory.iterdir()] == ["state.json"]
