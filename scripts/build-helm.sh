#!/usr/bin/env bash
# Builds helm from the Go module proxy once and caches it in ~/.cache/mcp-fleet/bin, keyed by
# version. Prints the binary's path.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

version=${HELM_VERSION:-3.22.0}
cache="$HOME/.cache/mcp-fleet"
binary="$cache/bin/helm-v$version"
go_build_cached "$binary" "$cache/helm-build-v$version" "helm.sh/helm/v3/cmd/helm@v$version"
echo "$binary"
