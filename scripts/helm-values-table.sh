#!/usr/bin/env bash
# Rewrites the README's Helm values table from helm/mcp-fleet/values.schema.json and values.yaml
# (a test fails when they drift apart).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"
npx tsc -b test
node test/dist/test/deploy/values-table.js --write
log "README.md values table updated"
