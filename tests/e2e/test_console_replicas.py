"""The console with a read replica (docs/replicas.md): its pages read from the primary, so the page an
action lands on shows the action, even while the replica lags; the API's own reads still use the replica.

The console's reads run outside any routed request (the consistency middleware routes `/v1/` only), and
a read outside one goes to the primary (`adapters.db.replicas`: reason `no_request`). The standby is the
one of tests/integration/test_replicas.py, paused so that it lags.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from razao.local.standby import Standby
from tests.e2e.test_console import act, sign_in
from tests.integration.test_replicas import (  # noqa: F401 (fixtures)
    caught_up,
    funded,
    make_client,
    module_standby,
    primary,
    reads_counted,
    replicas_of,
    standby,
)
from tests.suites.storm.cluster import PrivateCluster

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("mode", ["app", "db"])
def test_the_page_after_an_action_shows_it_while_the_replica_lags(
    make_client: Callable[..., Any],  # noqa: F811 (the fixtures imported above)
    primary: PrivateCluster,  # noqa: F811
    standby: Standby,  # noqa: F811
    mode: str,
) -> None:
    api = make_client(mode, [standby.url("razao_app")])
    _, wallet = funded(api)
    caught_up(primary, standby)
    replicas_of(api).refresh()
    client = TestClient(api.client.app)
    assert sign_in(client, api.tokens["admin"]).status_code == 303
    standby.pause_replay()
    before = reads_counted(api)

    done = act(client, f"/console/accounts/{wallet['id']}/freeze")
    assert done.status_code == 303
    page = client.get(done.headers["location"])

    assert page.status_code == 200
    assert re.search(r'id="status">frozen<', page.text), "the page after the action must show it"
    after = reads_counted(api)
    gained = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    assert gained.get(("primary", "no_request"), 0) > 0 and gained.get(("replica", "no_request"), 0) == 0
    assert not any(v for (source, _), v in gained.items() if source == "replica")
    # the replica lags: the API's read without a token, served there, still says active
    stale = api.get(f"/v1/accounts/{wallet['id']}")
    assert stale.json()["status"] == "active" and stale.headers.get("Razao-Read-Source") == "replica"
