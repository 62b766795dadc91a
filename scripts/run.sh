#!/usr/bin/env bash
# Start Razão locally: set up the machine, create and migrate the database, then run the services of the
# Procfile (API, Celery worker and beat, Flower; see docs/operations.md) in the foreground. Ctrl-C stops
# them all.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

export RAZAO_LOG_FORMAT="${RAZAO_LOG_FORMAT:-console}"
# Webhook secrets are encrypted at rest under RAZAO_WEBHOOK_SECRET_KEY; on a developer's machine without
# one, a key generated once into var/ (kept outside git). Production sets its own key (docs/security.md).
export RAZAO_WEBHOOK_DEV_KEY_FILE="${RAZAO_WEBHOOK_DEV_KEY_FILE:-var/webhook-secret-key}"
.venv/bin/razao db setup

# A local admin key for trying the API, created once and kept outside git.
mkdir -p var
if [ ! -s var/dev-api-key ]; then
  .venv/bin/razao api-key create --name local-dev --scope admin \
    | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["token"])' > var/dev-api-key
fi
echo "[run] API on http://${RAZAO_API_HOST:-127.0.0.1}:${RAZAO_API_PORT:-8000} (docs at /docs);" \
     "local admin key in var/dev-api-key;" \
     "Flower on http://${RAZAO_FLOWER_HOST:-127.0.0.1}:${RAZAO_FLOWER_PORT:-5555}/flower" \
     "(basic auth RAZAO_FLOWER_USER / RAZAO_FLOWER_PASSWORD, local defaults razao / local-only)" >&2
exec .venv/bin/honcho start -f Procfile
