"""Pieces of the failover suite (`tests/suites/test_failover.py`): the storm's clients with a clock on
their acknowledgements, and how long writes were unavailable around each failover."""
