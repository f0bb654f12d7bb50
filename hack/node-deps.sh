#!/usr/bin/env bash
# Debian packages the real node (hack/node.sh) and the image builder (hack/images) run on:
# containerd + runc, the CNI plugins, iptables/conntrack for kube-proxy, mmdebstrap for the
# images' Debian rootfs, gcc for the pause binary; and chromium + its driver, the real browser
# Studio's page tests drive headless. Installs only what is missing.
set -euo pipefail
packages=(containerd runc containernetworking-plugins iptables conntrack mmdebstrap gcc libc6-dev
  openssl curl chromium chromium-driver)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
((${#missing[@]})) || exit 0
start=$SECONDS
if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
echo "apt ${missing[*]}: $((SECONDS - start))s"
