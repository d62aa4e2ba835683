# Shared helpers for scripts/: sourced, not run.
# shellcheck shell=bash

log() { printf '[mcp-fleet] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# apt-get install, running `apt-get update` once per process first.
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -z "${MCPFLEET_APT_UPDATED:-}" ]; then
    log "apt-get update"
    $sudo apt-get update -qq >&2 || die "apt-get update failed"
    MCPFLEET_APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o Dpkg::Options::=--force-confold "$@" >&2 \
    || die "apt-get install $* failed"
}

# The newest installed PostgreSQL server's bin directory (Debian layout), or nothing.
pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && printf '%s\n' "$dir"
}

# A free TCP port on 127.0.0.1.
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Waits until `$@` succeeds, up to $TIMEOUT seconds (default 30).
wait_until() {
  local deadline=$((SECONDS + ${TIMEOUT:-30}))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
