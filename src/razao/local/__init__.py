"""Local stand-ins for the infrastructure a deployment puts around Razão (a PgBouncer in front of a
PostgreSQL), started as child processes for tests, benchmarks and a developer's machine. Nothing here is
used by the service itself; nothing starts at import time.
"""
