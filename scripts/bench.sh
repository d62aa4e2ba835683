#!/usr/bin/env bash
# make bench: open-loop load of tools/call echo through the gateway against the provider called
# directly over gRPC, in the same run; results in bench/results/. BENCH_STEP_MS and BENCH_RATES
# shorten or widen the rate ladder.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"
node bench/dist/run.js
