#!/usr/bin/env bash
# make dev: the fleet on this machine with embedded defaults, in the foreground; Ctrl-C stops all.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

pids=()
stop() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop EXIT INT TERM

# Providers trust an unauthenticated caller only here, on loopback, for local development.
export MCPFLEET_INSECURE_NO_IDENTITY=true

MCPFLEET_LISTEN=127.0.0.1:50051 node services/providers/everything/dist/src/main.js &
pids+=($!)

log "everything provider on 127.0.0.1:50051 (gRPC, mcpfleet.provider.v1.ToolProvider)"
log "the gateway (http://127.0.0.1:8080/mcp) arrives with the gateway issue; until then call the provider over gRPC"
wait -n
