#!/usr/bin/env bash
# make conformance: the official MCP conformance suite (server side, every scenario: active and
# pending) against the gateway fronting the everything provider, on free loopback ports.
# Fails on any failed check that conformance/expected-failures.yaml does not list with a reason.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

node22=node_modules/.bin/node
[ -x "$node22" ] || die "node_modules/.bin/node (npm package node@22) is missing: run npm ci"
state=$(mktemp -d /tmp/mcpfleet-conformance.XXXXXX)
trap 'stop_fleet; rm -rf "$state"' EXIT

gateway_port=$(free_port)
everything_port=$(free_port)
cat >"$state/providers.yaml" <<YAML
providers:
  - name: everything
    target: 127.0.0.1:$everything_port
    prefix: ""
YAML
export MCPFLEET_GRPC_LISTEN=127.0.0.1:0
start_fleet "$gateway_port" "$state/providers.yaml" "$state" "everything:$everything_port"

args=(server --url "http://localhost:$gateway_port/mcp" --suite all)
if grep -qE '^[^#[:space:]]' conformance/expected-failures.yaml 2>/dev/null; then
  args+=(--expected-failures conformance/expected-failures.yaml)
fi
set +e
"$node22" node_modules/@modelcontextprotocol/conformance/dist/index.js "${args[@]}" >"$state/report.txt" 2>&1
status=$?
set -e
sed -n '/=== SUMMARY ===/,$p' "$state/report.txt"
total=$(grep -E '^Total: [0-9]+ passed, [0-9]+ failed' "$state/report.txt" | tail -n 1)
[ -n "$total" ] || { cat "$state/report.txt" >&2; die "the conformance suite printed no summary"; }
failed=$(sed -E 's/^Total: [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$total")
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  grep -E 'FAILURE|✗' "$state/report.txt" >&2 || true
  die "conformance: $total (exit $status)"
fi
log "conformance: $total"
