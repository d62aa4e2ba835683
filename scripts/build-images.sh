#!/usr/bin/env bash
# make images: builds every service image deploy/Dockerfile describes, without Docker or a
# registry, as docker-archive tars in $MCPFLEET_IMAGES_DIR (default ~/.cache/mcp-fleet/images):
# a root filesystem of this machine's node binary and the shared libraries it loads, tini from its
# Debian package, and prod-install.sh's staged production install of the service; the settings
# (user, workdir, env, ports, entrypoint, command) read from the service's stage of deploy/Dockerfile.
# Also the images only the e2e cluster runs: redis and postgresql (this machine's Debian servers)
# pause (deploy/cluster/pause) and jaeger (Jaeger v2, also the OTel collector: scripts/jaeger.sh). Prints `<name:tag> <tar>` lines; import them with
# `ctr -n k8s.io images import <tar>` (scripts/cluster.sh up does).
#   build-images.sh [image...]     default: every image (services, then redis postgresql pause jaeger)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

registry=${MCPFLEET_IMAGE_REGISTRY:-mcp-fleet.local}
tag=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' helm/mcp-fleet/Chart.yaml)
out=${MCPFLEET_IMAGES_DIR:-$HOME/.cache/mcp-fleet/images}
services=(gateway everything postgres filesystem git kubernetes)
extras=(redis postgresql pause jaeger)
wanted=("$@")
[ "${#wanted[@]}" -gt 0 ] || wanted=("${services[@]}" "${extras[@]}")
for tool in tini git ssh redis-server; do command -v "$tool" >/dev/null || apt_install tini git openssh-client redis-server; done
pg=$(pg_bindir) || apt_install postgresql
pg=$(pg_bindir)
archive="node test/dist/test/cluster/image-archive.js"
work=$(mktemp -d "${TMPDIR:-/tmp}/mcpfleet-images.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
npx tsc -b

# Copies files (and directories) into a rootfs at the same paths, with every shared library their
# ELF files load and the dynamic loader.
with_libs() {
  local root=$1 file lib
  shift
  # cp --parents takes paths relative to the current directory.
  # A file named through a symlink (redis-server is one) is copied as what it points to.
  for file in "$@"; do
    if [ -L "$file" ] && [ ! -d "$file" ]; then (cd / && cp -L --parents "${file#/}" "$root/")
    else (cd / && cp -a --parents "${file#/}" "$root/"); fi
  done
  # ldd fails on files that are not dynamic executables (scripts, data): those need nothing.
  { find "$@" -type f -print0 | xargs -0 ldd 2>/dev/null || true; } | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | sort -u \
    | while read -r lib; do [ -e "$root$lib" ] || (cd / && cp -L --parents "${lib#/}" "$root/"); done
}

# What every image shares: /etc files a process expects, a writable-if-mounted /tmp.
skeleton() {
  local root=$1
  mkdir -p "$root"/{etc,tmp,app} && chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\napp:x:10001:10001:app:/app:/sbin/nologin\npostgres:x:999:999:postgres:/tmp:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\napp:x:10001:\npostgres:x:999:\n' >"$root/etc/group"
  : >"$root/etc/hosts"
  : >"$root/etc/resolv.conf"
  : >"$root/etc/hostname"
}

base="$work/base"
skeleton "$base"
with_libs "$base" /usr/bin/tini
mkdir -p "$base/usr/local/bin"
cp -L "$(command -v node)" "$base/usr/local/bin/node"
with_libs "$base" "$(readlink -f "$(command -v node)")"
rm -f "$base$(readlink -f "$(command -v node)")"

build_service() {
  local service=$1 manifest candidate root
  manifest=
  for candidate in services/"$service"/package.json services/*/"$service"/package.json; do
    [ -f "$candidate" ] && manifest=$candidate && break
  done
  [ -n "$manifest" ] || die "no workspace package named $service under services/"
  root="$work/$service"
  cp -a "$base" "$root"
  bash scripts/prod-install.sh "${manifest%/package.json}" "$root/app" --prefer-offline >/dev/null
  [ "$service" != git ] || with_libs "$root" /usr/bin/git /usr/lib/git-core /usr/share/git-core /usr/bin/ssh
  $archive "$root" "$registry/$service:$tag" "$out/$service.tar" "$service"
  echo "$registry/$service:$tag $out/$service.tar"
  # The e2e suite's stand-in for another team's provider: the everything image's runtime (the SDK
  # and its dependencies) running test/e2e/fixtures/weather-provider.
  if [ "$service" = everything ]; then
    mkdir -p "$root/app/services/providers/weather/dist/src"
    cp test/dist/test/e2e/fixtures/weather-provider.js "$root/app/services/providers/weather/dist/src/main.js"
    $archive "$root" "$registry/weather:e2e" "$out/weather.tar" --config \
      '{"User":"10001:10001","Env":["PATH=/usr/local/bin:/usr/bin:/bin","NODE_ENV=production"],"WorkingDir":"/app","Entrypoint":["/usr/bin/tini","--"],"Cmd":["node","services/providers/weather/dist/src/main.js"],"ExposedPorts":{"50051/tcp":{}}}'
    echo "$registry/weather:e2e $out/weather.tar"
  fi
  rm -rf "$root"
}

# The e2e cluster's own images.
build_redis() {
  local root="$work/redis"
  skeleton "$root"
  with_libs "$root" /usr/bin/redis-server /usr/bin/redis-cli
  $archive "$root" "$registry/redis:e2e" "$out/redis.tar" --config \
    '{"User":"10001:10001","Env":["PATH=/usr/bin"],"Entrypoint":["redis-server"],"WorkingDir":"/tmp","ExposedPorts":{"6379/tcp":{}}}'
  echo "$registry/redis:e2e $out/redis.tar"
}

# PostgreSQL's server programs and data files, and a shell to start them with.
build_postgresql() {
  local root="$work/postgresql" share
  skeleton "$root"
  share=/usr/share/postgresql/$(basename "$(dirname "$pg")")
  with_libs "$root" "$(dirname "$pg")" "$share" /usr/bin/dash /usr/share/zoneinfo/UTC /usr/share/zoneinfo/Etc/UTC
  mkdir -p "$root/bin"
  ln -s /usr/bin/dash "$root/bin/sh"
  $archive "$root" "$registry/postgresql:e2e" "$out/postgresql.tar" --config \
    "{\"User\":\"999:999\",\"Env\":[\"PATH=$pg:/usr/bin:/bin\",\"TZ=UTC\"],\"WorkingDir\":\"/tmp\",\"ExposedPorts\":{\"5432/tcp\":{}}}"
  echo "$registry/postgresql:e2e $out/postgresql.tar"
}

build_pause() {
  local root="$work/pause" binary
  binary=$(bash scripts/build-cluster-tools.sh | awk '$1 == "pause" {print $2}')
  mkdir -p "$root"
  cp "$binary" "$root/pause"
  $archive "$root" "$registry/pause:e2e" "$out/pause.tar" --config '{"User":"65535:65535","Entrypoint":["/pause"]}'
  echo "$registry/pause:e2e $out/pause.tar"
}

# Jaeger v2, also run as the OTel collector (it is an OpenTelemetry Collector distribution).
build_jaeger() {
  local root="$work/jaeger" binary
  binary=$(bash scripts/jaeger.sh --build)
  skeleton "$root"
  cp "$binary" "$root/jaeger"
  $archive "$root" "$registry/jaeger:e2e" "$out/jaeger.tar" --config \
    '{"User":"10001:10001","Entrypoint":["/jaeger"],"WorkingDir":"/tmp","ExposedPorts":{"4317/tcp":{},"16686/tcp":{}}}'
  echo "$registry/jaeger:e2e $out/jaeger.tar"
}

for image in "${wanted[@]}"; do
  if [[ " ${extras[*]} " == *" $image "* ]]; then "build_$image"; else build_service "$image"; fi
done
