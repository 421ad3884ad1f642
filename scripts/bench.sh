#!/usr/bin/env bash
# Runs Loquat's benchmarks (release builds) and prints their numbers.
#
#   ./scripts/bench.sh                  # all of them
#   ./scripts/bench.sh chat-load        # streaming load (server CPU against the floor, latency, idle memory)
#   ./scripts/bench.sh chat-load-paced  # 1,000 sessions streaming 50 tokens/s each, against the floor
#   ./scripts/bench.sh chat-load-cluster  # PostgreSQL, then 3 nodes + NATS behind nginx (scripts/services.sh)
#   ./scripts/bench.sh persistence      # the SQLite data layer alone
#   ./scripts/bench.sh open-thread      # a browser opening a 1,000-message thread
#   ./scripts/bench.sh bundle           # first-load transfer as served (brotli, gzip)
#   ./scripts/bench.sh first-load       # what Chromium downloads on a first load and a reload
#   ./scripts/bench.sh dataframe        # 10,000-row dataframe: first page, paging, sorting
#   ./scripts/bench.sh copilot          # the copilot widget: host page's first load, mount to ready
#   ./scripts/bench.sh audio            # a microphone chunk's round trip through on_audio_chunk
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

# The release binary with its embedded bundle, as serve.sh serves it.
release_site() {
  log "cargo build --release -p loquat --bin loquat"
  cargo build --release -p loquat --bin loquat
}

bench_chat_load() {
  log "chat_load: zero-delay, persistence on, then off, each against the reference server"
  cargo bench -p loquat --bench chat_load -- --reference
  cargo bench -p loquat --bench chat_load -- --no-persistence --idle 0 --reference
}

bench_chat_load_paced() {
  log "chat_load: 1,000 sessions at a model's pace (20 ms a token), against the reference server"
  cargo bench -p loquat --bench chat_load -- --clients 1000 --pace-ms 20 --messages 5 --tokens 200 --idle 0 --reference
}

# One node on PostgreSQL, then three sharing it and NATS behind nginx:
# scripts/services.sh starts the three services and stops them after.
bench_chat_load_cluster() {
  log "chat_load: PostgreSQL, one node then three behind nginx"
  # shellcheck disable=SC2016 # expanded by the inner shell, under services.sh
  "$LOQUAT_ROOT/scripts/services.sh" sh -c '
    cargo bench -p loquat --bench chat_load -- --postgres "$LOQUAT_TEST_POSTGRES_URL" --idle 0 --reference &&
    cargo bench -p loquat --bench chat_load -- --nodes 3 --postgres "$LOQUAT_TEST_POSTGRES_URL" \
      --nats "$LOQUAT_TEST_NATS_URL" --clients 300 --idle 0'
}

bench_audio() {
  log "audio chunk round trip"
  cargo bench -p loquat --bench audio_round_trip
}

bench_persistence() {
  log "persistence (data layer)"
  cargo bench -p loquat --bench persistence
}

# browser_bench <name>: end2end/bench/<name>.bench.ts against the release
# binary and the bundle embedded in it.
browser_bench() {
  release_site
  log "$1 (browser)"
  (
    cd "$LOQUAT_ROOT/end2end"
    unset LEPTOS_SITE_ROOT
    LOQUAT_BIN="$TARGET_DIR/release/loquat" \
      npx --no-install playwright test -c playwright.bench.config.ts "$1"
  )
}

# What a browser downloads to start, as the server sends it: the release
# server runs on a free port, its page names the bundle's files, and each is
# fetched as Chromium asks for it (br) and as a gzip-only client does.
bench_bundle() {
  release_site
  log "first-load transfer, as served"
  local data port pid html url br gz raw total_br=0 total_gz=0 total_raw=0
  data="$(mktemp -d)"
  port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  (unset LEPTOS_SITE_ROOT; exec "$TARGET_DIR/release/loquat" run --port "$port" --data-dir "$data") >"$data/log" 2>&1 &
  pid=$!
  # shellcheck disable=SC2064
  trap "kill $pid 2>/dev/null; rm -rf '$data'" RETURN
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1 # poll interval against the 10 s deadline of this loop
  done
  html="$(curl -sf "http://127.0.0.1:$port/")" || die "the server did not answer (log: $data/log)"
  for url in $(grep -oE '/pkg/[^"]+' <<<"$html" | sort -u); do
    br=$(curl -s -H 'accept-encoding: gzip, deflate, br, zstd' -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port$url")
    gz=$(curl -s -H 'accept-encoding: gzip' -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port$url")
    raw=$(curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port$url")
    total_br=$((total_br + br)) total_gz=$((total_gz + gz)) total_raw=$((total_raw + raw))
    printf '  %-44s %9d raw %8d gzip %8d br\n' "${url%%\?*}" "$raw" "$gz" "$br"
  done
  printf '  %-44s %9d raw %8d gzip %8d br (%d KB as Chromium gets it)\n' total "$total_raw" "$total_gz" "$total_br" $((total_br / 1000))
}

what=("$@")
[[ ${#what[@]} -gt 0 ]] || what=(chat-load chat-load-paced persistence audio open-thread dataframe bundle first-load copilot)
for w in "${what[@]}"; do
  case "$w" in
    chat-load) bench_chat_load ;;
    chat-load-paced) bench_chat_load_paced ;;
    chat-load-cluster) bench_chat_load_cluster ;;
    persistence) bench_persistence ;;
    audio) bench_audio ;;
    open-thread | dataframe | first-load | copilot) browser_bench "$w" ;;
    bundle) bench_bundle ;;
    *) die "unknown benchmark: $w (chat-load, chat-load-paced, chat-load-cluster, persistence, audio, open-thread, dataframe, bundle, first-load, copilot)" ;;
  esac
done
