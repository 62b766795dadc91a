#!/usr/bin/env bash
# What the throughput benchmarks (bench/sql.py, bench/http.py) need besides scripts/setup.sh:
# pgbench (Debian's postgresql-client) and wrk (Debian's wrk, a C HTTP load generator run with Lua scripts).
# Idempotent: each package is installed only when its command is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[bench-setup] %s\n' "$*" >&2; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
command -v pgbench >/dev/null || [ -x /usr/lib/postgresql/15/bin/pgbench ] || missing+=(postgresql-client)
command -v wrk >/dev/null || missing+=(wrk)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
log "ready: $(pgbench --version 2>/dev/null || /usr/lib/postgresql/15/bin/pgbench --version), $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
