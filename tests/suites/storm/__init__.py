"""The storm with faults: many clients on a private PostgreSQL cluster while processes are killed.

- `cluster.py`: a throwaway PostgreSQL 15 cluster (initdb, pg_ctl) that the storm may restart;
- `processes.py`: the API and Celery workers as real subprocesses pointed at that cluster;
- `clients.py`: the concurrent HTTP clients, which retry with the same ids and record what was
  acknowledged;
- `faults.py`: what goes wrong while they run (terminated backends, killed processes, a restart).
"""
