#!/usr/bin/env bash
# Builds Loquat (release) and serves the default app on http://127.0.0.1:3000.
#
#   ./scripts/serve.sh                    # bootstrap, build, serve
#   ./scripts/serve.sh --port 8080        # extra args go to `loquat run`
#   LOQUAT_SKIP_BOOTSTRAP=1 ./scripts/serve.sh
#
# --host/--port/--data-dir given here replace the defaults below
# (127.0.0.1, 3000, .loquat). Data lives in .loquat/ under the repo root.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$LOQUAT_ROOT"

START=$SECONDS
if [[ "${LOQUAT_SKIP_BOOTSTRAP:-0}" != 1 ]]; then
  bash "$LOQUAT_ROOT/scripts/bootstrap.sh"
fi

resolve_paths
log "target dir: $TARGET_DIR"

# A plain cargo build, like any app's: the browser bundle is built by the
# loquat crate's build script and embedded in the binary (see docs/own-app.md).
log "cargo build --release -p loquat --bin loquat"
build_start=$SECONDS
cargo build --release -p loquat --bin loquat
log "built in $(fmt_duration $((SECONDS - build_start))) (total $(fmt_duration $((SECONDS - START))))"

BIN="$TARGET_DIR/release/loquat"
[[ -x "$BIN" ]] || die "built binary not found at $BIN"

args=()
has_arg() {
  local want=$1 a
  shift
  for a in "$@"; do
    [[ "$a" == "$want" || "$a" == "$want="* ]] && return 0
  done
  return 1
}
has_arg --host "$@" || args+=(--host 127.0.0.1)
has_arg --port "$@" || args+=(--port 3000)
has_arg --data-dir "$@" || args+=(--data-dir .loquat)

# Script knobs are not server settings (the server warns about unknown LOQUAT_*).
unset LOQUAT_SKIP_BOOTSTRAP LOQUAT_FAIL_FAST

export LEPTOS_ENV="${LEPTOS_ENV:-PROD}"

log "serving: $BIN run ${args[*]} $*"
exec "$BIN" run "${args[@]}" "$@"
