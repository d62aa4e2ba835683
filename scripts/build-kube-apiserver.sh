#!/usr/bin/env bash
# Builds kube-apiserver from Go modules once (see build-kube.sh). Prints the binary's path.
exec bash "$(dirname "$0")/build-kube.sh" kube-apiserver
