#!/usr/bin/env bash
# CRDs of the schedulers and queues Troupe works with, taken from their Go modules at
# pinned versions (cache outside the repo), optionally applied to a cluster.
#   hack/install-crds-from-modules.sh [--apply KUBECONFIG] volcano|scheduler-plugins|kueue...
# volcano            scheduling.volcano.sh PodGroup + Queue, written by controller-gen from
#                    the volcano.sh/apis types (how Volcano generates its own CRDs; the
#                    volcano.sh/volcano module that ships the YAML is not on our proxy)
# scheduler-plugins  scheduling.x-k8s.io PodGroup + ElasticQuota, config/crd/bases
# kueue              kueue.x-k8s.io, config/components/crd/bases
# Prints one directory of CRD YAML per name.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
VOLCANO_APIS_VERSION=${VOLCANO_APIS_VERSION:-v1.13.0}
SCHED_PLUGINS_VERSION=${SCHED_PLUGINS_VERSION:-v0.33.5}
KUEUE_VERSION=${KUEUE_VERSION:-v0.14.0}
CACHE=${TROUPE_CACHE:-$HOME/.cache/troupe}
unset GOFLAGS

apply=""
if [ "${1:-}" = "--apply" ]; then apply=$2; shift 2; fi

module_dir() { go mod download -json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])'; }

crds_volcano() {
  local out="$CACHE/crds/volcano-$VOLCANO_APIS_VERSION"
  if [ ! -f "$out/scheduling.volcano.sh_podgroups.yaml" ]; then
    local src tmp gen
    gen=$("$here/build-addons.sh" controller-gen)/controller-gen
    src=$(module_dir "volcano.sh/apis@$VOLCANO_APIS_VERSION")
    tmp=$(mktemp -d)
    cp -r "$src/." "$tmp/" && chmod -R u+w "$tmp"
    mkdir -p "$out"
    (cd "$tmp" && GOFLAGS=-mod=mod "$gen" crd:crdVersions=v1,allowDangerousTypes=true \
      paths=./pkg/apis/scheduling/v1beta1/... output:crd:dir="$out")
    rm -rf "$tmp"
  fi
  echo "$out"
}

crds_scheduler_plugins() {
  local out="$CACHE/crds/scheduler-plugins-$SCHED_PLUGINS_VERSION" src
  if [ ! -f "$out/scheduling.x-k8s.io_podgroups.yaml" ]; then
    src=$(module_dir "sigs.k8s.io/scheduler-plugins@$SCHED_PLUGINS_VERSION")
    mkdir -p "$out"
    cp "$src"/config/crd/bases/scheduling.x-k8s.io_*.yaml "$out/"
    chmod u+w "$out"/*.yaml
  fi
  echo "$out"
}

crds_kueue() {
  local out="$CACHE/crds/kueue-$KUEUE_VERSION" src
  if [ ! -f "$out/kueue.x-k8s.io_workloads.yaml" ]; then
    src=$(module_dir "sigs.k8s.io/kueue@$KUEUE_VERSION")
    mkdir -p "$out"
    cp "$src"/config/components/crd/bases/kueue.x-k8s.io_*.yaml "$out/"
    chmod u+w "$out"/*.yaml
  fi
  echo "$out"
}

for name in "$@"; do
  case "$name" in
    volcano) dir=$(crds_volcano) ;;
    scheduler-plugins) dir=$(crds_scheduler_plugins) ;;
    kueue) dir=$(crds_kueue) ;;
    *) echo "unknown: $name" >&2; exit 2 ;;
  esac
  if [ -n "$apply" ]; then
    # server-side: Kueue's CRDs are too large for the last-applied annotation
    kubectl --kubeconfig "$apply" apply --server-side --force-conflicts -f "$dir" >&2
    kubectl --kubeconfig "$apply" wait --for=condition=Established --timeout=60s -f "$dir" >&2
  fi
  echo "$dir"
done
