#!/usr/bin/env bash
# Runs every check Loquat has and exits non-zero if any fails:
#
#   bootstrap             scripts/bootstrap.sh (tools, node packages)
#   fmt                   cargo fmt --all --check
#   clippy ssr/hydrate    cargo clippy, warnings denied, server and browser builds
#   cargo test            loquat-app (ssr) and loquat: unit, integration,
#                         doc tests; compiles the examples and the benchmark;
#                         the data-layer suites run on SQLite and on a
#                         throwaway PostgreSQL, the S3 storage suite on a
#                         throwaway S3 server, the cluster suite on
#                         PostgreSQL and a throwaway NATS with JetStream
#                         (scripts/services.sh starts them before, and they
#                         stay up for the browser cluster tests, which run
#                         nginx in front of their nodes; stopped on exit)
#   e2e typecheck         tsc --noEmit in end2end/
#   build                 cargo build of the default app and the examples, as
#                         a developer builds them (browser bundle embedded)
#   e2e                   every Playwright browser test against that build,
#                         plus each example and an app made by `loquat new`
#                         (built with plain cargo outside the workspace)
#   release build/e2e     cargo build --release (what serve.sh serves), then
#                         the browser suite against it
#   leptos release/debug  cargo leptos build [--release] (the site directory
#                         flow of `cargo leptos watch`), then the page and chat
#                         browser tests against each
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

# playwright <server binary> <site dir or ""> <args...>: the browser tests
# against that server (serving the site dir when given, else the bundle
# embedded in the binary).
playwright() {
  local bin=$1 site=$2
  shift 2
  [[ -x "$bin" ]] || {
    printf 'no server binary at %s\n' "$bin" >&2
    return 1
  }
  (
    cd "$LOQUAT_ROOT/end2end"
    if [[ -n "$site" ]]; then export LEPTOS_SITE_ROOT="$site"; else unset LEPTOS_SITE_ROOT; fi
    LOQUAT_BIN="$bin" npx --no-install playwright test "$@"
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
# shellcheck source=scripts/services.sh
source "$LOQUAT_ROOT/scripts/services.sh"
trap stop_services EXIT
if run_step services start_services; then
  run_step "cargo test" cargo test -p loquat-app -p loquat --features loquat-app/ssr || true
else
  skip_step "cargo test" "the test services did not start"
fi
# The services stay up for the browser tests (the cluster spec uses them);
# the trap stops them at the end.
run_step "e2e typecheck" e2e_typecheck || true
# `cargo run -p loquat [--example NAME]` builds exactly these.
if run_step build cargo build -p loquat --bins --examples; then
  run_step e2e playwright "$TARGET_DIR/debug/loquat" "" "$@" || true
else
  skip_step e2e "build failed"
fi

# What serve.sh ships: the suite again against the release build (release
# and debug builds can differ, e.g. in compiler flags). The examples and the
# generated app are debug builds of their own, tested above.
if run_step "release build" cargo build --release -p loquat --bin loquat; then
  run_step "release e2e" playwright "$TARGET_DIR/release/loquat" "" --grep-invert @apps "$@" || true
else
  skip_step "release e2e" "release build failed"
fi

# cargo-leptos builds the server without the embedded bundle and serves the
# site directory it built: release with typed views, like plain cargo; debug
# with erased views on both sides, as `cargo leptos watch` does. The debug
# build's `--cfg erase_components` would recompile every dependency of the
# builds above, so it gets a target dir of its own. Both write target/site:
# one after the other.
export PATH="$LOQUAT_ROOT/end2end/node_modules/.bin:$PATH"
leptos_build() {
  local target=$1
  shift
  CARGO_TARGET_DIR="$target" cargo leptos build "$@"
}
if run_step "leptos release" leptos_build "$TARGET_DIR" --release; then
  run_step "leptos release e2e" playwright "$TARGET_DIR/release/loquat" "$SITE_ROOT" page.spec.ts chat.spec.ts || true
else
  skip_step "leptos release e2e" "cargo leptos build --release failed"
fi
LEPTOS_DEBUG_TARGET="$TARGET_DIR/leptos-debug"
# A server and a site built differently (typed and erased views): the
# bundle must say so instead of failing inside hydration.
mismatch_e2e() {
  LOQUAT_E2E_EXPECT_MISMATCH=1 playwright "$TARGET_DIR/debug/loquat" "$SITE_ROOT" build-mismatch.spec.ts
}
if run_step "leptos debug" leptos_build "$LEPTOS_DEBUG_TARGET"; then
  run_step "leptos debug e2e" playwright "$LEPTOS_DEBUG_TARGET/debug/loquat" "$SITE_ROOT" page.spec.ts chat.spec.ts || true
  run_step "mismatch e2e" mismatch_e2e || true
else
  skip_step "leptos debug e2e" "cargo leptos build failed"
fi

finish
