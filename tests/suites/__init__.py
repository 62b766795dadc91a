"""The proving suites: model-based, storm with faults, hostile input, migrations and privileges.

Each suite runs short in the default test run (`make test`) and long with `make suites`
(`python -m tests.suites`), which prints one summary table. See `summary.py`.
"""
