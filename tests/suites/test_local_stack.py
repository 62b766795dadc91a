"""The local stack (`python -m razao.local up|status|down`): it starts, serves through its PgBouncers,
survives a failover behind them, and stops leaving no process behind.

`up` runs as a real command (a subprocess, like a developer's terminal) into a directory of its own;
then a transfer goes through each of the two API processes, whose database URL names only the two
PgBouncers. `down` must stop every process `up` recorded (APIs, PgBouncers, the watcher, the monitor,
the keepers, and the postmasters they ran), and the directory must be gone. Each recorded process
carries its start time, which `down` checks before signalling it (tests/unit/test_local_processes.py).

In between, `up` starts every process and records it (state.json, 0600), a second `up` says "already
up", `status` sees a primary and a secondary, both APIs book a transfer through the PgBouncers; then a
failover behind the PgBouncers: the primary is SIGKILLed (keeper and postmaster) and, once the standby
is promoted, another transfer goes through each API (re-sent on 503 with the same id, as a client
does): the stack's watcher has refreshed the PgBouncers and closed the dead node's to the database. The
killed node is restarted, rejoins as the secondary, and each API books again; `down` must stop the
restarted node too. The log says how long after the kill both APIs booked again: about 6 s, the
promotion's own time (51 s before the watcher closed the demoted node's PgBouncer, which kept
answering logins until its `query_wait_timeout` and `server_login_retry` gave up). A primary killed
under load is proven by test_failover.py (through a multi-host URL, without PgBouncer).
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from razao.local.formation import Formation, wait_until
from razao.local.stack import Stack
from tests.suites.summary import scaled

#: Whether the stack is made to fail over (and the killed node to rejoin) before `down`.
log = logging.getLogger("razao.suites")


def _local(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "razao.local", *args, "--dir", str(directory)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _send(
    http: httpx.Client, method: str, path: str, body: dict[str, Any], give_up: float = 90
) -> httpx.Response:
    """The first answer under 500, re-sending the same body (same ids) after 5xx or connection errors."""
    began = time.monotonic()
    while True:
        try:
            response = http.request(method, path, json=body)
            if response.status_code < 500:
                return response
            assert response.status_code == 503, f"{response.status_code}: {response.text}"
        except httpx.TransportError:
            pass
        assert time.monotonic() - began < give_up, f"{method} {path}: no answer in {give_up}s"
        time.sleep(0.2)


def _transfer(http: httpx.Client, debit: str, credit: str) -> None:
    body = {"id": str(uuid.uuid4()), "debit_account_id": debit, "credit_account_id": credit, "amount": 100}
    answer = _send(http, "POST", "/v1/transfers", body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["id"] == body["id"]


def _fail_over(
    directory: Path, state: dict[str, Any], formation: Formation, apis: list[httpx.Client], ids: list[str]
) -> list[int]:
    """Kill the primary, book through each API once the standby is promoted, restart the killed node
    (recorded in state.json, as `up` would, so that `down` stops it), and book again once it is the
    secondary. Returns the PIDs this started or revealed, for the check after `down`."""
    pids: list[int] = []
    killed = formation.kill_primary()
    began = time.monotonic()
    pids += [pid for pid in [killed.postmaster_pid()] if pid is not None]
    formation.wait_for_new_primary(killed)
    promoted = time.monotonic() - began
    for http in apis:
        _transfer(http, *ids)
    log.info(
        "failover: promoted %.1f s and both APIs booked %.1f s after the kill",
        promoted,
        time.monotonic() - began,
    )
    formation.restart(killed)
    state["formation"] = formation.describe()
    Stack(directory, state).save()
    pids += [n.keeper_pid for n in formation.nodes if n.keeper_pid is not None]
    wait_until(lambda: formation.states().get(killed.name, ("", ""))[0] == "secondary", 120, "rejoin")
    for http in apis:
        _transfer(http, *ids)
    return pids


@pytest.mark.timeout(scaled(150, 400))
def test_the_local_stack_starts_serves_fails_over_and_stops() -> None:
    directory = Path(tempfile.mkdtemp(prefix="razao-local-stack-")) / "local"
    directory.parent.chmod(0o755)  # the formation runs as the postgres OS user, which must get in
    pids: list[int] = []
    try:
        started = _local(directory, "up")
        assert started.returncode == 0, started.stdout + started.stderr
        assert (directory / "state.json").stat().st_mode & 0o777 == 0o600  # it holds an admin API key
        state = json.loads((directory / "state.json").read_text())
        pids = [api["pid"] for api in state["apis"]] + [b["pid"] for b in state["pgbouncers"]]
        pids += [state["watcher"]["pid"], state["formation"]["monitor"]["pid"]]
        pids += [n["pid"] for n in state["formation"]["nodes"]]
        assert all(n["started"] for n in [*state["apis"], *state["pgbouncers"], *state["formation"]["nodes"]])
        formation = Formation.from_description(state["formation"])
        pids += [pid for node in formation.nodes if (pid := node.postmaster_pid()) is not None]
        assert all(_alive(pid) for pid in pids)

        again = _local(directory, "up")
        assert again.returncode == 0 and "already up" in again.stdout, again.stdout + again.stderr
        status = _local(directory, "status")
        assert status.returncode == 0, status.stderr
        assert sorted(json.loads(status.stdout)["nodes"].values()) == ["primary", "secondary"]

        headers = {"Authorization": f"Bearer {state['admin_api_key']}"}
        apis = [httpx.Client(base_url=api["url"], headers=headers, timeout=20) for api in state["apis"]]
        try:
            run = uuid.uuid4().hex[:8]
            ids = []
            for side in ("debit", "credit"):
                body: dict[str, Any] = {"code": f"local:{run}:{side}", "name": side, "asset": "BRL"}
                body["normal_side"] = side
                if side == "debit":
                    body["min_balance"] = None
                answer = _send(apis[0], "POST", "/v1/accounts", body)
                assert answer.status_code == 201, answer.text
                ids.append(answer.json()["id"])
            for http in apis:
                _transfer(http, *ids)
            pids += _fail_over(directory, state, formation, apis, ids)
        finally:
            for http in apis:
                http.close()
        pids += [pid for node in formation.nodes if (pid := node.postmaster_pid()) is not None]
    finally:
        stopped = _local(directory, "down")
        gone = not directory.exists()
        shutil.rmtree(directory.parent, ignore_errors=True)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    left = [pid for pid in pids if _alive(pid)]
    assert not left, f"still running after down: {left}"
    assert gone, f"down left {directory}"
