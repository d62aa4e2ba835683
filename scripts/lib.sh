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
    $sudo apt-get update -qq -o DPkg::Lock::Timeout=600 >&2 || die "apt-get update failed"
    MCPFLEET_APT_UPDATED=1
  fi
  log "apt-get install $*"
  # Another install running (a second checkout's make test) holds the lock: wait for it, not fail.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
    -o Dpkg::Options::=--force-confold "$@" >&2 \
    || die "apt-get install $* failed"
}

# The newest installed PostgreSQL server's bin directory (Debian layout), or nothing.
pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && printf '%s\n' "$dir"
}

# N (default 1) distinct free TCP ports on 127.0.0.1, one per line. All N are held open together
# while they are chosen: asked one at a time, the kernel may hand the same port out twice (CI once
# gave Postgres and Redis the same port).
free_ports() {
  node -e '
    const net = require("net");
    const n = Number(process.argv[1] || 1);
    const servers = [];
    const next = () => {
      if (servers.length === n) {
        console.log(servers.map((s) => s.address().port).join("\n"));
        for (const s of servers) s.close();
        return;
      }
      const s = net.createServer().listen(0, "127.0.0.1", next);
      servers.push(s);
    };
    next();
  ' "${1:-1}"
}

# Waits until `$@` succeeds, up to $TIMEOUT seconds (default 30).
wait_until() {
  local deadline=$((SECONDS + ${TIMEOUT:-30}))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# True once process $1 is gone (a condition for wait_until).
exited() { ! kill -0 "$1" 2>/dev/null; }

# Waits until an HTTP URL answers 200.
http_ok() { node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$1"; }

# What the gateway at a /readyz URL reports of its providers: "<name> up" or "<name> <why not>", a line each.
provider_states() {
  node -e 'fetch(process.argv[1]).then(r=>r.json()).then(b=>{for(const p of b.providers)console.log(`${p.name} ${p.up?"up":(p.error??p.state)}`)},e=>{console.error(e.message);process.exit(1)})' "$1"
}

# Starts the gateway and providers in the background, on loopback:
#   start_fleet <gateway port> <providers file> <state dir> <provider>:<port> ...
# The gateway writes the public JWKS of its identity key to <state dir>/jwks.json before it
# listens; providers verify every call against it. Pids are appended to FLEET_PIDS.
FLEET_PIDS=()
start_fleet() {
  local gateway_port=$1 providers_file=$2 state=$3 root spec name port
  shift 3
  root=$(repo_root)
  mkdir -p "$state"
  MCPFLEET_GATEWAY_LISTEN="127.0.0.1:$gateway_port" MCPFLEET_PROVIDERS_FILE="$providers_file" \
    MCPFLEET_POLICY_FILE="$root/deploy/dev/policy.yaml" MCPFLEET_AUDIT_LOG="$state/audit.log" \
    MCPFLEET_IDENTITY_JWKS_OUT="$state/jwks.json" \
    node "$root/services/gateway/dist/src/server.js" >>"$state/gateway.log" 2>&1 &
  FLEET_PIDS+=($!)
  TIMEOUT=30 wait_until http_ok "http://127.0.0.1:$gateway_port/healthz" || { tail -n 20 "$state/gateway.log" >&2; die "gateway did not start"; }
  for spec in "$@"; do
    name=${spec%%:*}
    port=${spec##*:}
    MCPFLEET_LISTEN="127.0.0.1:$port" MCPFLEET_IDENTITY_JWKS="$state/jwks.json" \
      node "$root/services/providers/$name/dist/src/main.js" >>"$state/$name.log" 2>&1 &
    FLEET_PIDS+=($!)
  done
  # /readyz turns 200 once every provider delivered its catalog or failed for good, or after the
  # gateway's start-up timeout (MCPFLEET_READY_TIMEOUT): then it says which providers are down.
  local readyz="http://127.0.0.1:$gateway_port/readyz" states down
  TIMEOUT=60 wait_until http_ok "$readyz" || { tail -n 20 "$state"/*.log >&2; die "the gateway did not become ready"; }
  states=$(provider_states "$readyz") || die "cannot read $readyz"
  down=$(grep -v ' up$' <<<"$states" || true)
  if [ -n "$down" ]; then
    while read -r name reason; do
      log "provider $name is down: $reason"
      [ ! -f "$state/$name.log" ] || tail -n 10 "$state/$name.log" >&2
    done <<<"$down"
    die "the fleet is not up: providers are down (logs in $state/)"
  fi
  log "providers up: $(cut -d' ' -f1 <<<"$states" | paste -sd' ')"
}

stop_fleet() {
  local pid
  for pid in "${FLEET_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${FLEET_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  FLEET_PIDS=()
}

# Builds a Go command from the module proxy once and caches it; prints nothing, the caller knows
# the path.   go_build_cached <binary> <build dir> <package@version> [go build flags...]
# The build happens inside a module of ours ($build dir/go.mod, written by the caller when it
# needs replace directives) because `go install pkg@version` refuses modules that carry them.
go_build_cached() {
  local binary=$1 work=$2 target=$3 cache="$HOME/.cache/mcp-fleet" lock
  shift 3
  [ -x "$binary" ] && return 0
  command -v go >/dev/null || die "go is needed to build ${target%@*}"
  mkdir -p "$work" "$(dirname "$binary")"
  # Two runs at once (make test beside make dev) would share $work and the temp binary: the second
  # waits for the first, then finds the binary built.
  exec {lock}>"$binary.lock"
  flock "$lock"
  if [ -x "$binary" ]; then
    exec {lock}>&-
    return 0
  fi
  [ -f "$work/go.mod" ] || printf 'module mcpfleet/%s\n\ngo 1.24\n' "$(basename "$work")" >"$work/go.mod"
  log "building $target from Go modules (once, cached in $cache; this takes a while)"
  (cd "$work" && GOPATH="$cache/go" GOFLAGS=-mod=mod go get "$target" >&2 \
    && GOPATH="$cache/go" GOFLAGS=-mod=mod CGO_ENABLED=0 go build "$@" -o "$binary.tmp" "${target%@*}" >&2) \
    || die "building $target failed"
  mv "$binary.tmp" "$binary"
  exec {lock}>&-
}

# Raises the open-files limit to the hard limit and fails unless it reaches $1: the chaos suite's
# 10,000 idle clients hold that many sockets in the test process and as many in the gateway.
raise_open_files() {
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  [ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge "$1" ] \
    || die "open files limit is $(ulimit -n): the chaos suite needs at least $1 (ulimit -n)"
}
