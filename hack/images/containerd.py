"""Import image archives into containerd's k8s.io namespace, where the kubelet looks.

`ctr images import` unpacks into a snapshotter as it imports; it must be the one the CRI
plugin uses (overlayfs by default), or the kubelet would find the image but no snapshot.
It also reads and stores every blob in the archive again, even those containerd has (ctr
1.6): so an archive whose layers containerd partly holds (studio on pytorch's 5.8 GB, any
image on the base) is imported as a copy without those layers, and whole if that fails.
"""

import json
import subprocess
import tarfile
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
    thin = archive.with_name(archive.name + ".thin")
    try:
        if _without_layers(archive, _blobs(address), thin):
            try:
                _ctr(address, "images", "import", "--snapshotter", snapshotter, str(thin))
                print(f"import {name:<38} {time.monotonic() - start:>6.0f}s  imported (new layers)")
                return
            except subprocess.CalledProcessError as exc:
                print(f"import {name}: without the layers containerd has: {exc.stderr.strip()}")
    finally:
        thin.unlink(missing_ok=True)
    _ctr(address, "images", "import", "--snapshotter", snapshotter, str(archive))
    print(f"import {name:<38} {time.monotonic() - start:>6.0f}s  imported")


def _blobs(address: str) -> set[str]:
    return set(_ctr(address, "content", "ls", "--quiet").split())


def _without_layers(archive: Path, present: set[str], out: Path) -> bool:
    """Write `archive` less the layer blobs in `present` to `out`; False (and nothing
    written) when containerd has none of its layers."""
    with tarfile.open(archive) as src:  # seekable: headers are read, layer data skipped
        members = src.getmembers()
        index = json.load(src.extractfile("index.json"))
        manifest = json.load(src.extractfile(_blob_name(index["manifests"][0]["digest"])))
        skip = {_blob_name(d["digest"]) for d in manifest["layers"] if d["digest"] in present}
        if not skip:
            return False
        with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as dst:
            for member in members:
                if member.name not in skip:
                    dst.addfile(member, src.extractfile(member) if member.isfile() else None)
    return True


def _blob_name(digest: str) -> str:
    return "blobs/sha256/" + digest.removeprefix("sha256:")
