#!/usr/bin/env bash
# Jaeger v2 on loopback for local traces: builds the binary from Go modules once (cached in
# ~/.cache/mcp-fleet/bin), then runs it with deploy/jaeger-local.yaml in the foreground.
#   bash scripts/jaeger.sh            then, in another shell:
#   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317 make dev      and open http://127.0.0.1:16686
#   bash scripts/jaeger.sh --build    only build it; prints the binary's path
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

version=v1.76.0   # the Go module version that carries Jaeger v2 (cmd/jaeger)
cache="$HOME/.cache/mcp-fleet"
binary="$cache/bin/jaeger-$version"
go_build_cached "$binary" "$cache/jaeger-build" "github.com/jaegertracing/jaeger/cmd/jaeger@$version"
# --build: only build it and print its path (the e2e cluster's image of it is made from that).
[ "${1:-}" != --build ] || { echo "$binary"; exit 0; }
exec "$binary" --config "$(pwd)/deploy/jaeger-local.yaml"
