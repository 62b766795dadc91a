#!/usr/bin/env bash
# Build the Rust kernel (rust/razao_kernel) offline from Debian's crates and install it twice: into the
# project's virtualenv (the app) and where PostgreSQL's embedded Python finds it (PL/Python, db mode).
# Idempotent: skipped when the installed kernel was built from the same sources. Without cargo the
# project runs on the pure-Python reference, and this says so.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[kernel] %s\n' "$*" >&2; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
CRATE=rust/razao_kernel
# The server's Python (Debian's python3, which PL/Python embeds) reads this directory.
SERVER_SITE="${RAZAO_KERNEL_SERVER_SITE:-/usr/local/lib/python3.11/dist-packages}"

# rustup installs cargo into ~/.cargo/bin, which a non-login shell may not have on its PATH.
if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null; then
  log "no cargo on this machine: the app and PL/Python use the pure-Python reference"
  exit 0
fi
if ! dpkg -s librust-pyo3-dev >/dev/null 2>&1; then
  log "installing Debian's PyO3 crates (librust-pyo3-dev)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq librust-pyo3-dev >/dev/null
fi

sources=$(cat .cargo/config.toml "$CRATE/Cargo.toml" "$CRATE/Cargo.lock" "$CRATE/pyproject.toml" "$CRATE"/src/*.rs \
  | sha256sum | cut -c1-16)
stamp="$SERVER_SITE/razao_kernel-$sources.built"
if [ -f "$stamp" ] && [ -f ".venv/.kernel-$sources" ]; then
  exit 0
fi

log "building razao_kernel ($sources)"
wheels=var/kernel-wheels
rm -rf "$wheels"
(cd "$CRATE" && ../../.venv/bin/maturin build --release --quiet -i ../../.venv/bin/python --out "../../$wheels") >&2
wheel=$(ls "$wheels"/razao_kernel-*.whl)
.venv/bin/python -m pip install -q --force-reinstall --no-deps "$wheel"
rm -f .venv/.kernel-*
touch ".venv/.kernel-$sources"

log "installing razao_kernel for PostgreSQL's Python in $SERVER_SITE"
$SUDO mkdir -p "$SERVER_SITE"
$SUDO rm -rf "$SERVER_SITE"/razao_kernel "$SERVER_SITE"/razao_kernel-*
$SUDO .venv/bin/python -m pip install -q --no-deps --target "$SERVER_SITE" "$wheel"
$SUDO touch "$stamp"
log "razao_kernel $(.venv/bin/python -c 'import razao_kernel; print(razao_kernel.__version__)') installed"
