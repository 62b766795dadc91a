#!/usr/bin/env bash
# Everything CI checks: machine set-up, static checks, then the whole test suite against the real services.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/lint.sh
exec .venv/bin/pytest -n 2 "$@"
