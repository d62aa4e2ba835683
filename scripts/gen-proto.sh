#!/usr/bin/env bash
# Regenerates the TypeScript types of proto/ into services/contract/src/gen.
#   --check  generate into a temp folder and fail if the committed types differ (CI runs this).
# The generator writes extensionless relative imports; Node's ESM resolution needs ".js", so the
# imports are rewritten here (the only post-processing), then formatted like the rest of the tree.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"
target=services/contract/src/gen

generate() {
  local out=$1
  rm -rf "$out"
  npx proto-loader-gen-types --grpcLib=@grpc/grpc-js --enums=String --defaults --oneofs \
    --includeComments -I proto -O "$out" mcpfleet/provider/v1/provider.proto mcpfleet/edge/v1/edge.proto >/dev/null
  local file
  while IFS= read -r -d '' file; do
    sed -E -e "s#(from '\.{1,2}/[^']*)'#\1.js'#g" "$file" \
      | node_modules/.bin/biome format --stdin-file-path="$target/${file#"$out"/}" >"$file.formatted"
    mv "$file.formatted" "$file"
  done < <(find "$out" -name '*.ts' -print0)
}

if [ "${1:-}" = "--check" ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  generate "$scratch/gen"
  diff -r "$target" "$scratch/gen" >&2 || die "types in $target are out of date with proto/: run make generate"
  log "generated types are up to date"
else
  generate "$target"
fi
