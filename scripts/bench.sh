#!/usr/bin/env bash
# make bench. The gateway benchmark (open-loop load through the gateway against the direct
# provider baseline) lands with the gateway issue; until then this is a placeholder.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
log "no benchmark yet: the gateway benchmark arrives with the gateway core issue"
