#!/usr/bin/env bash
# `make demo`: the local cluster, the CRD, the operator, and one example job run to the end.
# kwok nodes run no containers, so this script plays the kubelet: it finishes each pod
# once it is Running, the way its command would have exited.
set -euo pipefail
cd "$(dirname "$0")/.."
KUBECONFIG=$(bash hack/cluster.sh up)
export KUBECONFIG
mkdir -p .troupe
kubectl apply -f crds/ >/dev/null
kubectl wait --for=condition=Established crd/trainingjobs.troupe.dev --timeout=60s >/dev/null
.venv/bin/troupe-operator --metrics-port 0 --liveness '' > .troupe/demo-operator.log 2>&1 &
operator=$!
trap 'kill $operator 2>/dev/null || true' EXIT
job=prepare-then-train
kubectl delete tj "$job" --ignore-not-found --wait >/dev/null
kubectl apply -f examples/generic/$job.yaml
.venv/bin/python hack/play_kubelet.py "$job" default
kubectl get tj "$job"
kubectl get pods -l troupe.dev/job-name="$job" -o wide
echo "operator log: .troupe/demo-operator.log"
