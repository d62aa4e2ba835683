#!/usr/bin/env bash
# Builds kube-apiserver from the Go module proxy (k8s.io/kubernetes at a fixed version, every
# k8s.io staging module pinned to the matching v0.x) and caches it in ~/.cache/mcp-fleet, keyed
# by version, so later runs skip the build. Prints the binary's path.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

version=${KUBE_VERSION:-1.34.1}
minor=${version#1.}
staging="0.$minor"
cache="$HOME/.cache/mcp-fleet"
binary="$cache/bin/kube-apiserver-v$version"
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi
command -v go >/dev/null || die "go is needed to build kube-apiserver"
work="$cache/kube-build-v$version"
mkdir -p "$work" "$cache/bin"
modules=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider cluster-bootstrap
  code-generator component-base component-helpers controller-manager cri-api cri-client csi-translation-lib
  dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator kube-controller-manager kube-proxy
  kube-scheduler kubectl kubelet metrics mount-utils pod-security-admission sample-apiserver sample-cli-plugin
  sample-controller)
{
  printf 'module mcpfleet/kube-build\n\ngo 1.24\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$version"
  for m in "${modules[@]}"; do printf '\tk8s.io/%s => k8s.io/%s v%s\n' "$m" "$m" "$staging"; done
  printf ')\n'
} >"$work/go.mod"
log "building kube-apiserver v$version from Go modules (once; this takes a while)"
(cd "$work" && GOPATH="$cache/go" GOFLAGS=-mod=mod go get "k8s.io/kubernetes/cmd/kube-apiserver@v$version" >&2 \
  && GOPATH="$cache/go" GOFLAGS=-mod=mod CGO_ENABLED=0 go build -o "$binary" k8s.io/kubernetes/cmd/kube-apiserver >&2)
echo "$binary"
