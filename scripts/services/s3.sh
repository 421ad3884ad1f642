# shellcheck shell=bash
# A throwaway S3-protocol server for the tests: moto's server mode
# (`moto_server`, installed by scripts/bootstrap.sh) on a free loopback
# port, its log in a temp dir. Source this file, then:
#
#   start_s3   starts it, waits (with a deadline) until it answers, creates
#              the test bucket and exports LOQUAT_TEST_S3_ENDPOINT,
#              LOQUAT_TEST_S3_BUCKET and the AWS_* variables the S3 client
#              reads (throwaway credentials: moto checks none)
#   stop_s3    stops it and removes the temp dir (safe to call twice)
#
#   source scripts/services/s3.sh && start_s3
#   cargo test -p loquat --features loquat-app/ssr --test s3_storage
#   stop_s3
#
# It keeps the objects in its own memory: a test run's worth, then gone.

S3_PID=""
S3_DIR=""
S3_BUCKET="loquat-test"
# Seconds the server may take to answer (it starts in ~1 s).
S3_START_DEADLINE=30

# A port nothing listens on now (the server binds it right after).
_s3_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until the server at $1 answers; fails when it exits or the deadline passes.
_s3_wait_ready() {
  local endpoint=$1 deadline=$((SECONDS + S3_START_DEADLINE))
  until curl -fsS -o /dev/null --max-time 2 "$endpoint/" 2>/dev/null; do
    if ! kill -0 "$S3_PID" 2>/dev/null; then
      return 1
    fi
    if ((SECONDS >= deadline)); then
      printf 'the S3 server did not answer within %ss\n' "$S3_START_DEADLINE" >&2
      return 1
    fi
    sleep 0.1
  done
}

start_s3() {
  if ! command -v moto_server >/dev/null 2>&1; then
    printf "moto_server not found: run scripts/bootstrap.sh (pip install 'moto[server]')\n" >&2
    return 1
  fi
  S3_DIR="$(mktemp -d "${TMPDIR:-/tmp}/loquat-s3.XXXXXX")" || return 1
  local attempt port endpoint
  # Another process may take the free port before the server binds it.
  for attempt in 1 2 3; do
    port="$(_s3_free_port)" || return 1
    endpoint="http://127.0.0.1:$port"
    moto_server -H 127.0.0.1 -p "$port" >"$S3_DIR/server.log" 2>&1 &
    S3_PID=$!
    if _s3_wait_ready "$endpoint"; then
      break
    fi
    kill "$S3_PID" 2>/dev/null
    wait "$S3_PID" 2>/dev/null
    S3_PID=""
    printf 'the S3 server did not start (attempt %s); its log:\n' "$attempt" >&2
    cat "$S3_DIR/server.log" >&2
  done
  if [[ -z "$S3_PID" ]]; then
    stop_s3
    return 1
  fi
  if ! curl -fsS -o /dev/null -X PUT "$endpoint/$S3_BUCKET"; then
    printf 'creating the bucket %s failed\n' "$S3_BUCKET" >&2
    stop_s3
    return 1
  fi
  export LOQUAT_TEST_S3_ENDPOINT="$endpoint"
  export LOQUAT_TEST_S3_BUCKET="$S3_BUCKET"
  export AWS_ACCESS_KEY_ID="loquat-test"
  export AWS_SECRET_ACCESS_KEY="loquat-test-secret"
  export AWS_REGION="us-east-1"
  printf 'S3 server (moto) at %s, bucket %s, pid %s\n' "$endpoint" "$S3_BUCKET" "$S3_PID" >&2
}

stop_s3() {
  if [[ -n "$S3_PID" ]]; then
    kill "$S3_PID" 2>/dev/null
    wait "$S3_PID" 2>/dev/null
    S3_PID=""
  fi
  if [[ -n "$S3_DIR" ]]; then
    rm -rf "$S3_DIR"
    S3_DIR=""
  fi
  unset LOQUAT_TEST_S3_ENDPOINT LOQUAT_TEST_S3_BUCKET
}
