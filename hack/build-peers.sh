#!/usr/bin/env bash
# Build the operators `make bench --peers` measures Troupe against, from the Go module proxy,
# into a cache outside the repo keyed by version (a hit costs nothing):
#   kubeflow  github.com/kubeflow/training-operator/cmd/training-operator.v1 (Training
#             Operator v1; its CRDs from the same module's manifests/base/crds)
#   jobset    sigs.k8s.io/jobset (its manager is the module root's main.go; CRD from
#             config/components/crd/bases)
# Each lands in $CACHE/peers/<name>-<version>/{bin,crds}; prints that folder per target.
# A wrapper module per peer, not `go install pkg@version`: that asks the proxy for the
# module's version list, which the proxy we use refuses (403).
# Usage: hack/build-peers.sh kubeflow|jobset...
set -euo pipefail

KUBEFLOW_VERSION=${KUBEFLOW_VERSION:-v1.9.3}
JOBSET_VERSION=${JOBSET_VERSION:-v0.12.0}
CACHE=${TROUPE_CACHE:-$HOME/.cache/troupe}
export CGO_ENABLED=0 GOFLAGS=-mod=mod

say() { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# build NAME VERSION MODULE PACKAGE BINARY CRD_GLOB: the binary and the CRDs into the cache.
build() {
  local name=$1 version=$2 module=$3 package=$4 binary=$5 crds=$6
  local out="$CACHE/peers/$name-$version" work="$CACHE/src/peer-$name-$version"
  if [ -x "$out/bin/$binary" ] && compgen -G "$out/crds/*.yaml" >/dev/null; then
    echo "$out"
    return
  fi
  mkdir -p "$work" "$out/bin" "$out/crds"
  if [ ! -f "$work/go.sum" ]; then
    say "resolving $module $version"
    printf 'module troupe.dev/%sbuild\ngo 1.23\nrequire %s %s\n' "$name" "$module" "$version" \
      > "$work/go.mod"
    (cd "$work" && go get "$package@$version")
  fi
  say "building $name $version"
  (cd "$work" && go build -trimpath -ldflags "-s -w" -o "$out/bin/$binary" "$package")
  local dir
  dir=$(cd "$work" && go list -m -f '{{.Dir}}' "$module")
  cp $dir/$crds "$out/crds/"
  chmod u+w "$out/crds/"*.yaml
  echo "$out"
}

[ $# -gt 0 ] || { echo "usage: $0 kubeflow|jobset..." >&2; exit 2; }
for t in "$@"; do
  case "$t" in
    kubeflow)
      build kubeflow "$KUBEFLOW_VERSION" github.com/kubeflow/training-operator \
        github.com/kubeflow/training-operator/cmd/training-operator.v1 training-operator \
        'manifests/base/crds/kubeflow.org_*.yaml'
      ;;
    jobset)
      build jobset "$JOBSET_VERSION" sigs.k8s.io/jobset sigs.k8s.io/jobset jobset \
        'config/components/crd/bases/*.yaml'
      ;;
    *) echo "unknown peer $t" >&2; exit 2 ;;
  esac
done
