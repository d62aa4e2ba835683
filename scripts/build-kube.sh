#!/usr/bin/env bash
# Builds one Kubernetes command (kube-apiserver, kubelet, kube-proxy, ...) from the Go module proxy
# (k8s.io/kubernetes at a fixed version, every k8s.io staging module pinned to the matching v0.x) and
# caches it in ~/.cache/mcp-fleet, keyed by version, so later runs skip the build. Prints its path.
#   build-kube.sh <command>
set -euo pipefail
source "$(dirname "$0")/lib.sh"

command=${1:?usage: build-kube.sh <kube-apiserver|kubelet|kube-proxy|kube-scheduler|kube-controller-manager|kubectl>}
version=${KUBE_VERSION:-1.34.1}
staging="0.${version#1.}"
cache="$HOME/.cache/mcp-fleet"
binary="$cache/bin/$command-v$version"
work="$cache/kube-build-v$version"
modules=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider cluster-bootstrap
  code-generator component-base component-helpers controller-manager cri-api cri-client csi-translation-lib
  dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator kube-controller-manager kube-proxy
  kube-scheduler kubectl kubelet metrics mount-utils pod-security-admission sample-apiserver sample-cli-plugin
  sample-controller)
# k8s.io/kubernetes requires its staging modules at v0.0.0 (it builds them from its own tree):
# our module pins each to the release that matches.
if [ ! -x "$binary" ] && [ ! -f "$work/go.mod" ]; then
  mkdir -p "$work"
  {
    printf 'module mcpfleet/kube-build\n\ngo 1.24\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$version"
    for m in "${modules[@]}"; do printf '\tk8s.io/%s => k8s.io/%s v%s\n' "$m" "$m" "$staging"; done
    printf ')\n'
  } >"$work/go.mod"
fi
# kubectl lives in its own staging module; everything else is a command of k8s.io/kubernetes.
target="k8s.io/kubernetes/cmd/$command@v$version"
[ "$command" != kubectl ] || target="k8s.io/kubernetes/cmd/kubectl@v$version"
major=${version%%.*}
minor=${version#*.}
minor=${minor%%.*}
go_build_cached "$binary" "$work" "$target" \
  -ldflags "-X k8s.io/component-base/version.gitVersion=v$version -X k8s.io/component-base/version.gitMajor=$major -X k8s.io/component-base/version.gitMinor=$minor"
echo "$binary"
