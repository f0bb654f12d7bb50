#!/usr/bin/env bash
# The interpreter Studio's model builds run in (troupe_studio.domain.torch_build): the contract
# torch venv (hack/contract-deps.sh torch) plus onnx and onnxscript for torch.onnx.export and
# pydantic for the graph checks.
#
# A small venv of its own under $TROUPE_STUDIO_CACHE (default ~/.cache/troupe/studio), named
# torch-<hash of the torch requirements and the pins below>, that sees the contract venv's
# packages through a .pth file: torch is not downloaded twice and the contract venv keeps
# exactly its requirement file. Complete when its `.ok` marker exists (the tests look for it).
# Prints the venv's python on its last line.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
pins=(onnx==1.23.2 onnxscript==0.7.2 pydantic==2.14.4)
contract="${TROUPE_CONTRACT_CACHE:-$HOME/.cache/troupe/contract}"
cache="${TROUPE_STUDIO_CACHE:-$HOME/.cache/troupe/studio}"
req="$root/tests/contract/requirements/torch.txt"
torch_venv="$contract/torch-$(sha256sum "$req" | cut -c1-12)"
[ -f "$torch_venv/.ok" ] || bash "$root/hack/contract-deps.sh" torch
hash="$( (cat "$req"; printf '%s\n' "${pins[@]}") | sha256sum | cut -c1-12)"
venv="$cache/torch-$hash"
mkdir -p "$cache"
if [ ! -f "$venv/.ok" ]; then
  find "$cache" -maxdepth 1 -name "torch-*" ! -name "torch-$hash" -exec rm -rf {} +
  rm -rf "$venv"
  start=$SECONDS
  "$torch_venv/bin/python" -m venv "$venv"
  site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  "$torch_venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' \
    >"$site/troupe-contract-torch.pth"
  "$venv/bin/pip" install --quiet --no-input "${pins[@]}"
  "$venv/bin/python" -c 'import onnx, onnxscript, torch'
  "$venv/bin/pip" freeze >"$venv/.ok"
  echo "studio torch venv: $((SECONDS - start))s, $(du -sm "$venv" | cut -f1) MB" >&2
fi
echo "$venv/bin/python"
