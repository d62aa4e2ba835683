#!/usr/bin/env bash
# Installs what is missing: the npm workspace, and with --services the PostgreSQL, Redis and
# OpenSSH servers the tests start. Safe to run again: it only acts on what is absent.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

command -v node >/dev/null || die "node is not installed (Node.js 20.12 or newer is required)"
node -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major > 20 || (major === 20 && minor >= 12) ? 0 : 1)' \
  || die "Node.js 20.12 or newer is required, found $(node --version)"

# npm ci when node_modules is missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund >&2
fi

if [ "${1:-}" = "--services" ]; then
  if [ -z "$(pg_bindir)" ]; then
    # Keep Debian's package from creating and starting a system-wide cluster: the tests make their own.
    mkdir -p /etc/postgresql-common
    [ -f /etc/postgresql-common/createcluster.conf ] || echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf
    apt_install postgresql
  fi
  command -v redis-server >/dev/null || apt_install redis-server
  if [ ! -x /usr/sbin/sshd ]; then
    # The git tests start their own sshd on loopback: keep the package from starting a system one.
    policy=/usr/sbin/policy-rc.d
    if [ "$(id -u)" -eq 0 ] && [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
      trap 'rm -f "$policy"' EXIT
    fi
    apt_install openssh-server
  fi
  [ -n "$(pg_bindir)" ] || die "PostgreSQL server binaries not found after install"
  command -v redis-server >/dev/null || die "redis-server not found after install"
  [ -x /usr/sbin/sshd ] || die "sshd not found after install"
fi
