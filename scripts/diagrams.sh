#!/usr/bin/env bash
# The documentation's diagrams: docs/diagrams/NAME.dot (Graphviz sources) rendered into NAME.svg beside them.
#
#   ./scripts/diagrams.sh          # render each diagram whose source changed (needs Graphviz's `dot`)
#   ./scripts/diagrams.sh --check  # fail when an SVG is missing or older than its source (no `dot` needed)
#
# Each SVG records the SHA-256 of the source it was drawn from, in a comment on its second line; a source
# whose hash is not there is stale. Rendering only stale ones keeps the SVGs from churning with the
# Graphviz version. The sources give the picture a white background, so it reads on light and dark pages.
# Run by scripts/docs.sh (--check in CI); Graphviz comes from Debian (scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[diagrams] %s\n' "$*" >&2; }

mode="write"
[ "${1:-}" = "--check" ] && mode="check"
stale=()
shopt -s nullglob
for source in docs/diagrams/*.dot; do
  svg="${source%.dot}.svg"
  hash="$(sha256sum "$source" | cut -c1-64)"
  mark="<!-- source: $(basename "$source") sha256:$hash (scripts/diagrams.sh renders it; do not edit) -->"
  if [ -f "$svg" ] && grep -qF "sha256:$hash " "$svg"; then
    continue
  fi
  if [ "$mode" = "check" ]; then
    stale+=("$svg")
    continue
  fi
  command -v dot >/dev/null || { log "Graphviz's dot is missing: apt-get install graphviz"; exit 1; }
  rendered="$(dot -Tsvg "$source")"
  # the mark goes right after the XML declaration: the first line stays `<?xml ...?>`. Split in the shell,
  # not with `| head -n 1`: head closes the pipe early, and under pipefail the SIGPIPE (141) ends the script.
  first="${rendered%%$'\n'*}"
  if [ "$first" = "$rendered" ]; then
    printf '%s\n%s\n' "$first" "$mark" > "$svg.tmp"
  else
    printf '%s\n%s\n%s\n' "$first" "$mark" "${rendered#*$'\n'}" > "$svg.tmp"
  fi
  mv "$svg.tmp" "$svg"
  log "rendered $svg"
done
for svg in docs/diagrams/*.svg; do
  [ -f "${svg%.svg}.dot" ] || stale+=("$svg (no source)")
done
if [ "${#stale[@]}" -gt 0 ]; then
  log "stale: ${stale[*]}; run ./scripts/diagrams.sh"
  exit 1
fi
[ "$mode" = "check" ] && log "every diagram is current"
exit 0
