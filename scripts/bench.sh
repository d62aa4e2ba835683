#!/usr/bin/env bash
# make bench: tools/call echo through the gateway (2025 session, 2026 stateless, WebSocket, gRPC
# edges; security on; tracing on) against the official TypeScript SDK server and the provider called
# directly over gRPC, in the same run: saturation, CPU per call, latency at half load, memory per
# idle session and listen stream. A Markdown table and an SVG plot land in bench/results/.
# Security's and tracing's costs come from their own phase: each loaded at the same time as its control.
# Knobs: BENCH_ROUNDS, BENCH_SATURATION_CALLS, BENCH_STEP_MS, BENCH_RATES, BENCH_HALF_MS,
# BENCH_OVERHEAD_WINDOWS, BENCH_OVERHEAD_WINDOW_MS, BENCH_SESSIONS, BENCH_LISTEN_STREAMS,
# BENCH_REDIS_URL (else a throw-away redis-server).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"
node bench/dist/run.js
