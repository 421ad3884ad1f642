#!/usr/bin/env bash
# Runs Loquat's benchmarks (release builds) and prints their numbers.
#
#   ./scripts/bench.sh                  # all of them
#   ./scripts/bench.sh chat-load        # streaming load (server CPU, latency, idle memory)
#   ./scripts/bench.sh persistence      # the SQLite data layer alone
#   ./scripts/bench.sh open-thread      # a browser opening a 1,000-message thread
#   ./scripts/bench.sh bundle           # first-load transfer size (gzip -9)
#   ./scripts/bench.sh dataframe        # 10,000-row dataframe: first page, paging, sorting
#
# Set LOQUAT_SKIP_BOOTSTRAP=1 to skip the tool check.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$LOQUAT_ROOT"

if [[ "${LOQUAT_SKIP_BOOTSTRAP:-0}" != 1 ]]; then
  bash "$LOQUAT_ROOT/scripts/bootstrap.sh"
fi
resolve_paths
export PATH="$LOQUAT_ROOT/end2end/node_modules/.bin:$PATH"

release_site() {
  log "cargo leptos build --release"
  cargo leptos build --release
}

bench_chat_load() {
  log "chat_load: zero-delay, persistence on, then off"
  cargo bench -p loquat --bench chat_load
  cargo bench -p loquat --bench chat_load -- --no-persistence --idle 0
}

bench_persistence() {
  log "persistence (data layer)"
  cargo bench -p loquat --bench persistence
}

bench_open_thread() {
  release_site
  log "open-thread (browser)"
  (
    cd "$LOQUAT_ROOT/end2end"
    LOQUAT_BIN="$TARGET_DIR/release/loquat" LEPTOS_SITE_ROOT="$SITE_ROOT" \
      npx --no-install playwright test -c playwright.bench.config.ts open-thread
  )
}

bench_dataframe() {
  release_site
  log "dataframe (browser)"
  (
    cd "$LOQUAT_ROOT/end2end"
    LOQUAT_BIN="$TARGET_DIR/release/loquat" LEPTOS_SITE_ROOT="$SITE_ROOT" \
      npx --no-install playwright test -c playwright.bench.config.ts dataframe
  )
}

bench_bundle() {
  release_site
  log "first-load transfer, gzip -9 (what a browser downloads to start)"
  local total=0 file size
  for file in "$SITE_ROOT"/pkg/*.wasm "$SITE_ROOT"/pkg/*.js "$SITE_ROOT"/pkg/*.css; do
    [[ -f "$file" ]] || continue
    size=$(gzip -9 -c "$file" | wc -c)
    total=$((total + size))
    printf '  %-40s %8d bytes raw %8d bytes gzip\n' "$(basename "$file")" "$(wc -c <"$file")" "$size"
  done
  printf '  %-40s %8s           %8d bytes gzip (%d KB)\n' total "" "$total" $((total / 1000))
}

what=("$@")
[[ ${#what[@]} -gt 0 ]] || what=(chat-load persistence open-thread dataframe bundle)
for w in "${what[@]}"; do
  case "$w" in
    chat-load) bench_chat_load ;;
    persistence) bench_persistence ;;
    open-thread) bench_open_thread ;;
    dataframe) bench_dataframe ;;
    bundle) bench_bundle ;;
    *) die "unknown benchmark: $w (chat-load, persistence, open-thread, dataframe, bundle)" ;;
  esac
done
