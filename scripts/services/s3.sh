# shellcheck shell=bash
# A throwaway S3-protocol server for the tests: sourced by scripts/services.sh.
#
#   start_s3   starts moto's server mode (`moto_server`, which
#              scripts/bootstrap.sh installs) on a free loopback port with
#              its log in a temp dir, waits (with a deadline) until it
#              answers, creates the test bucket and exports
#              LOQUAT_TEST_S3_ENDPOINT, LOQUAT_TEST_S3_BUCKET and the AWS_*
#              variables the S3 client reads (throwaway credentials: moto
#              checks none)
#   stop_s3    stops it and removes the temp dir (safe to call twice)
#
# A developer who runs an S3 server already sets LOQUAT_TEST_S3_ENDPOINT,
# LOQUAT_TEST_S3_BUCKET and the AWS_* credentials; then nothing is started.
# Each test keeps to a prefix of its own in the bucket. moto keeps the
# objects in its memory: a test run's worth, gone when it stops.

LOQUAT_S3_DIR=""
LOQUAT_S3_PID=""
LOQUAT_S3_BUCKET="loquat-test"
# Seconds the server may take to answer (it starts in about one).
LOQUAT_S3_START_DEADLINE=30

# Waits until the server at $1 answers; fails when it exits or the deadline passes.
s3_wait_ready() {
  local endpoint=$1 deadline=$((SECONDS + LOQUAT_S3_START_DEADLINE))
  until curl -fsS -o /dev/null --max-time 2 "$endpoint/" 2>/dev/null; do
    kill -0 "$LOQUAT_S3_PID" 2>/dev/null || return 1
    if ((SECONDS >= deadline)); then
      warn "the S3 server did not answer within ${LOQUAT_S3_START_DEADLINE}s"
      return 1
    fi
    sleep 0.1
  done
}

start_s3() {
  if [[ -n "${LOQUAT_TEST_S3_ENDPOINT:-}" ]]; then
    log "S3: using LOQUAT_TEST_S3_ENDPOINT"
    return 0
  fi
  if ! command -v moto_server >/dev/null 2>&1; then
    warn "moto_server not found: run scripts/bootstrap.sh (pip install 'moto[server]')"
    return 1
  fi
  LOQUAT_S3_DIR="$(mktemp -d "${TMPDIR:-/tmp}/loquat-s3.XXXXXX")" || return 1
  local attempt endpoint=""
  # Another process may take the free port before the server binds it.
  for attempt in 1 2 3; do
    endpoint="http://127.0.0.1:$(free_port)"
    moto_server -H 127.0.0.1 -p "${endpoint##*:}" >"$LOQUAT_S3_DIR/server.log" 2>&1 &
    LOQUAT_S3_PID=$!
    s3_wait_ready "$endpoint" && break
    kill "$LOQUAT_S3_PID" 2>/dev/null
    wait "$LOQUAT_S3_PID" 2>/dev/null
    LOQUAT_S3_PID=""
    warn "the S3 server did not start (attempt $attempt); its log:"
    cat "$LOQUAT_S3_DIR/server.log" >&2
  done
  if [[ -z "$LOQUAT_S3_PID" ]]; then
    stop_s3
    return 1
  fi
  if ! curl -fsS -o /dev/null -X PUT "$endpoint/$LOQUAT_S3_BUCKET"; then
    warn "creating the bucket $LOQUAT_S3_BUCKET failed"
    stop_s3
    return 1
  fi
  export LOQUAT_TEST_S3_ENDPOINT="$endpoint"
  export LOQUAT_TEST_S3_BUCKET="$LOQUAT_S3_BUCKET"
  export AWS_ACCESS_KEY_ID="loquat-test"
  export AWS_SECRET_ACCESS_KEY="loquat-test-secret"
  export AWS_REGION="us-east-1"
  log "S3 (moto) on $endpoint, bucket $LOQUAT_S3_BUCKET ($LOQUAT_S3_DIR)"
}

stop_s3() {
  if [[ -n "$LOQUAT_S3_PID" ]]; then
    kill "$LOQUAT_S3_PID" 2>/dev/null || true
    wait "$LOQUAT_S3_PID" 2>/dev/null || true
    LOQUAT_S3_PID=""
    unset LOQUAT_TEST_S3_ENDPOINT LOQUAT_TEST_S3_BUCKET
  fi
  if [[ -n "$LOQUAT_S3_DIR" ]]; then
    rm -rf "$LOQUAT_S3_DIR"
    LOQUAT_S3_DIR=""
  fi
  return 0
}
