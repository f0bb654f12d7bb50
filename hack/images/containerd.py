"""Import image archives into containerd's k8s.io namespace, where the kubelet looks.

`ctr images import` unpacks into a snapshotter as it imports; it must be the one the CRI
plugin uses (overlayfs by default), or the kubelet would find the image but no snapshot.
"""

import subprocess
import time
from pathlib import Path

from . import oci

NAMESPACE = "k8s.io"


def _ctr(address: str, *args: str) -> str:
    command = ["ctr", "--address", address, "--namespace", NAMESPACE, *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def present(address: str) -> dict[str, str]:
    """Image name -> manifest digest, for every image containerd has."""
    rows = _ctr(address, "images", "ls").splitlines()[1:]
    return {fields[0]: fields[2] for fields in (row.split() for row in rows)}


def load(address: str, archive: Path, snapshotter: str) -> None:
    """Import `archive` unless containerd has its name at the same digest; prints seconds."""
    manifest = oci.read_index(archive)["manifests"][0]
    name, digest = manifest["annotations"]["io.containerd.image.name"], manifest["digest"]
    if present(address).get(name) == digest:
        print(f"import {name:<38} {0:>6}s  present")
        return
    start = time.monotonic()
    _ctr(address, "images", "import", "--snapshotter", snapshotter, str(archive))
    print(f"import {name:<38} {time.monotonic() - start:>6.0f}s  imported")
