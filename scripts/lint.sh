#!/usr/bin/env bash
# Static checks: ruff (lint + format), mypy (strict on domain and application), import-linter (the hexagon).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check src tests bench migrations clients/python/razao_client
.venv/bin/ruff format --check src tests bench migrations clients/python/razao_client
.venv/bin/mypy
.venv/bin/lint-imports
