#!/usr/bin/env bash
# `make demo`: the local cluster with its real node, the operator, and a PyTorch DDP job
# (a master and two workers, gloo on CPU) that really trains there. Prints the loss as the
# master logs it, then the job and its pods once the job has succeeded on its own.
set -euo pipefail
cd "$(dirname "$0")/.."
KUBECONFIG=$(bash hack/cluster.sh up)
export KUBECONFIG
if ! kubectl get node troupe-real-0 >/dev/null 2>&1; then
  echo "make demo needs the real node, which needs root (see hack/node.sh)" >&2
  exit 1
fi
make --no-print-directory images IMAGES="base pytorch"
mkdir -p .troupe
kubectl apply -f crds/ >/dev/null
kubectl wait --for=condition=Established crd/trainingjobs.troupe.dev --timeout=60s >/dev/null
.venv/bin/troupe-operator --metrics-port 0 --liveness '' >.troupe/demo-operator.log 2>&1 &
operator=$!
trap 'kill $operator 2>/dev/null || true' EXIT
job=pytorch-ddp
kubectl delete tj "$job" --ignore-not-found --wait >/dev/null
# The example as it is, pinned to the real node (its label and taint: hack/node.sh).
PYTHONPATH=tests .venv/bin/python -c '
import sys, yaml
from support.realnode import pin
print(yaml.safe_dump(pin(yaml.safe_load(open(sys.argv[1])))))' examples/pytorch/ddp-linear.yaml |
  kubectl apply -f -
echo "waiting for the master to start (logs follow)"
for _ in $(seq 300); do
  case $(kubectl get pod "$job-master-0" -o jsonpath='{.status.phase}' 2>/dev/null) in
    Running | Succeeded | Failed) break ;;
  esac
  sleep 1
done
kubectl logs -f "$job-master-0"
kubectl wait --for=condition=Succeeded "tj/$job" --timeout=300s >/dev/null
kubectl get tj "$job"
kubectl get pods -l troupe.dev/job-name="$job" -o wide
echo "operator log: .troupe/demo-operator.log"
