#!/usr/bin/env bash
# Build the training examples' container images without Docker, cached by content under
# ~/.cache/troupe/images, and import them into containerd with --import SOCKET.
# Usage: hack/build-images.sh [--import SOCKET] [IMAGE ...]   (default: every image)
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_ROOT_USER_ACTION=ignore  # pip installs into layer trees, never into this system
exec python3 -m hack.images "$@"
