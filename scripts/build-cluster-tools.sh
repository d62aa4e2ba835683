#!/usr/bin/env bash
# Builds what the e2e cluster runs besides Kubernetes itself, from Go modules, once, cached in
# ~/.cache/mcp-fleet/bin: CoreDNS (cluster DNS), kube-router (NetworkPolicy enforcement only),
# metrics-server (the metrics API `top` reads) and our pause program (deploy/cluster/pause).
# Prints `name path` lines.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cache="$HOME/.cache/mcp-fleet"
coredns_version=${COREDNS_VERSION:-1.15.0}
# The newest v2 release the Go module proxy serves (later tags are not available there).
kube_router_version=${KUBE_ROUTER_VERSION:-2.1.0}
go_build_cached "$cache/bin/coredns-v$coredns_version" "$cache/coredns-build-v$coredns_version" \
  "github.com/coredns/coredns@v$coredns_version"
go_build_cached "$cache/bin/kube-router-v$kube_router_version" "$cache/kube-router-build-v$kube_router_version" \
  "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@v$kube_router_version"
metrics_server_version=${METRICS_SERVER_VERSION:-0.8.0}
go_build_cached "$cache/bin/metrics-server-v$metrics_server_version" "$cache/metrics-server-build-v$metrics_server_version" \
  "sigs.k8s.io/metrics-server/cmd/metrics-server@v$metrics_server_version"
pause="$cache/bin/pause-$(sha256sum "$(repo_root)/deploy/cluster/pause/main.go" | cut -c1-12)"
if [ ! -x "$pause" ]; then
  (cd "$(repo_root)/deploy/cluster/pause" && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$pause" .) \
    || die "building the pause program failed"
fi
printf 'coredns %s\nkube-router %s\nmetrics-server %s\npause %s\n' "$cache/bin/coredns-v$coredns_version" \
  "$cache/bin/kube-router-v$kube_router_version" "$cache/bin/metrics-server-v$metrics_server_version" "$pause"
