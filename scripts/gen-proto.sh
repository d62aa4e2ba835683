#!/usr/bin/env bash
# Regenerates the TypeScript types of proto/ into services/contract/src/gen.
# The generator writes extensionless relative imports; Node's ESM resolution needs ".js", so the
# imports are rewritten here (the only post-processing). CI runs this and fails on a diff.
set -euo pipefail
cd "$(dirname "$0")/.."
out=services/contract/src/gen
rm -rf "$out"
npx proto-loader-gen-types --grpcLib=@grpc/grpc-js --enums=String --defaults --oneofs \
  --includeComments -I proto -O "$out" mcpfleet/provider/v1/provider.proto >/dev/null
find "$out" -name '*.ts' -print0 | xargs -0 sed -i -E \
  -e "s#(from '\.{1,2}/[^']*)'#\1.js'#g"
npx biome format --write "$out" >/dev/null
