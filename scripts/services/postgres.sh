# shellcheck shell=bash
# A throwaway PostgreSQL for the tests: sourced by scripts/services.sh.
#
#   start_postgres   installs Debian's postgresql when missing, makes a
#                    cluster in a temp dir, starts it on a free loopback
#                    port and exports LOQUAT_TEST_POSTGRES_URL
#   stop_postgres    stops it and removes the temp dir
#
# A developer who runs PostgreSQL already sets LOQUAT_TEST_POSTGRES_URL
# (a role that may CREATE DATABASE); then nothing is started. Each test
# makes a database of its own there (loquat_test_*).

LOQUAT_PG_DIR=""

postgres_bin_dir() {
  local dir
  dir="$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$dir" && -x "$dir/initdb" ]] && printf '%s\n' "$dir"
}

install_postgres() {
  [[ -n "$(postgres_bin_dir)" ]] && return 0
  log "installing PostgreSQL (Debian's postgresql)"
  apt_install postgresql
  [[ -n "$(postgres_bin_dir)" ]] || {
    warn "postgresql installed, but no initdb under /usr/lib/postgresql"
    return 1
  }
}

# Runs a PostgreSQL program as the `postgres` user when we are root
# (initdb and the server refuse to run as root).
as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  if [[ -n "${LOQUAT_TEST_POSTGRES_URL:-}" ]]; then
    log "PostgreSQL: using LOQUAT_TEST_POSTGRES_URL"
    return 0
  fi
  install_postgres || return 1
  local bin port
  bin="$(postgres_bin_dir)"
  port="$(free_port)"
  # Under /tmp whatever TMPDIR says: the `postgres` user must reach it.
  LOQUAT_PG_DIR="$(mktemp -d /tmp/loquat-pg.XXXXXX)"
  [[ $(id -u) -eq 0 ]] && chown postgres "$LOQUAT_PG_DIR"
  as_postgres "$bin/initdb" -D "$LOQUAT_PG_DIR/data" -U loquat -A trust -E UTF8 \
    --locale=C --no-sync >"$LOQUAT_PG_DIR/initdb.log" 2>&1 ||
    {
      cat "$LOQUAT_PG_DIR/initdb.log" >&2
      warn "initdb failed"
      return 1
    }
  # Durability is not what these tests measure: no fsync. `-w` polls until
  # the server accepts connections (60 s at most).
  as_postgres "$bin/pg_ctl" -D "$LOQUAT_PG_DIR/data" -l "$LOQUAT_PG_DIR/server.log" -w -t 60 \
    -o "-p $port -k $LOQUAT_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off \
        -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
    start >/dev/null ||
    {
      cat "$LOQUAT_PG_DIR/server.log" >&2
      warn "PostgreSQL did not start"
      return 1
    }
  export LOQUAT_TEST_POSTGRES_URL="postgres://loquat@127.0.0.1:$port/postgres"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($LOQUAT_PG_DIR)"
}

stop_postgres() {
  [[ -n "$LOQUAT_PG_DIR" && -d "$LOQUAT_PG_DIR" ]] || return 0
  as_postgres "$(postgres_bin_dir)/pg_ctl" -D "$LOQUAT_PG_DIR/data" -m immediate -w stop \
    >/dev/null 2>&1 || true
  rm -rf "$LOQUAT_PG_DIR"
  LOQUAT_PG_DIR=""
  unset LOQUAT_TEST_POSTGRES_URL
}
