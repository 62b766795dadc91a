"""Benchmarks: scripts that print measured figures. Not tests; run with `make bench`."""
