#!/usr/bin/env bash
# make e2e: the images of this tree (make images), a real single-node cluster (scripts/cluster.sh
# up, which builds the binaries once and imports the images), then the e2e suite (test/e2e/*.e2e.ts, one file after another: the first
# installs the fleet with helm, the others use it), then the cluster down whatever happened.
# MCPFLEET_E2E_KEEP=1 leaves the cluster up afterwards (scripts/cluster.sh down removes it);
# MCPFLEET_E2E_REUSE_IMAGES=1 imports the images the last `make images` wrote.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

npx tsc -b
started=$SECONDS
[ -n "${MCPFLEET_E2E_REUSE_IMAGES:-}" ] || bash scripts/build-images.sh >/dev/null
log "images built in $((SECONDS - started)) s"
bash scripts/cluster.sh down
[ -n "${MCPFLEET_E2E_KEEP:-}" ] || trap 'bash scripts/cluster.sh down' EXIT
cluster_env=$(bash scripts/cluster.sh up)
log "cluster up in $((SECONDS - started)) s"
MCPFLEET_HELM=$(bash scripts/build-helm.sh)
set -a
eval "$cluster_env"
set +a
export MCPFLEET_HELM MCPFLEET_E2E_DIR="$MCPFLEET_CLUSTER_DIR/e2e"
mkdir -p "$MCPFLEET_E2E_DIR"
mapfile -t files < <(find test/dist/test/e2e -maxdepth 1 -name '*.e2e.js' | sort)
[ "${#files[@]}" -gt 0 ] || die "no e2e files under test/dist/test/e2e: did the build run?"
suite=$SECONDS
node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
log "e2e suite passed in $((SECONDS - suite)) s ($((SECONDS - started)) s with the cluster's start)"
