"""The pod sandbox image `localhost/troupe/pause:1`: pause.c, static, in a one-layer image.

No registry serves registry.k8s.io/pause here, and containerd needs a sandbox image for
every pod. Cached by the hash of pause.c under ~/.cache/troupe/images.
Usage: python3 hack/node/pause_image.py SOCKET
"""

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from hack.images import containerd, oci  # noqa: E402

NAME = "localhost/troupe/pause:1"
SOURCE = Path(__file__).with_name("pause.c")
CACHE = Path.home() / ".cache" / "troupe" / "images"


def build() -> Path:
    key = hashlib.sha256(SOURCE.read_bytes() + NAME.encode()).hexdigest()[:16]
    archive = CACHE / f"pause-{key}.tar"
    if archive.exists():
        return archive
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / "root"
        root.mkdir()
        subprocess.run(
            ["gcc", "-static", "-Os", "-s", "-o", str(root / "pause"), str(SOURCE)], check=True
        )
        layer_path = Path(work) / "layer.tar"
        with open(layer_path, "wb") as out:
            digest, size = oci.write_layer(root, out)
        partial = archive.with_suffix(".partial")
        with open(partial, "wb") as out:
            oci.write_image(
                out, NAME, [oci.Blob(layer_path, digest, size)], oci.Config(cmd=("/pause",))
            )
        partial.rename(archive)
    return archive


if __name__ == "__main__":
    containerd.load(sys.argv[1], build(), "overlayfs")
