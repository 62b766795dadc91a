"""Flower runs under /flower with basic auth from the settings, bound to the loopback interface (its
/metrics, which Flower exempts from auth, is not reachable from other hosts)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from razao.settings import Settings
from tests.tasks.conftest import RAZAO, free_port, settings_env, wait_for


def _outside_address() -> str | None:
    """This machine's address on its default route, if it has one besides loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # UDP: no packet is sent
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_flower_asks_for_credentials_and_accepts_the_configured_ones(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **settings_env(settings),
        "RAZAO_FLOWER_PORT": str(port),
        "RAZAO_FLOWER_USER": "ops",
        "RAZAO_FLOWER_PASSWORD": "s3cret",
    }
    log = tmp_path / "flower.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [RAZAO, "flower"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}/flower"
    try:

        def answering() -> bool:
            try:
                httpx.get(f"{base}/", timeout=1)
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                return False
            return True

        wait_for(answering, 30, "Flower")
        anonymous = httpx.get(f"{base}/", timeout=5)
        wrong = httpx.get(f"{base}/", auth=("ops", "wrong"), timeout=5)
        allowed = httpx.get(f"{base}/workers", auth=("ops", "s3cret"), timeout=5)

        assert anonymous.status_code == 401
        assert wrong.status_code == 401
        assert allowed.status_code == 200, allowed.text[:500]
        assert "Flower" in allowed.text
        if (address := _outside_address()) is not None:  # bound to loopback: unreachable from outside
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"http://{address}:{port}/flower/metrics", timeout=2)
    finally:
        process.kill()
        process.wait(timeout=10)
