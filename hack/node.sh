#!/usr/bin/env bash
# The local cluster's real node: a kubelet (built with the control plane) on containerd +
# runc, a CNI bridge for pod networking, kube-proxy for ClusterIP Services and CoreDNS for
# cluster DNS, all on this machine beside the kwok nodes. Pods that must really run are
# scheduled here explicitly: the node is labelled troupe.dev/node=real and tainted
# troupe.dev/node=real:NoSchedule, so kwok-scale work never lands on it by accident.
#   hack/node.sh up KUBECONFIG CLUSTER_DIR   start (or reuse) the node
#   hack/node.sh down CLUSTER_DIR            stop it and undo every host change it made
#   hack/node.sh status CLUSTER_DIR          exit 0 when every component runs
#   hack/node.sh host-state CLUSTER_DIR      the host objects of the kinds `up` makes
# What it changes on the host, all undone by `down`: a bridge `troupe0` and a port-less bridge
# `troupe-svc` (the Service range's route, so no Service address ever leaves the machine),
# pod network namespaces, the iptables chains of kube-proxy and TROUPE-NODE, ip_forward
# (restored to its old value), mounts under the node's directories, kubepods cgroups.
# Images live in containerd's root under the cache dir and survive `down`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CACHE=${TROUPE_CACHE:-$HOME/.cache/troupe}
NODE_NAME=${TROUPE_NODE_NAME:-troupe-real-0}
POD_CIDR=${TROUPE_POD_CIDR:-198.18.0.0/16}
NODE_IP=${TROUPE_NODE_IP:-198.18.0.1}
SERVICE_CIDR=${TROUPE_SERVICE_CIDR:-198.19.0.0/16}
BRIDGE=troupe0
SVC_DEV=troupe-svc
KUBELET_PORT=${TROUPE_KUBELET_PORT:-10350}
CONTAINERD_ROOT=${TROUPE_CONTAINERD_ROOT:-$CACHE/containerd}
CNI_BIN=${TROUPE_CNI_BIN:-/usr/lib/cni}

say() { printf '[node %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

paths() {
  DIR=$1/node
  RUN=/run/troupe-node/$(basename "$1")
  SOCK=$RUN/containerd.sock
  LOGS=$DIR/logs
}

# Running, not a zombie: a killed component waits for this machine's init to reap it.
pid_alive() {
  local stat
  [ -f "$RUN/$1.pid" ] && stat=$(cat "/proc/$(cat "$RUN/$1.pid")/stat" 2>/dev/null) &&
    [ "$(echo "${stat##*) }" | cut -d' ' -f1)" != Z ]
}

# Start a component in its own session, logging to logs/NAME.log, its pid in RUN/NAME.pid.
start() {
  local name=$1
  shift
  pid_alive "$name" && return
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

stop() {
  local name=$1 pid
  [ -f "$RUN/$name.pid" ] || return 0
  pid=$(cat "$RUN/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
}

wait_until() {
  local what=$1 seconds=$2
  shift 2
  for _ in $(seq $((seconds * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  say "timed out after ${seconds}s waiting for $what"
  return 1
}

# Certificates signed by the cluster CA: the kubelet's client identity (system:node:NAME in
# system:nodes, so the Node authorizer scopes it), its serving certificate (the API server
# verifies it against the cluster CA for logs/exec), and kube-proxy's and CoreDNS's clients.
certs() {
  local pki=$1/pki out=$DIR/pki
  mkdir -p "$out"
  [ -f "$out/.ok" ] && cmp -s "$pki/ca.crt" "$out/ca.crt" && return
  cp "$pki/ca.crt" "$out/ca.crt"
  issue() { # name subject [san]
    openssl req -new -newkey rsa:2048 -nodes -keyout "$out/$1.key" -subj "$2" \
      -out "$out/$1.csr" 2>/dev/null
    local ext="$out/$1.ext"
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n' >"$ext"
    if [ -n "${3:-}" ]; then
      printf 'extendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$3" >>"$ext"
    else
      printf 'extendedKeyUsage=clientAuth\n' >>"$ext"
    fi
    openssl x509 -req -in "$out/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
      -CAcreateserial -days 3650 -sha256 -extfile "$ext" -out "$out/$1.crt" 2>/dev/null
    rm -f "$out/$1.csr" "$ext"
  }
  issue kubelet "/O=system:nodes/CN=system:node:$NODE_NAME"
  issue kubelet-serving "/O=system:nodes/CN=system:node:$NODE_NAME" \
    "DNS:$NODE_NAME,DNS:localhost,IP:$NODE_IP,IP:127.0.0.1"
  issue kube-proxy "/CN=system:kube-proxy"
  issue coredns "/CN=troupe:coredns"
  touch "$out/.ok"
}

kubeconfig_for() { # name -> a kubeconfig with that client certificate
  local name=$1 server=$2
  cat >"$DIR/$name.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "$server", certificate-authority: "$DIR/pki/ca.crt"}}]
users: [{name: $name, user: {client-certificate: "$DIR/pki/$name.crt", client-key: "$DIR/pki/$name.key"}}]
contexts: [{name: local, context: {cluster: local, user: $name}}]
current-context: local
EOF
}

write_configs() {
  mkdir -p "$DIR/cni" "$DIR/cni-ipam" "$DIR/kubelet"
  cat >"$DIR/containerd.toml" <<EOF
version = 2
root = "$CONTAINERD_ROOT"
state = "$RUN/containerd"
[grpc]
  address = "$SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/troupe/pause:1"
  # No CAP_SYS_RESOURCE here: an OOM score below containerd's own (the pause sandbox's
  # -998, a Guaranteed pod's -997) would fail every container start, so it is capped.
  restrict_oom_score_adj = true
  enable_cdi = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$DIR/cni"
EOF
  # No masquerade: pods talk to each other and to this host only (see TROUPE-NODE below).
  cat >"$DIR/cni/10-troupe.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "troupe", "plugins": [
  {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false,
   "hairpinMode": true, "ipam": {"type": "host-local", "dataDir": "$DIR/cni-ipam",
   "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$NODE_IP"}]],
   "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}
]}
EOF
  cat >"$DIR/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzPort: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$DIR/pki/ca.crt"}
authorization: {mode: Webhook}
tlsCertFile: "$DIR/pki/kubelet-serving.crt"
tlsPrivateKeyFile: "$DIR/pki/kubelet-serving.key"
cgroupDriver: cgroupfs
containerRuntimeEndpoint: "unix://$SOCK"
imageServiceEndpoint: "unix://$SOCK"
clusterDNS: ["$NODE_IP"]
clusterDomain: cluster.local
resolvConf: "$DIR/resolv.conf"
failSwapOn: false
failCgroupV1: false
registerWithTaints: [{key: troupe.dev/node, value: real, effect: NoSchedule}]
serializeImagePulls: false
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
evictionHard: {memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2%}
maxPods: 60
podPidsLimit: 4096
containerLogMaxSize: 20Mi
shutdownGracePeriod: 0s
EOF
  # Pods resolve cluster names only: a lookup of anything else fails at once, never leaves.
  printf 'nameserver %s\n' "$NODE_IP" >"$DIR/resolv.conf"
  cat >"$DIR/Corefile" <<EOF
.:53 {
  bind $NODE_IP
  errors
  health 127.0.0.1:18053
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    kubeconfig $DIR/coredns.kubeconfig local
    pods insecure
    fallthrough in-addr.arpa ip6.arpa
  }
  cache 5
}
EOF
}

# RBAC for the two clients that are not built in: kube-proxy's identity has a built-in
# ClusterRole (system:node-proxier); CoreDNS reads Services, EndpointSlices, namespaces, pods.
apply_rbac() {
  kubectl --kubeconfig "$1" apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: troupe-node:kube-proxy}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:node-proxier}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: system:kube-proxy}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: troupe-node:coredns}
rules:
- {apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: troupe-node:coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: troupe-node:coredns}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: troupe:coredns}]
EOF
}

network_up() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$NODE_IP/${POD_CIDR#*/}" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
  if ! ip link show "$SVC_DEV" >/dev/null 2>&1; then
    ip link add "$SVC_DEV" type bridge # no ports: what is routed here goes nowhere
    ip link set "$SVC_DEV" up
    ip route add "$SERVICE_CIDR" dev "$SVC_DEV"
  fi
  [ -f "$RUN/ip_forward" ] || cat /proc/sys/net/ipv4/ip_forward >"$RUN/ip_forward"
  echo 1 >/proc/sys/net/ipv4/ip_forward
  echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || true
  # Pod traffic to anywhere but pods, Services and this host is dropped: nothing leaves.
  if ! iptables -w -nL TROUPE-NODE >/dev/null 2>&1; then
    iptables -w -N TROUPE-NODE
    iptables -w -A TROUPE-NODE -s "$POD_CIDR" -d "$POD_CIDR" -j RETURN
    iptables -w -A TROUPE-NODE -s "$POD_CIDR" -j DROP
    iptables -w -A TROUPE-NODE -d "$POD_CIDR" -j ACCEPT
    iptables -w -I FORWARD -j TROUPE-NODE
  fi
}

# The kubelet's own chains (its canaries, KUBE-FIREWALL, kube-proxy's hint), which
# `kube-proxy --cleanup` leaves: every KUBE-* chain of both families, jumps to them first.
kube_chains_down() {
  local cmd table rule chain
  for cmd in iptables ip6tables; do
    for table in filter nat mangle; do
      { $cmd -w -t "$table" -S 2>/dev/null | grep -E '^-A [A-Z]+ .*-j KUBE-' |
        grep -vE '^-A KUBE-' || true; } | while read -r rule; do
        eval "$cmd -w -t $table ${rule/-A/-D}" 2>/dev/null || true
      done
      for chain in $($cmd -w -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/{print $2}'); do
        $cmd -w -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $($cmd -w -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/{print $2}'); do
        $cmd -w -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

network_down() {
  kube_chains_down
  if iptables -w -nL TROUPE-NODE >/dev/null 2>&1; then
    iptables -w -D FORWARD -j TROUPE-NODE 2>/dev/null || true
    iptables -w -F TROUPE-NODE
    iptables -w -X TROUPE-NODE
  fi
  ip link del "$SVC_DEV" 2>/dev/null || true
  ip link del "$BRIDGE" 2>/dev/null || true
  if [ -f "$RUN/ip_forward" ]; then
    cat "$RUN/ip_forward" >/proc/sys/net/ipv4/ip_forward
    rm -f "$RUN/ip_forward"
  fi
}

ctr_() { ctr --address "$SOCK" -n k8s.io "$@"; }

# The sandbox image: a static pause binary in a one-layer image, built here (no registry).
pause_image() {
  ctr_ images check "name==localhost/troupe/pause:1" 2>/dev/null | grep -q pause && return
  python3 "$here/node/pause_image.py" "$SOCK" >&2
}

up() {
  local kubeconfig=$1
  paths "$2"
  mkdir -p "$DIR" "$RUN" "$LOGS" "$CONTAINERD_ROOT"
  local bin server
  bin=$("$here/build-binaries.sh")
  server=$(kubectl --kubeconfig "$kubeconfig" config view --minify -o jsonpath='{.clusters[0].cluster.server}')
  certs "$2"
  kubeconfig_for kubelet "$server"
  kubeconfig_for kube-proxy "$server"
  kubeconfig_for coredns "$server"
  write_configs
  network_up
  apply_rbac "$kubeconfig"
  start containerd containerd --config "$DIR/containerd.toml"
  wait_until containerd 30 ctr --address "$SOCK" version
  pause_image
  start kube-proxy "$bin/kube-proxy" --kubeconfig "$DIR/kube-proxy.kubeconfig" \
    --hostname-override "$NODE_NAME" --cluster-cidr "$POD_CIDR" --proxy-mode iptables \
    --bind-address 127.0.0.1 --healthz-bind-address 127.0.0.1:10356 \
    --metrics-bind-address 127.0.0.1:10359 --conntrack-max-per-core 0 \
    --iptables-localhost-nodeports=false
  start coredns "$bin/coredns" -conf "$DIR/Corefile"
  start kubelet "$bin/kubelet" --config "$DIR/kubelet.yaml" --kubeconfig "$DIR/kubelet.kubeconfig" \
    --root-dir "$DIR/kubelet" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" \
    --node-labels "troupe.dev/node=real,type=real" --v 1
  wait_until "node $NODE_NAME Ready" 120 node_ready "$kubeconfig"
  wait_until "CoreDNS" 30 curl -fsS http://127.0.0.1:18053/health
  say "node $NODE_NAME ready (pods $POD_CIDR, DNS $NODE_IP)"
}

node_ready() {
  kubectl --kubeconfig "$1" get node "$NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True
}

status() {
  paths "$1"
  local c
  for c in containerd kube-proxy coredns kubelet; do pid_alive "$c" || return 1; done
}

# Undo everything `up` did: kubelet first (so it restarts nothing), then every pod sandbox
# and container, mounts under the node's dirs, containerd, kube-proxy's rules, the network.
down() {
  paths "$1"
  [ -d "$DIR" ] || return 0 # this cluster never had a node
  stop kubelet
  stop coredns
  if pid_alive containerd; then
    { ctr_ tasks ls -q 2>/dev/null || true; } | while read -r t; do
      ctr_ tasks kill -s KILL "$t" 2>/dev/null || true
    done
    { ctr_ containers ls -q 2>/dev/null || true; } | while read -r c; do
      ctr_ tasks delete -f "$c" >/dev/null 2>&1 || true
      ctr_ containers rm "$c" >/dev/null 2>&1 || true
    done
  fi
  stop containerd
  # Shims outlive containerd; their containers go with them.
  pkill -9 -f "containerd-shim-runc-v2 .*-address $SOCK" 2>/dev/null || true
  stop kube-proxy
  "$(bin_dir)/kube-proxy" --cleanup >/dev/null 2>&1 || true
  unmount_under "$DIR"
  unmount_under "$RUN"
  unmount_under "$CONTAINERD_ROOT"
  for ns in $(ip netns list 2>/dev/null | awk '/^cni-/{print $1}'); do ip netns del "$ns" 2>/dev/null || true; done
  network_down
  remove_cgroups
  rm -rf "$DIR/kubelet" "$DIR/cni-ipam" "$RUN"
  say "node $NODE_NAME down"
}

bin_dir() { "$here/build-binaries.sh" 2>/dev/null; }

unmount_under() {
  local root=$1
  [ -d "$root" ] || return 0
  awk -v r="$root" '$2 ~ "^"r {print $2}' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
}

# The kubelet's pod cgroups (cgroupfs driver): innermost first, in every v1 hierarchy.
remove_cgroups() {
  local h
  for h in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/kubepods.slice; do
    [ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

# The host objects of the kinds `up` makes, a line each: `down` must leave none that was
# not there before `up` (compare two calls; CI does).
host_state() {
  paths "$1"
  set +e +o pipefail # each probe may find nothing
  ip -br link show "$BRIDGE" 2>/dev/null | awk '{print "link " $1}'
  ip -br link show "$SVC_DEV" 2>/dev/null | awk '{print "link " $1}'
  ip netns list 2>/dev/null | awk '/^cni-/{print "netns " $1}'
  local cmd table
  for cmd in iptables ip6tables; do
    for table in filter nat mangle; do
      $cmd -w -t "$table" -S 2>/dev/null | grep -E '^-N (TROUPE-NODE|KUBE-)' |
        sed "s/^/$cmd $table /"
    done
  done
  awk -v d="$DIR" -v r="$RUN" -v c="$CONTAINERD_ROOT" \
    'index($2, d) == 1 || index($2, r) == 1 || index($2, c) == 1 {print "mount " $2}' /proc/mounts
  ls -d /sys/fs/cgroup/*/kubepods 2>/dev/null | sed 's/^/cgroup /'
  pgrep -af "containerd-shim-runc-v2 .*-address $SOCK" | sed 's/^/process /'
  pgrep -af "versitygw .*$DIR" | sed 's/^[0-9]* /process /' # the store (hack/store.sh)
  echo "ip_forward $(cat /proc/sys/net/ipv4/ip_forward)"
  set -e -o pipefail
}

case "${1:-}" in
  host-state) host_state "${2:?cluster dir}" ;;
  up) up "${2:?kubeconfig}" "${3:?cluster dir}" ;;
  down) down "${2:?cluster dir}" ;;
  status) status "${2:?cluster dir}" ;;
  *) echo "usage: $0 up KUBECONFIG CLUSTER_DIR | down CLUSTER_DIR | status CLUSTER_DIR" >&2; exit 2 ;;
esac
