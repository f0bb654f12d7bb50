#!/usr/bin/env bash
# Troupe Studio on the local cluster, for one developer: starts (or reuses) the cluster and its
# S3 store (hack/cluster.sh), installs the CRDs, then runs troupe-studio in local mode (every
# request acts as the kubeconfig's identity; it listens on 127.0.0.1 only) with the embedded
# SQLite under ~/.local/share/troupe-studio. Prints the URL once the service answers; Ctrl-C
# stops it.
# Settings (environment): TROUPE_STUDIO_PORT (8700), TROUPE_STUDIO_AUTH (local), and every
# other TROUPE_STUDIO_* / TROUPE_STORE_* setting troupe-studio reads (docs/studio-service.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
BIN=${TROUPE_STUDIO_BIN:-$repo/.venv/bin}
PORT=${TROUPE_STUDIO_PORT:-8700}
URL="http://127.0.0.1:$PORT"

say() { printf '[studio %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

[ -x "$BIN/troupe-studio" ] || { say "no $BIN/troupe-studio: run make venv"; exit 1; }
KUBECONFIG=$(bash "$here/cluster.sh" up)
export KUBECONFIG
kubectl apply -f "$repo/crds" >/dev/null
store_env=${TROUPE_STUDIO_STORE_ENV:-$HOME/.kwok/clusters/${TROUPE_CLUSTER:-troupe}/store/env}
[ -f "$store_env" ] || say "no store env at $store_env (the store needs root: hack/store.sh)"
if curl -sf "$URL/api/v1/health" >/dev/null 2>&1; then
  say "something already answers at $URL: stop it or set TROUPE_STUDIO_PORT"
  exit 1
fi

"$BIN/troupe-studio" --auth "${TROUPE_STUDIO_AUTH:-local}" --host 127.0.0.1 --port "$PORT" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 120); do # up to 60 s: migrations and the bucket come first
  if curl -s -o /dev/null "$URL/api/v1/health"; then
    say "Troupe Studio: $URL (API docs $URL/api/v1/docs); you are $(curl -s "$URL/api/v1/whoami")"
    echo "$URL"
    wait "$pid"
    exit $?
  fi
  kill -0 "$pid" 2>/dev/null || { say "troupe-studio exited"; wait "$pid"; exit 1; }
  sleep 0.5
done
say "troupe-studio did not answer at $URL within 60s"
exit 1
