#!/usr/bin/env bash
# The local cluster every Troupe test and demo runs on: real etcd, kube-apiserver,
# kube-controller-manager and kube-scheduler (built by build-binaries.sh) under
# `kwokctl --runtime binary`, with kwok fake nodes standing in for kubelets.
#   hack/cluster.sh up     start (or reuse) the cluster; prints the kubeconfig path
#   hack/cluster.sh down   delete it
# Settings (environment): TROUPE_CLUSTER (name), TROUPE_KUBECONFIG (path), TROUPE_NODES,
# TROUPE_AUDIT_POLICY (an audit policy file; the log lands in ~/.kwok/clusters/NAME/logs),
# TROUPE_KWOK_CONFIG (a kwokctl config file, e.g. the bench's own kwok Stages).
#
# `kubectl logs` works: kwok serves container logs as the nodes' "kubelet". Every node's
# status gets kwok's server as its kubelet (address Hostname=localhost, daemonEndpoints port =
# kwok's port), the API server proxies /pods/log there (verifying kwok's certificate against
# the cluster CA), and kwok answers from the Logs/ClusterLogs objects (kwok.x-k8s.io/v1alpha1,
# enabled as CRDs here) that map a pod's containers to a CRI-format log file on this machine;
# tests/support/logs.py writes those.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CACHE=${TROUPE_CACHE:-$HOME/.cache/troupe}
NAME=${TROUPE_CLUSTER:-troupe}
KUBECONFIG_PATH=${TROUPE_KUBECONFIG:-$CACHE/kubeconfig}
NODES=${TROUPE_NODES:-4}
export KWOK_KUBE_VERSION=${K8S_VERSION:-v1.34.4}
WORKDIR=${KWOK_WORKDIR:-$HOME/.kwok}/clusters/$NAME
# kwok resources served from the API (objects tests create) rather than from a config file.
CRDS=Logs,ClusterLogs
# The real node (hack/node.sh): on by default where we are root, which it needs.
REAL_NODE=${TROUPE_REAL_NODE:-$([ "$(id -u)" = 0 ] && echo 1 || echo 0)}
SERVICE_CIDR=${TROUPE_SERVICE_CIDR:-198.19.0.0/16}
# The `kubernetes` Service's ClusterIP, the first of the range: in-cluster clients
# (KUBERNETES_SERVICE_HOST) verify the API server's certificate against it, so it is a SAN.
base=${SERVICE_CIDR%/*}
API_SERVICE_IP=${base%.*}.1

say() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

BIN=$("$here/build-binaries.sh")
KWOKCTL="$BIN/kwokctl"

healthy() {
  [ -f "$KUBECONFIG_PATH" ] && kubectl --kubeconfig "$KUBECONFIG_PATH" --request-timeout=5s \
    get --raw /readyz >/dev/null 2>&1
}

# Created by this script as it is now (a cluster from before the real node is not):
# kwokctl keeps the components' arguments in the cluster's kwok.yaml.
current() {
  grep -q -- "--enable-crds=$CRDS" "$WORKDIR/kwok.yaml" 2>/dev/null &&
    grep -q -- "--service-cluster-ip-range=$SERVICE_CIDR" "$WORKDIR/kwok.yaml" &&
    grep -q -- "--manage-nodes-with-annotation-selector=" "$WORKDIR/kwok.yaml" &&
    openssl x509 -in "$WORKDIR/pki/admin.crt" -noout -ext subjectAltName 2>/dev/null |
    grep -q "IP Address:$API_SERVICE_IP\b"
}

# kwokctl takes extra SANs for the API server's certificate only from a config file.
cert_config() {
  local file="$CACHE/kwokctl-$NAME-sans.yaml"
  cat >"$file" <<SANS
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  kubeApiserverCertSANs: ["$API_SERVICE_IP"]
SANS
  echo "$file"
}

# Nodes with the capacity training jobs ask for; kwok plays their kubelets.
apply_nodes() {
  local count=$1 i
  for ((i = 0; i < count; i++)); do
    cat <<NODE
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {kubernetes.io/hostname: kwok-node-$i, kubernetes.io/os: linux, type: kwok}
status:
  allocatable: {cpu: "32", memory: 256Gi, nvidia.com/gpu: "8", pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, nvidia.com/gpu: "8", pods: "110"}
NODE
  done | kubectl --kubeconfig "$KUBECONFIG_PATH" apply -f - >/dev/null
}

up() {
  local start=$SECONDS
  if healthy && current; then
    say "reusing running cluster $NAME"
  else
    if healthy; then
      say "cluster $NAME was made by an older hack/cluster.sh: recreating it"
      down >/dev/null 2>&1 # the node's kubelet trusts the old CA
    fi
    "$KWOKCTL" delete cluster --name "$NAME" >/dev/null 2>&1 || true
    say "creating cluster $NAME (kube $KWOK_KUBE_VERSION)"
    mkdir -p "$(dirname "$KUBECONFIG_PATH")"
    # kwokctl v0.8.0 groups --extra-args by the position of each component's first one:
    # every component's first flag must come before any component's second.
    "$KWOKCTL" create cluster --name "$NAME" --runtime binary \
      --kubeconfig "$KUBECONFIG_PATH" \
      --etcd-binary "$BIN/etcd" \
      --kube-apiserver-binary "$BIN/kube-apiserver" \
      --kube-controller-manager-binary "$BIN/kube-controller-manager" \
      --kube-scheduler-binary "$BIN/kube-scheduler" \
      --kwok-controller-binary "$BIN/kwok" \
      --enable-crds "$CRDS" \
      --config "$(cert_config)" \
      --extra-args "kube-apiserver=kubelet-certificate-authority=$WORKDIR/pki/ca.crt" \
      --extra-args "kube-controller-manager=service-cluster-ip-range=$SERVICE_CIDR" \
      --extra-args "kwok-controller=manage-all-nodes=false" \
      --extra-args "kube-apiserver=kubelet-client-certificate=$WORKDIR/pki/admin.crt" \
      --extra-args "kube-apiserver=kubelet-client-key=$WORKDIR/pki/admin.key" \
      --extra-args "kube-apiserver=kubelet-preferred-address-types=InternalIP,Hostname" \
      --extra-args "kube-apiserver=service-cluster-ip-range=$SERVICE_CIDR" \
      --extra-args "kwok-controller=manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake" \
      ${TROUPE_AUDIT_POLICY:+--kube-audit-policy "$TROUPE_AUDIT_POLICY"} \
      ${TROUPE_KWOK_CONFIG:+--config "$TROUPE_KWOK_CONFIG"} \
      --wait 120s >&2
  fi
  apply_nodes "$NODES"
  if [ "$REAL_NODE" = 1 ]; then
    "$here/node.sh" status "$WORKDIR" || {
      "$here/node-deps.sh" >&2
      "$here/node.sh" up "$KUBECONFIG_PATH" "$WORKDIR"
    }
    "$here/store.sh" up "$KUBECONFIG_PATH" "$WORKDIR" >/dev/null
  fi
  say "ready in $((SECONDS - start))s; kubeconfig: $KUBECONFIG_PATH"
  echo "$KUBECONFIG_PATH"
}

down() {
  "$here/store.sh" down "$WORKDIR"
  "$here/node.sh" down "$WORKDIR"
  "$KWOKCTL" delete cluster --name "$NAME" >&2 || true
  rm -f "$KUBECONFIG_PATH"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  nodes) apply_nodes "${2:?count}" ;;
  *) echo "usage: $0 up|down|nodes N" >&2; exit 2 ;;
esac
