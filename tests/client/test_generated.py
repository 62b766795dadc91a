"""The generated half of the Python client (clients/python/razao_api) is current: regenerated from the API's
OpenAPI document into a temporary directory by the pinned generator, it is the committed code byte for byte.
When this fails, run `./scripts/client.sh` (or `make client`) and commit the result."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_generated_client_is_current() -> None:
    done = subprocess.run(
        [str(ROOT / "scripts" / "client.sh"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_generator_is_pinned_exactly() -> None:
    pins = (ROOT / "clients" / "python" / "generator-requirements.txt").read_text().splitlines()
    requirements = [line for line in pins if line.strip() and not line.startswith("#")]
    assert "openapi-python-client==0.29.1" in requirements
    assert all("==" in line for line in requirements), requirements
