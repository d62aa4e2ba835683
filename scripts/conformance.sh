#!/usr/bin/env bash
# make conformance: the official MCP conformance suite (the version package.json pins, run by the
# npm package node@22) against the gateway fronting the everything provider as `make dev` serves
# it (dev policy, empty prefix), on free loopback ports; once per requirement set of the suite:
#   2026-07-28  stateless requests (_meta, server/discover, input_required, subscriptions/listen)
#   2025-11-25  sessions (initialize, GET stream, server→client requests)
# Together the two sets run every server scenario of the suite but the skills extension's, which
# the gateway does not offer. A set passes when
#   - every scored scenario passes: no FAILURE and no WARNING, unless its baseline
#     conformance/expected-failures-<set>.yaml lists it (the suite's own --expected-failures rule:
#     a listed check that passes is stale and fails the run too), and
#   - every scenario run but not scored (pending, extension, added after the release) has no
#     FAILURE either, unless the baseline lists it with its reason; listed and passing is stale.
# Usage: scripts/conformance.sh [set...]   (default: both)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

node22=node_modules/.bin/node
suite=node_modules/@modelcontextprotocol/conformance/dist/index.js
[ -x "$node22" ] || die "node_modules/.bin/node (npm package node@22) is missing: run npm ci"
[ -f "$suite" ] || die "the conformance suite (npm package @modelcontextprotocol/conformance) is missing: run npm ci"
sets=("$@")
[ "${#sets[@]}" -gt 0 ] || sets=(2026-07-28 2025-11-25)
state=$(mktemp -d /tmp/mcpfleet-conformance.XXXXXX)
trap 'stop_fleet; rm -rf "$state"' EXIT

{ read -r gateway_port; read -r everything_port; } < <(free_ports 2)
cat >"$state/providers.yaml" <<YAML
providers:
  - name: everything
    target: 127.0.0.1:$everything_port
    prefix: ""
    # A spec fixture whose test_dynamic_tool comes and goes (tools/list_changed scenarios).
    pinning: { newTools: allow }
YAML
export MCPFLEET_GRPC_LISTEN=127.0.0.1:0
start_fleet "$gateway_port" "$state/providers.yaml" "$state" "everything:$everything_port"

# The scenarios a baseline names (whole-scenario and per-check entries alike), one a line.
listed_in() { sed -nE 's/^[[:space:]]*-[[:space:]]*"?([A-Za-z0-9_./-]+)(:[^"#[:space:]]*)?"?.*$/\1/p' "$1" | sort -u; }

# Runs one requirement set; prints its verdict and returns non-zero when it fails.
run_set() {
  local set=$1 baseline="conformance/expected-failures-$1.yaml" report="$state/report-$1.txt" status
  [ -f "$baseline" ] || die "no baseline $baseline for requirement set $set"
  set +e
  "$node22" "$suite" server --url "http://localhost:$gateway_port/mcp" --requirements "$set" \
    --expected-failures "$baseline" -o "$state/$set" >"$report" 2>&1
  status=$?
  set -e
  grep -q '=== SUMMARY ===' "$report" || { cat "$report" >&2; die "conformance $set printed no summary (exit $status)"; }
  sed -n '/=== SUMMARY ===/,$p' "$report" >&2
  local scored listed failing problems=()
  scored=$("$node22" "$suite" list --requirements "$set" \
    | awk '/^Server scenarios/ { on = 1; next } on && /^  - / { print $2; next } { on = 0 }' | sort -u)
  listed=$(listed_in "$baseline")
  failing=$(sed -nE 's/^✗ ([^:]+): .*/\1/p' "$report" | sort -u)
  [ "$status" -eq 0 ] || problems+=("scored scenarios fail beyond the baseline (exit $status)")
  local scenario
  # Not scored: a FAILURE needs a baseline entry; an entry whose scenario passes is stale.
  for scenario in $(comm -23 <(sed -nE 's/^(✓|✗) ([^:]+): .*/\2/p' "$report" | sort -u) <(printf '%s\n' "$scored")); do
    if grep -qx "$scenario" <<<"$failing"; then
      grep -qx "$scenario" <<<"$listed" || problems+=("not scored, failing, not in $baseline: $scenario")
    elif grep -qx "$scenario" <<<"$listed"; then
      problems+=("stale entry in $baseline (the scenario passes): $scenario")
    fi
  done
  local total
  total=$(grep -E '^Total: ' "$report" | tail -n 1)
  if [ "${#problems[@]}" -gt 0 ]; then
    for scenario in "${problems[@]}"; do log "conformance $set: $scenario"; done
    log "conformance $set: FAILED ($total)"
    return 1
  fi
  log "conformance $set: passed ($total; $(grep -c . <<<"$scored") scored scenarios)"
}

failed=()
for set in "${sets[@]}"; do run_set "$set" || failed+=("$set"); done
[ "${#failed[@]}" -eq 0 ] || die "conformance failed for: ${failed[*]}"
log "conformance: every requirement set passes (${sets[*]})"
