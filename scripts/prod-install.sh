#!/usr/bin/env bash
# Stages one service as it runs in production and installs its runtime dependencies:
#   scripts/prod-install.sh <service dir> <out dir> [npm ci flags...]
# <out dir> gets the root manifests and lockfile, proto/, every workspace's package.json (npm ci
# needs them to match the lockfile), the built dist/src of the service and of each workspace
# package it depends on, and node_modules from `npm ci --omit=dev`, pruned to the service's own
# dependency closure. The service must be built
# (npx tsc -b) first. deploy/Dockerfile runs this in its build stage; the image tests run it with
# --offline, from the npm cache the workspace install filled.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

service=${1:?usage: prod-install.sh <service dir> <out dir> [npm ci flags...]}
out=${2:?usage: prod-install.sh <service dir> <out dir> [npm ci flags...]}
shift 2
[ -f "$service/package.json" ] || die "$service is not a workspace package"
mkdir -p "$out"
cp package.json package-lock.json "$out/"
cp -r proto "$out/"

# Every workspace's manifest, and the directories of the service's workspace dependencies.
node --input-type=module - "$service" >"$out/.workspaces" <<'JS'
import { existsSync, readdirSync, readFileSync } from 'node:fs';
const root = JSON.parse(readFileSync('package.json', 'utf8'));
// Workspace patterns here are plain directories or `dir/*`.
const dirs = root.workspaces.flatMap((pattern) =>
  pattern.endsWith('/*')
    ? readdirSync(pattern.slice(0, -2)).map((entry) => `${pattern.slice(0, -2)}/${entry}`)
    : [pattern],
).filter((dir) => existsSync(`${dir}/package.json`));
const byName = new Map(dirs.map((dir) => [JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')).name, dir]));
const needed = new Set();
const visit = (dir) => {
  if (needed.has(dir)) return;
  needed.add(dir);
  const deps = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')).dependencies ?? {};
  for (const name of Object.keys(deps)) if (byName.has(name)) visit(byName.get(name));
};
visit(process.argv[2].replace(/\/$/, ''));
for (const dir of dirs) console.log(`${needed.has(dir) ? 'built' : 'manifest'} ${dir}`);
JS
while read -r kind dir; do
  mkdir -p "$out/$dir"
  cp "$dir/package.json" "$out/$dir/"
  if [ "$kind" = built ]; then
    [ -d "$dir/dist/src" ] || die "$dir/dist/src is missing: run npx tsc -b first"
    mkdir -p "$out/$dir/dist"
    cp -r "$dir/dist/src" "$out/$dir/dist/"
  fi
done <"$out/.workspaces"
rm "$out/.workspaces"

name=$(node -p "require('./$service/package.json').name")
(
  cd "$out"
  npm ci --omit=dev --ignore-scripts --no-audit --no-fund "$@" >&2
  # npm ci installs every workspace's production dependencies; keep only this service's closure.
  npm ls --omit=dev --all --parseable --workspace="$name" 2>/dev/null | sort -u >.needed
  npm ls --omit=dev --all --parseable 2>/dev/null | sort -u | comm -13 .needed - | grep '/node_modules/' \
    | xargs -r rm -rf
  rm .needed
)
