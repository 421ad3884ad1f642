#!/usr/bin/env bash
# Installs everything Loquat needs to build, serve and test, and nothing that
# is already there at the right version (safe to run again and again):
#
#   - the wasm32-unknown-unknown Rust target and rustfmt   (rustup)
#   - cargo-leptos 0.3.4, built with `no_downloads`       (cargo install)
#   - wasm-bindgen-cli, same version as the wasm-bindgen  (cargo install)
#     crate in Cargo.lock
#   - Chromium for the browser tests                       (apt-get)
#   - PostgreSQL for the data-layer tests                  (apt-get)
#   - moto's S3 server (moto_server) for the S3 storage    (pip)
#     tests, started by scripts/services/s3.sh
#   - end2end/node_modules: Playwright (runner only, no   (npm ci)
#     browser download), TypeScript, binaryen's wasm-opt
#     that release builds need, and plotly.js (copied to
#     public/plotly/, loaded only when a plot is shown)
#
# Needs: rustup + cargo (stable), Node.js >= 20 with npm, Python 3 with pip,
# and apt-get (as root or with sudo) when Chromium is missing.
#
# CARGO_TARGET_DIR: the project's builds honour it (see serve.sh/test.sh);
# `cargo install` here deliberately ignores it so tool builds never land in
# (or get reused from) the project's shared target dir.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CARGO_LEPTOS_VERSION="0.3.4"
MOTO_VERSION="5.2.5"
WASM_TARGET="wasm32-unknown-unknown"
NODE_MIN_MAJOR=20

START=$SECONDS
STEP_START=$SECONDS

step() {
  STEP_START=$SECONDS
  log "$*"
}
step_done() {
  printf '    %s (%s)\n' "$1" "$(fmt_duration $((SECONDS - STEP_START)))" >&2
}

# The wasm-bindgen version pinned in Cargo.lock (the CLI must match it exactly).
locked_wasm_bindgen_version() {
  awk '
    /^\[\[package\]\]/ { name = "" }
    /^name = "wasm-bindgen"$/ { name = "wasm-bindgen"; next }
    name == "wasm-bindgen" && /^version = / { gsub(/version = |"/, ""); print; exit }
  ' "$LOQUAT_ROOT/Cargo.lock"
}

# --- Rust --------------------------------------------------------------------
step "Rust toolchain"
command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust (stable) with rustup first"
command -v rustup >/dev/null 2>&1 || die "rustup not found: install Rust (stable) with rustup first"
printf '    %s\n' "$(rustc --version)" >&2
if rustup target list --installed | grep -qx "$WASM_TARGET"; then
  step_done "target $WASM_TARGET already installed"
else
  rustup target add "$WASM_TARGET"
  step_done "installed target $WASM_TARGET"
fi
if ! cargo fmt --version >/dev/null 2>&1; then
  step "rustfmt"
  rustup component add rustfmt
  step_done "installed rustfmt"
fi

# --- cargo-leptos --------------------------------------------------------------
step "cargo-leptos $CARGO_LEPTOS_VERSION"
have_leptos="$(cargo leptos --version 2>/dev/null | awk '{print $NF}' || true)"
if [[ "$have_leptos" == "$CARGO_LEPTOS_VERSION" ]]; then
  step_done "already installed"
else
  [[ -n "$have_leptos" ]] && printf '    replacing cargo-leptos %s\n' "$have_leptos" >&2
  printf '    building from crates.io; this takes ~20 minutes on 2 cores\n' >&2
  # --locked: newer releases of its dependencies need a newer rustc.
  # no_downloads: fail fast instead of fetching tools from GitHub.
  env -u CARGO_TARGET_DIR cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" \
    --locked --features no_downloads --force
  step_done "installed cargo-leptos $CARGO_LEPTOS_VERSION"
fi

# --- wasm-bindgen-cli ----------------------------------------------------------
WASM_BINDGEN_VERSION="$(locked_wasm_bindgen_version)"
[[ -n "$WASM_BINDGEN_VERSION" ]] || die "wasm-bindgen not found in Cargo.lock"
step "wasm-bindgen-cli $WASM_BINDGEN_VERSION (matches Cargo.lock)"
have_bindgen="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [[ "$have_bindgen" == "$WASM_BINDGEN_VERSION" ]]; then
  step_done "already installed"
else
  [[ -n "$have_bindgen" ]] && printf '    replacing wasm-bindgen %s\n' "$have_bindgen" >&2
  printf '    building from crates.io; this takes ~4 minutes on 2 cores\n' >&2
  # Not --locked: its lock file names a crate version the registry lacks.
  env -u CARGO_TARGET_DIR cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  step_done "installed wasm-bindgen-cli $WASM_BINDGEN_VERSION"
fi

# --- Chromium --------------------------------------------------------------------
step "Chromium (browser tests)"
if command -v chromium >/dev/null 2>&1; then
  step_done "already installed: $(command -v chromium)"
else
  apt_install chromium
  step_done "installed $(command -v chromium || echo chromium)"
fi

# --- PostgreSQL ----------------------------------------------------------------
# The data-layer suites run against a throwaway cluster too (scripts/services.sh).
step "PostgreSQL (integration tests)"
# shellcheck source=scripts/services/postgres.sh
source "$LOQUAT_ROOT/scripts/services/postgres.sh"
if [[ -n "$(postgres_bin_dir)" ]]; then
  step_done "already installed: $(postgres_bin_dir)"
else
  install_postgres
  step_done "installed $(postgres_bin_dir)"
fi

# --- moto (S3-protocol server for the tests) --------------------------------------
step "moto $MOTO_VERSION (S3 server for the storage tests)"
have_moto="$(python3 -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null || true)"
if [[ "$have_moto" == "$MOTO_VERSION" ]] && command -v moto_server >/dev/null 2>&1; then
  step_done "already installed"
else
  command -v python3 >/dev/null 2>&1 || die "python3 not found: install Python 3 with pip"
  [[ -n "$have_moto" ]] && printf '    replacing moto %s\n' "$have_moto" >&2
  python3 -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  # pyenv finds a new script's command only after a rehash.
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
  command -v moto_server >/dev/null 2>&1 || die "moto_server is not on PATH after pip install"
  step_done "installed moto $MOTO_VERSION"
fi

# --- Node packages (end2end) -----------------------------------------------------
step "Node packages in end2end/ (Playwright, TypeScript, wasm-opt, plotly.js)"
command -v node >/dev/null 2>&1 || die "node not found: install Node.js >= $NODE_MIN_MAJOR with npm"
command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js >= $NODE_MIN_MAJOR with npm"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
((node_major >= NODE_MIN_MAJOR)) || die "Node.js $(node --version) is too old; Playwright needs >= $NODE_MIN_MAJOR"
E2E_DIR="$LOQUAT_ROOT/end2end"
STAMP="$E2E_DIR/node_modules/.loquat-package-lock.sha256"
lock_sum="$(sha256sum "$E2E_DIR/package-lock.json" | awk '{print $1}')"
if [[ -d "$E2E_DIR/node_modules" && -f "$STAMP" && "$(cat "$STAMP")" == "$lock_sum" ]]; then
  step_done "up to date with package-lock.json"
else
  (cd "$E2E_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  printf '%s\n' "$lock_sum" >"$STAMP"
  step_done "npm ci done"
fi
"$E2E_DIR/node_modules/.bin/wasm-opt" --version >/dev/null ||
  die "end2end/node_modules/.bin/wasm-opt does not run"

# --- plotly.js -------------------------------------------------------------------
# Served from the site (public/ is copied into it by cargo-leptos) and loaded
# by the browser only when a Plotly element is shown.
step "plotly.js for Plotly elements (public/plotly/)"
PLOTLY_FROM="$E2E_DIR/node_modules/plotly.js-dist-min/plotly.min.js"
PLOTLY_TO="$LOQUAT_ROOT/public/plotly/plotly.min.js"
[[ -f "$PLOTLY_FROM" ]] || die "plotly.js-dist-min is missing from end2end/node_modules"
if cmp -s "$PLOTLY_FROM" "$PLOTLY_TO"; then
  step_done "up to date"
else
  mkdir -p "$(dirname "$PLOTLY_TO")"
  cp "$PLOTLY_FROM" "$PLOTLY_TO"
  step_done "copied"
fi

log "bootstrap finished in $(fmt_duration $((SECONDS - START)))"
