"""Every scenario of the feature files, once per execution mode (`modes.MODES`)."""

from __future__ import annotations

import pytest
from pytest_bdd import scenarios

# The scenario functions themselves request the parametrized `ledger` fixture: this is what makes
# pytest run each of them once per mode.
pytestmark = pytest.mark.usefixtures("ledger")

scenarios(".")
