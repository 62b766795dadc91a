#!/usr/bin/env bash
# The Python client (clients/python): regenerate its generated half, razao_api, from the API's OpenAPI
# document with openapi-python-client, pinned in clients/python/generator-requirements.txt.
#
#   ./scripts/client.sh          # rewrite clients/python/razao_api (after changing the API)
#   ./scripts/client.sh --check  # exit 1 when it is stale against the API (tests/client runs this)
#
# The generator lives in a virtualenv of its own, .venv/client-generator (it pins typer and httpx to
# versions other than the project's), installed here on first use and again when the pins change.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[client] %s\n' "$*" >&2; }

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || { log "no .venv: run ./scripts/setup.sh first"; exit 1; }
generator=.venv/client-generator
stamp="$generator/.installed-$(sha256sum clients/python/generator-requirements.txt | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  log "installing the client generator into $generator"
  rm -rf "$generator"
  "$PYTHON" -m venv "$generator"
  "$generator/bin/python" -m pip install -q -r clients/python/generator-requirements.txt
  touch "$stamp"
fi

args=()
[ "${1:-}" = "--check" ] && args=(--check)
exec .venv/bin/python clients/python/regenerate.py "${args[@]}"
