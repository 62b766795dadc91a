#!/usr/bin/env bash
# Everything CI checks: machine set-up, static checks, the docs, then the whole test suite against the real
# services.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/lint.sh
./scripts/docs.sh --check   # generated docs current, both sites build strictly, catalog valid (~15 s)
exec .venv/bin/pytest -n 2 "$@"
