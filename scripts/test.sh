#!/usr/bin/env bash
# Runs every check Loquat has and exits non-zero if any fails:
#
#   bootstrap             scripts/bootstrap.sh (tools, node packages)
#   fmt                   cargo fmt --all --check
#   clippy ssr/hydrate    cargo clippy, warnings denied, server and browser builds
#   cargo test            loquat-app (ssr) and loquat: unit, integration,
#                         doc tests; compiles the examples and the benchmark
#   leptos build          cargo leptos build (debug: server + wasm + site)
#   e2e typecheck         tsc --noEmit in end2end/
#   e2e                   Playwright browser tests in end2end/
#   release build/e2e     cargo leptos build --release, then the page and chat
#                         browser tests against it (what serve.sh serves)
#
# A failing step does not stop the independent ones after it; steps that need
# it are skipped. Extra arguments go to `playwright test` (e.g. a file name
# or `--grep reload`).
#
# Environment: CARGO_TARGET_DIR (default: cargo's own, ./target),
# LOQUAT_SKIP_BOOTSTRAP=1, LOQUAT_FAIL_FAST=1 (stop at the first failure).
# Steps are functions run through run_step (shellcheck cannot see the calls).
# shellcheck disable=SC2317
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$LOQUAT_ROOT"

START=$SECONDS
SUMMARY=()
FAILED=0

# run_step <name> <command...>: runs it, records PASS/FAIL and its time.
run_step() {
  local name=$1 t0=$SECONDS rc=0
  shift
  printf '\n' >&2
  log "[$name] $*"
  "$@" || rc=$?
  local took
  took="$(fmt_duration $((SECONDS - t0)))"
  if ((rc == 0)); then
    SUMMARY+=("$(printf '  PASS  %-16s %8s' "$name" "$took")")
    log "[$name] passed ($took)"
  else
    SUMMARY+=("$(printf '  FAIL  %-16s %8s  (exit %d)' "$name" "$took" "$rc")")
    FAILED=1
    log "[$name] FAILED with exit $rc ($took)"
    if [[ "${LOQUAT_FAIL_FAST:-0}" == 1 ]]; then
      finish
    fi
  fi
  return "$rc"
}

skip_step() {
  SUMMARY+=("$(printf '  SKIP  %-16s %8s  (%s)' "$1" "-" "$2")")
  FAILED=1
  log "[$1] skipped: $2"
}

finish() {
  printf '\n' >&2
  log "Summary (total $(fmt_duration $((SECONDS - START)))):"
  printf '%s\n' "${SUMMARY[@]}" >&2
  if ((FAILED)); then
    printf '\n%sFAILED%s\n' "$C_RED" "$C_OFF" >&2
    exit 1
  fi
  printf '\n%sALL PASSED%s\n' "$C_GREEN" "$C_OFF" >&2
  exit 0
}

e2e() {
  local bin="$TARGET_DIR/debug/loquat"
  [[ -x "$bin" ]] || {
    printf 'no server binary at %s\n' "$bin" >&2
    return 1
  }
  (
    cd "$LOQUAT_ROOT/end2end"
    LOQUAT_BIN="$bin" LEPTOS_SITE_ROOT="$SITE_ROOT" npx --no-install playwright test "$@"
  )
}

e2e_typecheck() {
  (cd "$LOQUAT_ROOT/end2end" && npx --no-install tsc --noEmit)
}

if [[ "${LOQUAT_SKIP_BOOTSTRAP:-0}" != 1 ]]; then
  run_step bootstrap bash "$LOQUAT_ROOT/scripts/bootstrap.sh" || finish
fi

resolve_paths
log "target dir: $TARGET_DIR"
log "site root:  $SITE_ROOT"

run_step fmt cargo fmt --all --check || true
# One cargo invocation for both crates: their dependencies then resolve to the
# same features as the server build below, so nothing is compiled twice.
run_step "clippy ssr" cargo clippy -p loquat-app -p loquat --features loquat-app/ssr --all-targets -- -D warnings || true
run_step "clippy hydrate" cargo clippy -p loquat-frontend --target wasm32-unknown-unknown -- -D warnings || true
run_step "cargo test" cargo test -p loquat-app -p loquat --features loquat-app/ssr || true
run_step "e2e typecheck" e2e_typecheck || true
if run_step "leptos build" cargo leptos build; then
  run_step e2e e2e "$@" || true
else
  skip_step e2e "leptos build failed"
fi

# What serve.sh ships is the release build: check that it hydrates and chats
# too (release and debug builds can differ, e.g. in compiler flags).
release_e2e() {
  (
    cd "$LOQUAT_ROOT/end2end"
    LOQUAT_BIN="$TARGET_DIR/release/loquat" LEPTOS_SITE_ROOT="$SITE_ROOT" \
      npx --no-install playwright test page.spec.ts chat.spec.ts
  )
}
if PATH="$LOQUAT_ROOT/end2end/node_modules/.bin:$PATH" run_step "release build" cargo leptos build --release; then
  run_step "release e2e" release_e2e || true
else
  skip_step "release e2e" "release build failed"
fi

finish
