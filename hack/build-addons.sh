#!/usr/bin/env bash
# Build the queueing and gang-scheduling components Troupe's tests run against, from the
# Go module proxy, into a cache outside the repo keyed by versions (a hit costs nothing):
#   kueue          sigs.k8s.io/kueue/cmd/kueue (no replace directives: plain go install)
#   kube-scheduler sigs.k8s.io/scheduler-plugins/cmd/scheduler (coscheduling compiled in);
#                  its go.mod pins k8s.io/* with replace directives, so a wrapper module
#                  copies them
#   controller-gen sigs.k8s.io/controller-tools, to write Volcano's PodGroup CRD from the
#                  volcano.sh/apis types (Volcano generates its CRDs the same way)
# Prints the bin directory. Usage: hack/build-addons.sh [kueue|scheduler|controller-gen]...
set -euo pipefail

KUEUE_VERSION=${KUEUE_VERSION:-v0.14.0}
SCHED_PLUGINS_VERSION=${SCHED_PLUGINS_VERSION:-v0.33.5}
CONTROLLER_TOOLS_VERSION=${CONTROLLER_TOOLS_VERSION:-v0.19.0}
CACHE=${TROUPE_CACHE:-$HOME/.cache/troupe}
BIN="$CACHE/addons-kueue-$KUEUE_VERSION-sp-$SCHED_PLUGINS_VERSION-ct-$CONTROLLER_TOOLS_VERSION/bin"
mkdir -p "$BIN"
export CGO_ENABLED=0

say() { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

build_controller_gen() {
  [ -x "$BIN/controller-gen" ] && return
  say "building controller-gen $CONTROLLER_TOOLS_VERSION"
  GOBIN="$BIN" go install -ldflags "-s -w" \
    "sigs.k8s.io/controller-tools/cmd/controller-gen@$CONTROLLER_TOOLS_VERSION"
}

build_kueue() {
  [ -x "$BIN/kueue" ] && return
  # A wrapper module, not `go install pkg@version`: that asks the proxy for the module's
  # version list (deprecation check), which the proxy we use may refuse.
  local work="$CACHE/src/kueue-$KUEUE_VERSION"
  mkdir -p "$work"
  if [ ! -f "$work/go.sum" ]; then
    say "resolving sigs.k8s.io/kueue $KUEUE_VERSION"
    printf 'module troupe.dev/kueuebuild\ngo 1.25.0\nrequire sigs.k8s.io/kueue %s\n' \
      "$KUEUE_VERSION" > "$work/go.mod"
    (cd "$work" && GOFLAGS=-mod=mod go get "sigs.k8s.io/kueue/cmd/kueue@$KUEUE_VERSION")
  fi
  say "building kueue $KUEUE_VERSION (cold: several minutes)"
  (cd "$work" && GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$BIN/kueue" \
    sigs.k8s.io/kueue/cmd/kueue)
}

build_scheduler() {
  [ -x "$BIN/kube-scheduler" ] && return
  local work="$CACHE/src/scheduler-plugins-$SCHED_PLUGINS_VERSION" modfile
  # The checksum database our proxy mirrors lacks entries for several k8s.io/* v0.33.5
  # staging modules; the wrapper's go.sum still pins each hash from the first download.
  export GONOSUMDB=k8s.io
  mkdir -p "$work"
  if [ ! -f "$work/go.sum" ]; then
    say "resolving sigs.k8s.io/scheduler-plugins $SCHED_PLUGINS_VERSION"
    modfile=$(go mod download -json "sigs.k8s.io/scheduler-plugins@$SCHED_PLUGINS_VERSION" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
    {
      echo "module troupe.dev/schedbuild"
      echo "go 1.24"
      echo "require sigs.k8s.io/scheduler-plugins $SCHED_PLUGINS_VERSION"
      # every `X => Y vZ` of its go.mod, block or single-line form
      grep -oE '^\s*(replace\s+)?[A-Za-z0-9./_-]+\s+=>\s+[A-Za-z0-9./_-]+\s+v[^ ]+' "$modfile" \
        | sed -E 's/^\s*(replace\s+)?/replace /'
    } > "$work/go.mod"
    (cd "$work" && GOFLAGS=-mod=mod go get "sigs.k8s.io/scheduler-plugins/cmd/scheduler@$SCHED_PLUGINS_VERSION")
  fi
  say "building scheduler-plugins kube-scheduler $SCHED_PLUGINS_VERSION (cold: several minutes)"
  (cd "$work" && GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$BIN/kube-scheduler" \
    sigs.k8s.io/scheduler-plugins/cmd/scheduler)
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(controller-gen kueue scheduler)
for t in "${targets[@]}"; do
  case "$t" in
    controller-gen) build_controller_gen ;;
    kueue) build_kueue ;;
    scheduler) build_scheduler ;;
    *) echo "unknown target $t" >&2; exit 2 ;;
  esac
done
echo "$BIN"
