#!/usr/bin/env bash
# Install the real training libraries the contract tests (tests/contract/) launch.
#
# One venv per library, outside the repo, under $TROUPE_CONTRACT_CACHE
# (default ~/.cache/troupe/contract), named <library>-<hash of its requirement file>, so a
# second run with unchanged requirements costs nothing, and libraries never fight over
# numpy/protobuf pins. A venv is complete when its `.ok` marker exists; the tests look for
# exactly that path (tests/contract/libraries.py) and skip with a reason when it is absent.
#
# Usage: hack/contract-deps.sh [library ...]   (default: every tests/contract/requirements/*.txt)
# Prints the seconds and megabytes each install cost. A failed install is reported and the
# script goes on; it exits non-zero if any failed, unless TROUPE_CONTRACT_ALLOW_MISSING=1.
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
reqdir="$root/tests/contract/requirements"
cache="${TROUPE_CONTRACT_CACHE:-$HOME/.cache/troupe/contract}"
python="${TROUPE_CONTRACT_PYTHON:-python3}"
wheels="${TROUPE_WHEELS:-$HOME/.cache/troupe/wheels}"
mkdir -p "$cache"

# System packages: Open MPI for mpi4py, sshd/ssh for the MPI launcher, ip for network namespaces.
apt_packages=(openmpi-bin libopenmpi-dev openssh-server openssh-client iproute2)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  start=$SECONDS
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
  echo "apt ${missing[*]}: $((SECONDS - start))s"
fi

if (($#)); then libs=("$@"); else
  libs=()
  for f in "$reqdir"/*.txt; do libs+=("$(basename "$f" .txt)"); done
fi

failed=()
printf '%-12s %8s %8s  %s\n' library seconds MB venv
for lib in "${libs[@]}"; do
  req="$reqdir/$lib.txt"
  hash="$(sha256sum "$req" | cut -c1-12)"
  venv="$cache/$lib-$hash"
  # A changed requirement file leaves the library's old venv behind: drop it.
  find "$cache" -maxdepth 1 -name "$lib-*" ! -name "$lib-$hash*" -exec rm -rf {} +
  if [ -f "$venv/.ok" ]; then
    printf '%-12s %8s %8s  %s (cached)\n' "$lib" 0 "$(du -sm "$venv" | cut -f1)" "$venv"
    continue
  fi
  rm -rf "$venv"
  start=$SECONDS
  log="$cache/$lib-$hash.log"
  # Wheels go to the wheelhouse the training images install from (hack/images/pylayer.py),
  # once for both: pip's own cache stores nothing behind this network's proxy.
  if "$python" -m venv "$venv" >"$log" 2>&1 &&
    "$venv/bin/pip" download --quiet --no-input -d "$wheels" -r "$req" >>"$log" 2>&1 &&
    "$venv/bin/pip" install --quiet --no-input --no-index --find-links "$wheels" -r "$req" \
      >>"$log" 2>&1; then
    "$venv/bin/pip" freeze >"$venv/.ok"
    printf '%-12s %8s %8s  %s\n' "$lib" $((SECONDS - start)) "$(du -sm "$venv" | cut -f1)" "$venv"
  else
    failed+=("$lib")
    printf '%-12s %8s %8s  FAILED, see %s\n' "$lib" $((SECONDS - start)) - "$log"
    tail -5 "$log" | sed 's/^/    /'
  fi
done

if ((${#failed[@]})) && [ "${TROUPE_CONTRACT_ALLOW_MISSING:-0}" != 1 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
