# shellcheck shell=bash
# A throwaway NATS server with JetStream for the cluster tests: sourced by
# scripts/services.sh.
#
#   start_nats   installs Debian's nats-server when missing, starts it with
#                JetStream on a free loopback port (its store and log in a
#                temp dir), waits (with a deadline) until its monitor says
#                JetStream is up, and exports LOQUAT_TEST_NATS_URL
#   stop_nats    stops it and removes the temp dir (safe to call twice)
#
# A developer who runs NATS (with JetStream) already sets
# LOQUAT_TEST_NATS_URL; then nothing is started. The tests' streams and
# buckets are the app's own names: point them at a NATS of their own.

LOQUAT_NATS_DIR=""
LOQUAT_NATS_PID=""
# Seconds the server may take to be ready (it starts in well under one).
LOQUAT_NATS_START_DEADLINE=30

install_nats() {
  command -v nats-server >/dev/null 2>&1 && return 0
  log "installing NATS (Debian's nats-server)"
  apt_install nats-server
}

# Waits until JetStream answers on monitor port $1; fails when the server
# exits or the deadline passes.
nats_wait_ready() {
  local monitor=$1 deadline=$((SECONDS + LOQUAT_NATS_START_DEADLINE))
  until curl -fsS -o /dev/null --max-time 2 \
    "http://127.0.0.1:$monitor/healthz?js-enabled-only=true" 2>/dev/null; do
    kill -0 "$LOQUAT_NATS_PID" 2>/dev/null || return 1
    if ((SECONDS >= deadline)); then
      warn "NATS did not get ready within ${LOQUAT_NATS_START_DEADLINE}s"
      return 1
    fi
    sleep 0.1
  done
}

start_nats() {
  if [[ -n "${LOQUAT_TEST_NATS_URL:-}" ]]; then
    log "NATS: using LOQUAT_TEST_NATS_URL"
    return 0
  fi
  install_nats || return 1
  LOQUAT_NATS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/loquat-nats.XXXXXX")" || return 1
  local attempt port monitor
  # Another process may take a free port before the server binds it.
  for attempt in 1 2 3; do
    port="$(free_port)"
    monitor="$(free_port)"
    nats-server -a 127.0.0.1 -p "$port" -m "$monitor" -js -sd "$LOQUAT_NATS_DIR/store" \
      >"$LOQUAT_NATS_DIR/server.log" 2>&1 &
    LOQUAT_NATS_PID=$!
    nats_wait_ready "$monitor" && break
    kill "$LOQUAT_NATS_PID" 2>/dev/null
    wait "$LOQUAT_NATS_PID" 2>/dev/null
    LOQUAT_NATS_PID=""
    warn "NATS did not start (attempt $attempt); its log:"
    cat "$LOQUAT_NATS_DIR/server.log" >&2
  done
  [[ -n "$LOQUAT_NATS_PID" ]] || return 1
  export LOQUAT_TEST_NATS_URL="nats://127.0.0.1:$port"
  log "NATS $(nats-server --version 2>/dev/null | awk '{print $NF}') with JetStream on 127.0.0.1:$port ($LOQUAT_NATS_DIR)"
}

# Safe under `set -e` (it runs in test.sh's EXIT trap): nats-server exits
# non-zero on SIGTERM, and that is not a failure of the tests.
stop_nats() {
  if [[ -n "$LOQUAT_NATS_PID" ]]; then
    kill "$LOQUAT_NATS_PID" 2>/dev/null || true
    wait "$LOQUAT_NATS_PID" 2>/dev/null || true
    LOQUAT_NATS_PID=""
  fi
  if [[ -n "$LOQUAT_NATS_DIR" ]]; then
    rm -rf "$LOQUAT_NATS_DIR"
    LOQUAT_NATS_DIR=""
  fi
  unset LOQUAT_TEST_NATS_URL
  return 0
}
