#!/usr/bin/env bash
# make dev: the fleet on this machine with embedded defaults, in the foreground; Ctrl-C stops it.
# The gateway on 127.0.0.1:8080 (in-memory sessions and limits), the providers on their default
# ports, every call carrying an internal identity token signed by the gateway's ephemeral key.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

state=.dev
# The filesystem provider's writable root, and a repository for the git provider: with one
# commit, so log, show and blame have history to read from the first call.
mkdir -p "$state/data" "$state/repo"
[ -d "$state/repo/.git" ] || git -C "$state/repo" init -q
if ! git -C "$state/repo" rev-parse -q --verify HEAD >/dev/null; then
  [ -e "$state/repo/README.md" ] ||
    printf '# Dev repository\n\nThe git provider of make dev reads this repository ("repo": ".").\n' >"$state/repo/README.md"
  git -C "$state/repo" add README.md
  git -C "$state/repo" -c user.name='MCP Fleet' -c user.email='dev@mcp-fleet.invalid' -c commit.gpgsign=false \
    commit -q -m 'The dev repository'
fi
providers=deploy/dev/providers.yaml
specs=(everything:50051 postgres:50052 filesystem:50053 git:50054)
# The Kubernetes provider needs a cluster to talk to: it joins only when a kubeconfig is given.
kubeconfig=${MCPFLEET_K8S_KUBECONFIG:-${KUBECONFIG:-}}
if [ -n "$kubeconfig" ] && [ -f "$kubeconfig" ]; then
  providers="$state/providers.yaml"
  { cat deploy/dev/providers.yaml; printf '  - name: kubernetes\n    target: 127.0.0.1:50055\n'; } >"$providers"
  specs+=(kubernetes:50055)
  log "Kubernetes provider: $kubeconfig, namespaces ${MCPFLEET_K8S_NAMESPACES:-default}, read-only"
else
  log "Kubernetes provider not started: no kubeconfig (set KUBECONFIG; bash scripts/kube-env.sh up makes a local one)"
fi
# The embedded Postgres (PGlite) keeps its data here across restarts; delete it to start afresh.
export MCPFLEET_PG_EMBEDDED_DIR=${MCPFLEET_PG_EMBEDDED_DIR:-$(repo_root)/$state/pgdata}
# The local caller may review and accept changed tool definitions (mcp-fleet catalog diff|accept).
export MCPFLEET_CATALOG_OPERATOR_ROLES=${MCPFLEET_CATALOG_OPERATOR_ROLES:-local}
export MCPFLEET_WORKFLOWS_FILE=${MCPFLEET_WORKFLOWS_FILE:-$(repo_root)/deploy/dev/workflows.yaml}
trap stop_fleet EXIT INT TERM
start_fleet 8080 "$providers" "$state" "${specs[@]}"

cat >&2 <<MSG
[mcp-fleet] MCP Fleet is up: http://127.0.0.1:8080/mcp  (logs in $state/)
[mcp-fleet] list the tools:
  sid=\$(curl -si http://127.0.0.1:8080/mcp -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \\
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}' \\
    | tr -d '\r' | awk -F': ' 'tolower(\$1)=="mcp-session-id"{print \$2}')
  curl -s http://127.0.0.1:8080/mcp -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \\
    -H "mcp-session-id: \$sid" -d '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
[mcp-fleet] or statelessly (MCP 2026-07-28: no initialize, no session):
  curl -s http://127.0.0.1:8080/mcp -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \\
    -H 'mcp-protocol-version: 2026-07-28' -H 'mcp-method: tools/call' -H 'mcp-name: echo' \\
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
[mcp-fleet] or with the fleet CLI:
  npx mcp-fleet tools
  npx mcp-fleet call echo --arg text=hello
  npx mcp-fleet workflow run orders_report --arg status=paid
MSG
wait -n "${FLEET_PIDS[@]}"
