#!/usr/bin/env bash
# A real single-node Kubernetes on this machine, for the e2e suite (make e2e) and local trials:
#   scripts/cluster.sh up     build once (cached in ~/.cache/mcp-fleet), start it, import the
#                             images `make images` wrote (building them when there are none),
#                             print KUBECONFIG=<file> and the node's address
#   scripts/cluster.sh down   stop it and remove everything it added to the machine
#   scripts/cluster.sh env    print the env lines of the running cluster
# Everything binds to one address added to `lo` ($MCPFLEET_CLUSTER_NODE_IP, a /32: kubelet refuses
# loopback) and to its own ports, with its own containerd, data under $MCPFLEET_CLUSTER_DIR. Pods get
# 10.244.0.0/24 on the bridge mcpfleet0, Services 10.97.0.0/24. NetworkPolicies are enforced by
# kube-router (firewall only), Services by kube-proxy (iptables), DNS by CoreDNS on the node address.
# Needs root (mounts, iptables, network namespaces).
set -eEuo pipefail
source "$(dirname "$0")/lib.sh"
root=$(repo_root)
dir=${MCPFLEET_CLUSTER_DIR:-/tmp/mcpfleet-cluster}
node_ip=${MCPFLEET_CLUSTER_NODE_IP:-172.31.250.1}
node=mcpfleet-node
api_port=16443
pod_cidr=10.244.0.0/24
service_cidr=10.97.0.0/24
bridge=mcpfleet0
envfile="$dir/env"
ctr_sock="$dir/containerd/containerd.sock"
# Stopped in this order by down (kubelet before the runtime, the API server before etcd).
sysctls=(net.ipv4.ip_forward net.ipv4.conf.all.route_localnet net.bridge.bridge-nf-call-iptables
  vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
processes=(metrics-server kube-router kube-proxy coredns kubelet kube-controller-manager kube-scheduler kube-apiserver containerd etcd)

[ "$(id -u)" -eq 0 ] || die "cluster.sh needs root (mounts, iptables, network namespaces)"
# A step that fails names itself (up adds its components' logs): CI shows only the output's tail.
# Not inside command substitutions, which set -E hands the trap to but where a failure does not end
# the script; under pipefail the failed stage is the one with a non-zero status, not $BASH_COMMAND.
trap 'status=$? stages=${PIPESTATUS[*]}; [ "$BASH_SUBSHELL" -ne 0 ] || log "failed (exit $status, pipeline $stages) at line $LINENO: $BASH_COMMAND"' ERR

kubectl_() { "$(bash "$root/scripts/build-kube.sh" kubectl)" --kubeconfig "$dir/kubeconfig" "$@"; }
api_ready() { kubectl_ get --raw /readyz; }
node_ready() { [ "$(kubectl_ get node "$node" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" = True ]; }

start() {
  local name=$1
  shift
  "$@" >"$dir/logs/$name.log" 2>&1 &
  echo $! >"$dir/pids/$name"
}

deps() {
  local missing=()
  for tool in containerd runc iptables ipset conntrack openssl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
  [ "${#missing[@]}" -eq 0 ] || apt_install containerd runc containernetworking-plugins iptables conntrack ipset openssl
}

# A CA, the API server's serving certificate and one system:masters client certificate every
# component uses (a throw-away test cluster), and the service-account signing key.
certs() {
  local pki=$dir/pki
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 2 -subj /CN=mcpfleet-e2e-ca 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" -subj /CN=kube-apiserver 2>/dev/null
  printf 'subjectAltName=IP:%s,IP:10.97.0.1,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n' "$node_ip" >"$pki/san.ext"
  openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
    -extfile "$pki/san.ext" -out "$pki/apiserver.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$pki/admin.key" -out "$pki/admin.csr" -subj "/O=system:masters/CN=fleet-admin" 2>/dev/null
  openssl x509 -req -in "$pki/admin.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 2 -out "$pki/admin.crt" 2>/dev/null
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  cat >"$dir/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: mcpfleet-e2e
  cluster: {server: "https://$node_ip:$api_port", certificate-authority: $pki/ca.crt}
users:
- name: fleet-admin
  user: {client-certificate: $pki/admin.crt, client-key: $pki/admin.key}
contexts:
- name: mcpfleet-e2e
  context: {cluster: mcpfleet-e2e, user: fleet-admin, namespace: default}
current-context: mcpfleet-e2e
KUBECONFIG
  chmod 600 "$dir/kubeconfig" "$pki"/*.key
}

# The runtime's, CNI's, kubelet's, kube-proxy's and CoreDNS's configuration files, from templates
# under deploy/cluster with this cluster's addresses and directories filled in.
configs() {
  local template
  for template in "$root"/deploy/cluster/*.tmpl; do
    sed -e "s|@DIR@|$dir|g" -e "s|@NODE_IP@|$node_ip|g" -e "s|@NODE@|$node|g" -e "s|@POD_CIDR@|$pod_cidr|g" \
      -e "s|@BRIDGE@|$bridge|g" -e "s|@API_PORT@|$api_port|g" "$template" >"$dir/$(basename "${template%.tmpl}")"
  done
  mkdir -p "$dir/cni/net.d"
  mv "$dir/10-mcpfleet.conflist" "$dir/cni/net.d/"
}

# Builds (once, cached) every program the cluster runs; prints `name path` lines, or fails with the
# first build that fails (errexit does not reach into the command substitution this runs in).
binaries() {
  local name path
  for name in kubelet kube-proxy kube-scheduler kube-controller-manager kubectl kube-apiserver; do
    path=$(bash "$root/scripts/build-kube.sh" "$name") || return 1
    echo "$name $path"
  done
  path=$(bash "$root/scripts/build-etcd.sh") || return 1
  echo "etcd $path"
  bash "$root/scripts/build-cluster-tools.sh" || return 1
}

up() {
  if [ -f "$envfile" ] && api_ready >/dev/null 2>&1; then
    log "cluster already running"
    cat "$envfile"
    return 0
  fi
  down
  deps
  local bin images name path programs
  declare -A bin
  programs=$(binaries)
  while read -r name path; do bin[$name]=$path; done <<<"$programs"
  images=${MCPFLEET_IMAGES_DIR:-$HOME/.cache/mcp-fleet/images}
  compgen -G "$images/*.tar" >/dev/null || bash "$root/scripts/build-images.sh" >/dev/null

  mkdir -p "$dir"/{logs,pids}
  # die exits without ERR: the components' logs are shown on any failed exit while starting.
  trap 'status=$?; [ "$status" -eq 0 ] || { log "start-up failed (exit $status); logs in $dir/logs"; tail -n 15 "$dir"/logs/*.log >&2 || true; }' EXIT
  ip netns list | awk '{print $1}' >"$dir/netns-before"
  ip addr add "$node_ip/32" dev lo
  # Folders kubelet creates outside its root whatever it is told: removed on down if it made them.
  for name in /var/log/containers /var/log/pods; do [ -e "$name" ] || echo "$name" >>"$dir/created-dirs"; done
  certs
  configs
  # Pods' traffic is routed by the host, and replies between pods on the bridge pass iptables
  # (kube-proxy's Service NAT) only with br_netfilter.
  # Kernel settings this cluster changes (kubelet sets its "kernel tunables" too): down restores them.
  { sysctl "${sysctls[@]}" 2>/dev/null || true; } | sed 's/ = /=/' >"$dir/sysctl-before"
  sysctl -qw net.ipv4.ip_forward=1
  # Pods reach pods, Services and the node, never another machine: what leaves the bridge for any
  # other interface is dropped. (Without this, a connection opened to a Service's address before
  # kube-proxy wrote its rules followed the default route out of this machine.)
  iptables -t mangle -A FORWARD -i "$bridge" ! -o "$bridge" -j DROP
  [ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" = 1 ] \
    || sysctl -qw net.bridge.bridge-nf-call-iptables=1 || die "the kernel's br_netfilter is needed (modprobe br_netfilter)"

  start etcd "${bin[etcd]}" --data-dir "$dir/etcd" --unsafe-no-fsync \
    --listen-client-urls http://127.0.0.1:23790 --advertise-client-urls http://127.0.0.1:23790 \
    --listen-peer-urls http://127.0.0.1:23800 --initial-advertise-peer-urls http://127.0.0.1:23800 \
    --initial-cluster default=http://127.0.0.1:23800 --listen-metrics-urls http://127.0.0.1:23810
  start kube-apiserver "${bin[kube-apiserver]}" --etcd-servers http://127.0.0.1:23790 \
    --bind-address "$node_ip" --advertise-address "$node_ip" --secure-port "$api_port" \
    --tls-cert-file "$dir/pki/apiserver.crt" --tls-private-key-file "$dir/pki/apiserver.key" \
    --client-ca-file "$dir/pki/ca.crt" --authorization-mode Node,RBAC \
    --kubelet-client-certificate "$dir/pki/admin.crt" --kubelet-client-key "$dir/pki/admin.key" \
    --kubelet-preferred-address-types InternalIP \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$dir/pki/sa.pub" \
    --service-account-signing-key-file "$dir/pki/sa.key" --service-cluster-ip-range "$service_cidr" \
    --requestheader-client-ca-file "$dir/pki/ca.crt" --requestheader-username-headers X-Remote-User \
    --requestheader-group-headers X-Remote-Group --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$dir/pki/admin.crt" --proxy-client-key-file "$dir/pki/admin.key" \
    --enable-aggregator-routing=true
  TIMEOUT=90 wait_until api_ready || die "kube-apiserver did not become ready"
  start containerd containerd --config "$dir/containerd.toml"
  TIMEOUT=30 wait_until ctr -a "$ctr_sock" version || die "containerd did not start"
  # The images, imported into the namespace the CRI plugin reads.
  for name in "$images"/*.tar; do
    ctr -a "$ctr_sock" -n k8s.io images import "$name" >/dev/null || die "importing $name failed"
  done
  start kube-scheduler "${bin[kube-scheduler]}" --kubeconfig "$dir/kubeconfig" --bind-address "$node_ip" --leader-elect=false
  start kube-controller-manager "${bin[kube-controller-manager]}" --kubeconfig "$dir/kubeconfig" \
    --bind-address "$node_ip" --leader-elect=false --use-service-account-credentials=false \
    --service-account-private-key-file "$dir/pki/sa.key" --root-ca-file "$dir/pki/ca.crt" \
    --service-cluster-ip-range "$service_cidr" --controllers '*,-nodeipam,-cloud-node-lifecycle'
  start kubelet "${bin[kubelet]}" --config "$dir/kubelet.yaml" --kubeconfig "$dir/kubeconfig" \
    --root-dir "$dir/kubelet" --hostname-override "$node" --node-ip "$node_ip"
  start kube-proxy "${bin[kube-proxy]}" --config "$dir/kube-proxy.yaml"
  start coredns "${bin[coredns]}" -conf "$dir/Corefile"
  TIMEOUT=90 wait_until node_ready || die "the node did not become Ready"
  start kube-router "${bin[kube-router]}" --kubeconfig "$dir/kubeconfig" --hostname-override "$node" \
    --run-firewall=true --run-router=false --run-service-proxy=false --enable-ipv6=false \
    --health-port 20244 --metrics-port 0
  start metrics-server "${bin[metrics-server]}" --kubeconfig "$dir/kubeconfig" \
    --authentication-kubeconfig "$dir/kubeconfig" --authorization-kubeconfig "$dir/kubeconfig" \
    --bind-address "$node_ip" --secure-port 4443 --cert-dir "$dir/metrics-server" \
    --kubelet-insecure-tls --kubelet-preferred-address-types InternalIP --metric-resolution 15s
  kubectl_ apply -f "$dir/metrics-api.yaml" >/dev/null
  cat >"$envfile" <<ENV
KUBECONFIG=$dir/kubeconfig
MCPFLEET_CLUSTER_DIR=$dir
MCPFLEET_CLUSTER_NODE_IP=$node_ip
MCPFLEET_KUBECTL=${bin[kubectl]}
MCPFLEET_CONTAINERD_SOCKET=$ctr_sock
ENV
  trap - EXIT
  log "cluster up: node $node ($node_ip), API https://$node_ip:$api_port, logs in $dir/logs"
  cat "$envfile"
}

# Every process in a cgroup tree (v1: the pids controller; v2: the unified hierarchy).
cgroup_pids() {
  local tree
  for tree in /sys/fs/cgroup/pids/kubepods /sys/fs/cgroup/kubepods; do
    [ ! -d "$tree" ] || find "$tree" -name cgroup.procs -exec cat {} + 2>/dev/null || true
  done
  return 0
}

# Rules and chains the cluster added (kube-proxy, kube-router, the CNI bridge's masquerading),
# removed from each table while every other rule stays as it was.
clean_iptables() {
  local save restore table dump pattern="(KUBE-|CNI-|$bridge|10\\.244\\.0\\.|10\\.97\\.0\\.)"
  for save in iptables-save ip6tables-save iptables-legacy-save ip6tables-legacy-save; do
    command -v "$save" >/dev/null || continue
    restore=${save/-save/-restore}
    for table in filter nat mangle raw; do
      # Read whole first: grep -q ending the pipe early would fail the save under pipefail.
      dump=$("$save" -t "$table" 2>/dev/null) || continue
      grep -Eq -- "$pattern" <<<"$dump" || continue
      grep -Ev -- "$pattern" <<<"$dump" | "$restore" -T "$table" || log "could not clean $save -t $table"
    done
  done
  # A machine that never ran the cluster may have no ipset (up installs it): nothing to destroy then.
  command -v ipset >/dev/null || return 0
  { ipset list -n 2>/dev/null || true; } | { grep -E '^(inet6:)?KUBE-' || true; } | while read -r set; do ipset destroy "$set" 2>/dev/null || true; done
}

down() {
  local name pid mnt ns
  if [ ! -d "$dir" ]; then
    # Nothing of ours runs; rules a failed earlier down left behind still go.
    clean_iptables
    ip addr del "$node_ip/32" dev lo 2>/dev/null || true
    return 0
  fi
  for name in "${processes[@]}"; do
    [ -f "$dir/pids/$name" ] || continue
    pid=$(cat "$dir/pids/$name")
    # A pid file outliving its process (a reboot, a killed run) may name someone else's by now.
    grep -qsF -- "$dir/" "/proc/$pid/cmdline" || continue
    kill "$pid" 2>/dev/null || continue
    TIMEOUT=15 wait_until exited "$pid" || kill -9 "$pid" 2>/dev/null || true
    # The containers outlive the runtime: stop them right after kubelet.
    if [ "$name" = kubelet ]; then
      for pid in $(cgroup_pids); do kill -9 "$pid" 2>/dev/null || true; done
    fi
  done
  # containerd's shims (started with its socket's address), then whatever is still in a pod cgroup.
  for pid in $({ grep -lsF -- "$ctr_sock" /proc/[0-9]*/cmdline || true; } | cut -d/ -f3); do kill -9 "$pid" 2>/dev/null || true; done
  for pid in $(cgroup_pids); do kill -9 "$pid" 2>/dev/null || true; done
  # Pod volumes, container root filesystems, sandbox /dev/shm: deepest first.
  awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r | while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" || true
  done
  if [ -f "$dir/netns-before" ]; then
    ip netns list | awk '{print $1}' | grep -E '^cni-' | grep -vxFf "$dir/netns-before" | while read -r ns; do
      ip netns delete "$ns" || true
    done || true
  fi
  ip link delete "$bridge" 2>/dev/null || true
  # kubelet links every container's log into /var/log/containers, whatever podLogsDir says.
  find /var/log/containers -maxdepth 1 -lname "$dir/*" -delete 2>/dev/null || true
  [ ! -f "$dir/created-dirs" ] || xargs -r rmdir --ignore-fail-on-non-empty <"$dir/created-dirs" 2>/dev/null || true
  # containerd 1.6 keeps its shims' sockets and fifos in /run/containerd whatever its state dir:
  # remove those no process listens on any more, then the folders left empty.
  # (A cluster killed while starting has no shim folder yet.)
  if [ -d /run/containerd/s ]; then
    ss -xlH | awk '{print $5}' | sort -u >"$dir/listening"
    { find /run/containerd/s -type s 2>/dev/null || true; } | { grep -vxFf "$dir/listening" || true; } | xargs -r rm -f
  fi
  [ ! -d /run/containerd ] || find /run/containerd -mindepth 1 -depth -type d -empty -delete 2>/dev/null || true
  clean_iptables
  find /sys/fs/cgroup/*/kubepods -depth -type d -exec rmdir {} + 2>/dev/null || true
  ip addr del "$node_ip/32" dev lo 2>/dev/null || true
  [ ! -f "$dir/sysctl-before" ] || xargs -r sysctl -qw <"$dir/sysctl-before" || log "could not restore every kernel setting"
  rm -rf "$dir"
  log "cluster down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) [ -f "$envfile" ] && cat "$envfile" || die "the cluster is not running" ;;
  *) die "usage: $0 up|down|env" ;;
esac
