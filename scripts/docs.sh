#!/usr/bin/env bash
# The documentation, end to end: regenerate the pages that come from the code (schema, migration history,
# PL/Python function catalog, error catalogue, OpenAPI document, benchmark tables and chart), build both
# sites strictly, and validate the Backstage catalog offline.
#
#   ./scripts/docs.sh          # regenerate in place, then build and validate (for writers)
#   ./scripts/docs.sh --check  # fail if a generated page is stale instead of rewriting it (CI)
#
# Sites: site/public (external, mkdocs.site.yml, GitHub Pages) and site/techdocs (Backstage, mkdocs.yml).
# Installs what it needs first: the project's `docs` extra in .venv, and the npm packages of package.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_MKDOCS_2_WARNING=1   # mkdocs-material's banner about MkDocs 2.0 (we pin mkdocs<2)
log() { printf '[docs] %s\n' "$*" >&2; }

mode="write"
[ "${1:-}" = "--check" ] && mode="check"

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=".venv/.docs-installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  log "installing the project with its dev and docs extras"
  .venv/bin/python -m pip install -q -e '.[dev,docs]'
  rm -f .venv/.docs-installed-*
  touch "$stamp"
fi
if [ ! -d node_modules/@backstage/catalog-model ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing the catalog validator (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "$mode" = "check" ]; then
  log "checking that the generated pages are current"
  .venv/bin/python -m razao.docs_gen --check
  ./scripts/diagrams.sh --check   # docs/diagrams/*.svg drawn from their current sources
else
  log "regenerating the pages that come from the code"
  .venv/bin/python -m razao.docs_gen --chart
  log "rendering the diagrams whose sources changed (docs/diagrams/*.dot)"
  ./scripts/diagrams.sh
  log "rerunning the quickstart against the API to refresh its answers (needs PostgreSQL)"
  RAZAO_DOCS_UPDATE=1 .venv/bin/pytest -q -p no:cacheprovider tests/docs/test_quickstart.py
fi

log "building the external site (mkdocs.site.yml -> site/public)"
.venv/bin/mkdocs build --strict --quiet -f mkdocs.site.yml
log "building TechDocs (mkdocs.yml -> site/techdocs)"
.venv/bin/mkdocs build --strict --quiet -f mkdocs.yml

log "validating catalog-info.yaml"
node scripts/validate-catalog.mjs catalog-info.yaml
log "done"
