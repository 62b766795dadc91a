#!/usr/bin/env bash
# Everything CI checks: machine set-up, static checks, the docs, then the whole test suite against the real
# services.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/lint.sh
./scripts/docs.sh --check   # generated docs current, both sites build strictly, catalog valid (~15 s)
.venv/bin/pytest -n 2 "$@"
# Once more without the Rust kernel, on both sides (domain.kernel: the Python reference): the unit and
# feature specs, the differential tests, the in-database mode, interest and verification in both modes.
if [ "$#" -eq 0 ]; then
  echo "[test] again with RAZAO_KERNEL=reference" >&2
  RAZAO_KERNEL=reference .venv/bin/pytest -n 2 -q tests/unit tests/features \
    tests/integration/test_differential.py tests/integration/test_grouping_differential.py \
    tests/integration/test_in_database.py tests/integration/test_interest.py tests/integration/test_verification.py
fi
