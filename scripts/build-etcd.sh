#!/usr/bin/env bash
# Builds etcd (the store kube-apiserver needs) from the Go module proxy once and caches it in
# ~/.cache/mcp-fleet/bin, keyed by version. Prints the binary's path.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

version=${ETCD_VERSION:-3.6.16}
cache="$HOME/.cache/mcp-fleet"
binary="$cache/bin/etcd-v$version"
go_build_cached "$binary" "$cache/etcd-build-v$version" "go.etcd.io/etcd/server/v3@v$version"
echo "$binary"
