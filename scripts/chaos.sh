#!/usr/bin/env bash
# make chaos: the chaos suite of issue 16. Open-loop load through real gateway and provider
# processes while they are SIGKILLed, drained, restarted and starved (test/chaos/*.chaos.ts);
# each scenario's row lands in bench/results/chaos-<date>.json and .md. Needs the shared Redis of
# scripts/test-env.sh (reused when it runs, started and stopped here otherwise).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

raise_open_files 12000

if test_env=$(bash scripts/test-env.sh env 2>/dev/null); then
  log "reusing the running test environment"
else
  trap 'bash scripts/test-env.sh down' EXIT
  test_env=$(bash scripts/test-env.sh up)
fi
set -a
eval "$test_env"
set +a

mapfile -t files < <(find test/dist/test/chaos -name '*.chaos.js' | sort)
[ "${#files[@]}" -gt 0 ] || die "no chaos scenarios found under test/dist/test/chaos: did the build run?"
# One scenario at a time: each one measures the machine it has to itself.
node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
