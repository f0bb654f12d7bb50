#!/usr/bin/env bash
# Build hack/kstatus (kstatus-health: what kstatus and Flux health checks say about objects)
# into a cache outside the repo, keyed by the cli-utils version and a hash of the tool's
# source (a hit costs nothing). Prints the binary's path.
set -euo pipefail

SRC="$(cd "$(dirname "$0")/kstatus" && pwd)"
CACHE=${TROUPE_CACHE:-$HOME/.cache/troupe}
CLI_UTILS_VERSION=$(awk '$1 == "sigs.k8s.io/cli-utils" {print $2}' "$SRC/go.mod")
HASH=$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/main.go" | sha256sum | cut -c1-12)
BIN="$CACHE/kstatus-cli-utils-$CLI_UTILS_VERSION-$HASH/kstatus-health"

if [ ! -x "$BIN" ]; then
  printf '[build %s] building kstatus-health (cli-utils %s; cold: ~1.5 min on 2 cores)\n' \
    "$(date +%H:%M:%S)" "$CLI_UTILS_VERSION" >&2
  mkdir -p "$(dirname "$BIN")"
  (cd "$SRC" && CGO_ENABLED=0 go build -mod=readonly -buildvcs=false -trimpath \
    -ldflags "-s -w" -o "$BIN.tmp" .)
  mv "$BIN.tmp" "$BIN"
fi
echo "$BIN"
