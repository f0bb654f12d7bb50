#!/usr/bin/env bash
# The local cluster's object store: versitygw (an S3 server over a directory, built by
# build-binaries.sh) on this machine, for clients here (127.0.0.1) and for pods on the real
# node, which reach it as the Service `store.troupe-system.svc:9000` (no selector; an
# EndpointSlice names the node's address, where the store listens too).
#   hack/store.sh up KUBECONFIG CLUSTER_DIR   start (or reuse) it; prints its env file
#   hack/store.sh down CLUSTER_DIR            stop it (its data goes with the cluster dir)
# The env file (CLUSTER_DIR/store/env) holds TROUPE_STORE_ENDPOINT, _ACCESS_KEY,
# _SECRET_KEY and _REGION; the Secret troupe-system/store-credentials holds the same with
# the in-cluster endpoint.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
NODE_IP=${TROUPE_NODE_IP:-198.18.0.1}
PORT=${TROUPE_STORE_PORT:-7070}
REGION=us-east-1

say() { printf '[store %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

paths() {
  DIR=$1/store
  RUN=/run/troupe-node/$(basename "$1")
}

alive() { # running, not a zombie
  local stat
  [ -f "$RUN/store.pid" ] && stat=$(cat "/proc/$(cat "$RUN/store.pid")/stat" 2>/dev/null) &&
    [ "$(echo "${stat##*) }" | cut -d' ' -f1)" != Z ]
}

up() {
  local kubeconfig=$1 bin
  paths "$2"
  mkdir -p "$DIR/data" "$DIR/meta" "$RUN"
  if [ ! -f "$DIR/env" ]; then
    umask 077
    cat >"$DIR/env" <<EOF
TROUPE_STORE_ENDPOINT=http://127.0.0.1:$PORT
TROUPE_STORE_ACCESS_KEY=troupe
TROUPE_STORE_SECRET_KEY=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
TROUPE_STORE_REGION=$REGION
EOF
  fi
  # shellcheck disable=SC1091
  . "$DIR/env"
  if ! alive; then
    bin=$("$here/build-binaries.sh")
    ROOT_ACCESS_KEY_ID=$TROUPE_STORE_ACCESS_KEY ROOT_SECRET_ACCESS_KEY=$TROUPE_STORE_SECRET_KEY \
      setsid "$bin/versitygw" --port "127.0.0.1:$PORT" --port "$NODE_IP:$PORT" \
      --region "$REGION" --quiet posix --sidecar "$DIR/meta" "$DIR/data" \
      >>"$DIR/store.log" 2>&1 </dev/null &
    echo $! >"$RUN/store.pid"
  fi
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
    sleep 0.1
  done
  kubectl --kubeconfig "$kubeconfig" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: troupe-system}
---
apiVersion: v1
kind: Service
metadata: {name: store, namespace: troupe-system}
spec:
  ports: [{name: s3, port: 9000, targetPort: $PORT}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: store-node
  namespace: troupe-system
  labels: {kubernetes.io/service-name: store}
addressType: IPv4
ports: [{name: s3, port: $PORT, protocol: TCP}]
endpoints: [{addresses: ["$NODE_IP"], conditions: {ready: true}}]
---
apiVersion: v1
kind: Secret
metadata: {name: store-credentials, namespace: troupe-system}
stringData:
  endpoint: http://store.troupe-system.svc:9000
  region: $REGION
  accessKey: $TROUPE_STORE_ACCESS_KEY
  secretKey: $TROUPE_STORE_SECRET_KEY
EOF
  say "S3 store on 127.0.0.1:$PORT and store.troupe-system.svc:9000 (data $DIR/data)"
  echo "$DIR/env"
}

down() {
  paths "$1"
  alive && kill "$(cat "$RUN/store.pid")" 2>/dev/null || true
  rm -f "$RUN/store.pid"
}

case "${1:-}" in
  up) up "${2:?kubeconfig}" "${3:?cluster dir}" ;;
  down) down "${2:?cluster dir}" ;;
  *) echo "usage: $0 up KUBECONFIG CLUSTER_DIR | down CLUSTER_DIR" >&2; exit 2 ;;
esac
