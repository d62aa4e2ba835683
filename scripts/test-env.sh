#!/usr/bin/env bash
# A throw-away PostgreSQL cluster and Redis server on loopback, for the tests.
#   scripts/test-env.sh up     start both (or reuse the running ones), print the env to use
#   scripts/test-env.sh down   stop both and delete their data
#   scripts/test-env.sh env    print the env of the running environment
# State lives in .test-env/ (the env file) and a temp folder (data, sockets, logs).
set -eEuo pipefail
source "$(dirname "$0")/lib.sh"
root=$(repo_root)
state="$root/.test-env"
envfile="$state/env"

pg_user=postgres   # initdb refuses to run as root; Debian's package creates this user.

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}

running() {
  [ -f "$envfile" ] || return 1
  # shellcheck disable=SC1090
  source "$envfile"
  "$(pg_bindir)/pg_isready" -q -h 127.0.0.1 -p "$MCPFLEET_TEST_PG_PORT" \
    && redis-cli -h 127.0.0.1 -p "$MCPFLEET_TEST_REDIS_PORT" ping 2>/dev/null | grep -q PONG
}

down() {
  [ -f "$envfile" ] || return 0
  # shellcheck disable=SC1090
  source "$envfile"
  if [ -d "${MCPFLEET_TEST_DIR:-}/pg" ]; then
    as_pg "$(pg_bindir)/pg_ctl" -D "$MCPFLEET_TEST_DIR/pg" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -f "${MCPFLEET_TEST_DIR:-}/redis.pid" ]; then
    local pid
    pid=$(cat "$MCPFLEET_TEST_DIR/redis.pid")
    # Redis writes its last log lines while it exits: its folder goes only once it is gone
    # (an rm racing them failed make test after every test had passed).
    if kill "$pid" 2>/dev/null; then TIMEOUT=15 wait_until exited "$pid" || kill -9 "$pid" 2>/dev/null || true; fi
  fi
  case "${MCPFLEET_TEST_DIR:-}" in /tmp/mcpfleet-test-env.*) rm -rf "$MCPFLEET_TEST_DIR" ;; esac
  rm -f "$envfile"
  log "test environment stopped"
}

up() {
  if running; then
    log "test environment already running"
    cat "$envfile"
    return 0
  fi
  down
  bash "$root/scripts/ensure-deps.sh" --services
  local bindir dir pg_port redis_port
  bindir=$(pg_bindir)
  dir=$(mktemp -d /tmp/mcpfleet-test-env.XXXXXX)
  chmod 755 "$dir"
  mkdir -p "$state"
  # From here on, a failure must not leave servers behind.
  trap 'log "start-up failed; logs in $dir"; tail -n 20 "$dir"/*.log >&2 || true; down' ERR

  { read -r pg_port; read -r redis_port; } < <(free_ports 2)
  cat >"$envfile" <<ENV
MCPFLEET_TEST_DIR=$dir
MCPFLEET_TEST_PG_PORT=$pg_port
MCPFLEET_TEST_REDIS_PORT=$redis_port
DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/postgres
REDIS_URL=redis://127.0.0.1:$redis_port
ENV

  mkdir -p "$dir/pg" "$dir/sock"
  [ "$(id -u)" -ne 0 ] || chown "$pg_user" "$dir" "$dir/pg" "$dir/sock"
  as_pg "$bindir/initdb" -D "$dir/pg" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1
  as_pg "$bindir/pg_ctl" -D "$dir/pg" -l "$dir/postgres.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir/sock -c fsync=off -c shared_preload_libraries=pg_stat_statements" \
    >/dev/null
  wait_until "$bindir/pg_isready" -q -h 127.0.0.1 -p "$pg_port" || { log "postgres did not become ready"; false; }

  redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --pidfile "$dir/redis.pid" \
    --logfile "$dir/redis.log" --dir "$dir" --save '' --appendonly no >/dev/null
  wait_until sh -c "redis-cli -h 127.0.0.1 -p $redis_port ping | grep -q PONG" || { log "redis did not become ready"; false; }

  trap - ERR
  log "test environment up: postgres 127.0.0.1:$pg_port, redis 127.0.0.1:$redis_port ($dir)"
  cat "$envfile"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) running && cat "$envfile" || die "test environment is not running" ;;
  *) die "usage: $0 up|down|env" ;;
esac
