#!/usr/bin/env bash
# Idempotent machine set-up: Debian's PL/Python for PostgreSQL 15, PgBouncer and pg_auto_failover, the
# cluster running, Redis running, the virtualenv.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# PL/Python for the in-database mode; PgBouncer and pg_auto_failover for the tests (and `make local-up`)
# that run Razão behind a pooler and on a formation with automatic failover (docs/pooling.md,
# docs/failover.md). Each is installed only when missing.
# Chromium for the console's browser tests (tests/browser: Playwright drives /usr/bin/chromium).
# Graphviz draws the documentation's diagrams (scripts/diagrams.sh: docs/diagrams/*.dot into SVG).
packages=(postgresql-plpython3-15 pgbouncer postgresql-15-auto-failover pg-auto-failover-cli chromium graphviz)
missing=()
for package in "${packages[@]}"; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The install may upgrade and restart the server package: make sure the cluster is up.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  log "starting PostgreSQL 15"
  $SUDO pg_ctlcluster --skip-systemctl-redirect 15 main start || true
fi
for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
pg_isready -h 127.0.0.1 -p 5432 >/dev/null || { log "PostgreSQL is not answering on 127.0.0.1:5432"; exit 1; }

# The Celery broker (Redis) for the worker, beat, Flower and the task tests.
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  if ! command -v redis-server >/dev/null; then
    log "installing redis-server"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
  fi
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 40); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.25; done
fi

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  log "creating the virtualenv and installing the project"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# The Python client (clients/python, docs/client.md) in the virtualenv, editable: tests/client runs it
# against the API (reinstalled when its pyproject changes).
client_stamp=".venv/.client-installed-$(sha256sum clients/python/pyproject.toml | cut -c1-16)"
if [ ! -f "$client_stamp" ]; then
  log "installing the Python client (clients/python)"
  .venv/bin/python -m pip install -q -e clients/python
  rm -f .venv/.client-installed-*
  touch "$client_stamp"
fi
# The Rust kernel, for the app and for PostgreSQL's Python (skipped when already built from these sources).
./scripts/kernel.sh
log "ready"
