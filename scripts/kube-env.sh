#!/usr/bin/env bash
# A throw-away Kubernetes control plane on loopback (etcd + kube-apiserver, no kubelet: objects
# are stored and served, pods never run), for the Kubernetes provider's tests and local use.
#   scripts/kube-env.sh up     build once (cached), start both, print KUBECONFIG=<file>
#   scripts/kube-env.sh down   stop both and delete their data
# The kubeconfig authenticates with a generated bearer token that belongs to system:masters;
# tests create narrower ServiceAccounts from it.
set -eEuo pipefail
source "$(dirname "$0")/lib.sh"
root=$(repo_root)
state="$root/.kube-env"
envfile="$state/env"

running() {
  [ -f "$envfile" ] || return 1
  # shellcheck disable=SC1090
  source "$envfile"
  api_ready "$MCPFLEET_KUBE_SERVER" "$MCPFLEET_KUBE_DIR/token"
}

api_ready() {
  node -e '
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    fetch(process.argv[1] + "/readyz", { headers: { authorization: "Bearer " + require("fs").readFileSync(process.argv[2], "utf8").trim() } })
      .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));' "$1" "$2" 2>/dev/null
}

down() {
  [ -f "$envfile" ] || return 0
  # shellcheck disable=SC1090
  source "$envfile"
  local name pid
  # The API server first (it drains against etcd), then etcd; whatever outlives 15 s is killed.
  for name in kube-apiserver etcd; do
    [ -f "${MCPFLEET_KUBE_DIR:-}/$name.pid" ] || continue
    pid=$(cat "$MCPFLEET_KUBE_DIR/$name.pid")
    kill "$pid" 2>/dev/null || continue
    TIMEOUT=15 wait_until exited "$pid" || kill -9 "$pid" 2>/dev/null || true
  done
  case "${MCPFLEET_KUBE_DIR:-}" in /tmp/mcpfleet-kube-env.*) rm -rf "$MCPFLEET_KUBE_DIR" ;; esac
  rm -f "$envfile"
  log "kubernetes control plane stopped"
}

up() {
  if running; then
    log "kubernetes control plane already running"
    cat "$envfile"
    return 0
  fi
  down
  local apiserver etcd dir etcd_port peer_port api_port token
  apiserver=$(bash "$root/scripts/build-kube-apiserver.sh")
  etcd=$(bash "$root/scripts/build-etcd.sh")
  dir=$(mktemp -d /tmp/mcpfleet-kube-env.XXXXXX)
  mkdir -p "$state"
  trap 'log "start-up failed; logs in $dir"; tail -n 20 "$dir"/*.log >&2 || true; down' ERR

  { read -r etcd_port; read -r peer_port; read -r api_port; } < <(free_ports 3)
  token=$(openssl rand -hex 24)
  printf '%s\n' "$token" >"$dir/token"
  printf '%s,fleet-admin,fleet-admin,system:masters\n' "$token" >"$dir/tokens.csv"
  openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  cat >"$envfile" <<ENV
MCPFLEET_KUBE_DIR=$dir
MCPFLEET_KUBE_SERVER=https://127.0.0.1:$api_port
KUBECONFIG=$dir/kubeconfig
ENV

  "$etcd" --data-dir "$dir/etcd" --unsafe-no-fsync \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port" >"$dir/etcd.log" 2>&1 &
  echo $! >"$dir/etcd.pid"
  "$apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" --cert-dir "$dir/certs" \
    --token-auth-file "$dir/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$dir/sa.pub" \
    --service-account-signing-key-file "$dir/sa.key" --service-cluster-ip-range 10.96.0.0/16 \
    >"$dir/kube-apiserver.log" 2>&1 &
  echo $! >"$dir/kube-apiserver.pid"
  TIMEOUT=90 wait_until api_ready "https://127.0.0.1:$api_port" "$dir/token" || { log "kube-apiserver did not become ready"; false; }

  # The serving certificate is self-signed by kube-apiserver into --cert-dir: trust exactly it.
  cat >"$dir/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: fleet-test
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority: $dir/certs/apiserver.crt
users:
- name: fleet-admin
  user:
    token: $token
contexts:
- name: fleet-test
  context: { cluster: fleet-test, user: fleet-admin, namespace: default }
current-context: fleet-test
KUBECONFIG
  chmod 600 "$dir/kubeconfig" "$dir/token" "$dir/tokens.csv"
  trap - ERR
  log "kubernetes control plane up: https://127.0.0.1:$api_port ($dir)"
  cat "$envfile"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) running && cat "$envfile" || die "kubernetes control plane is not running" ;;
  *) die "usage: $0 up|down|env" ;;
esac
