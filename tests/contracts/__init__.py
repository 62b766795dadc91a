"""Contract tests: checks written once against a port and run against every implementation of it.

A contract is a class of test methods that pytest does not collect by itself (its name does not start
with `Test`); each implementation's test module subclasses it and provides the fixtures it needs.
"""

import pytest

# The contracts' asserts live outside test modules: have pytest rewrite them (readable failures).
# List each contract module here, before it is imported.
pytest.register_assert_rewrite("tests.contracts.unit_of_work")
