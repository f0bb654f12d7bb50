"""Write OCI image layouts with the standard library only, byte for byte reproducibly.

Every tar entry gets uid/gid 0, no user names and one fixed mtime, and entries are sorted, so
the same tree always gives the same layer digest, and the same layers and config the same
manifest digest: that is what lets containerd skip an import and a cache trust a hit.
Layers are uncompressed tar: the images are local, and gzip would cost minutes per GB.
"""

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

EPOCH = 0
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
INDEX_TYPE = "application/vnd.oci.image.index.v1+json"
CHUNK = 1 << 20


@dataclass(frozen=True)
class Blob:
    """A content-addressed file: `digest` is "sha256:<hex>" of its bytes."""

    path: Path
    digest: str
    size: int


@dataclass(frozen=True)
class Config:
    """The runtime part of an image config (what `docker inspect` calls Config)."""

    env: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    working_dir: str = "/"
    user: str = "0:0"
    labels: dict[str, str] = field(default_factory=dict)


class _Hashing(io.RawIOBase):
    """A write-only stream that hashes and counts what passes through to `out`."""

    def __init__(self, out: BinaryIO):
        self.out, self.sha, self.size = out, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.sha.update(data)
        self.size += len(data)
        self.out.write(data)
        return len(data)


def _normalize(info: tarfile.TarInfo, keep_owners: bool = False) -> tarfile.TarInfo:
    if not keep_owners:
        info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = EPOCH
    return info


def walk(root: Path) -> list[str]:
    """Every path under root, relative, sorted (a parent sorts before its children)."""
    found = []
    for top, dirs, files in os.walk(root):
        rel = os.path.relpath(top, root)
        for name in dirs + files:
            found.append(name if rel == "." else f"{rel}/{name}")
    return sorted(found)


def write_layer(
    root: Path, out: BinaryIO, paths: Iterable[str] | None = None, keep_owners: bool = False
) -> tuple[str, int]:
    """Tar the tree at `root` (or only `paths`, relative to it) into `out`.

    Returns (digest, size). Owners become root unless `keep_owners` (a Debian rootfs, whose
    owners dpkg set: group shadow, mail...). A file seen again through a hard link becomes a
    tar hard link; sockets are dropped (tarfile cannot store them and no image needs one).
    """
    sink = _Hashing(out)
    with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for rel in sorted(paths) if paths is not None else walk(root):
            info = tar.gettarinfo(str(root / rel), arcname=rel)
            if info is None:
                continue
            if info.isreg():
                with open(root / rel, "rb") as f:
                    tar.addfile(_normalize(info, keep_owners), f)
            else:
                tar.addfile(_normalize(info, keep_owners))
    return f"sha256:{sink.sha.hexdigest()}", sink.size


def _json(doc: dict) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def _sha(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def _descriptor(media_type: str, data: bytes) -> dict:
    return {"mediaType": media_type, "digest": _sha(data), "size": len(data)}


def image_config(layers: list[Blob], config: Config) -> bytes:
    """The config blob: no `created` or history, which would only add a timestamp."""
    runtime = {"Env": list(config.env), "WorkingDir": config.working_dir, "User": config.user}
    if config.cmd:
        runtime["Cmd"] = list(config.cmd)
    if config.labels:
        runtime["Labels"] = dict(config.labels)
    return _json(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": runtime,
            "rootfs": {"type": "layers", "diff_ids": [layer.digest for layer in layers]},
        }
    )


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = _normalize(tarfile.TarInfo(name))
    info.size, info.mode = len(data), 0o644
    tar.addfile(info, io.BytesIO(data))


def _add_dir(tar: tarfile.TarFile, name: str) -> None:
    info = _normalize(tarfile.TarInfo(name))
    info.type, info.mode = tarfile.DIRTYPE, 0o755
    tar.addfile(info)


def write_image(archive: BinaryIO, name: str, layers: list[Blob], config: Config) -> str:
    """Write an OCI layout tar holding one image called `name`; return its manifest digest.

    The index names the image twice: `org.opencontainers.image.ref.name` for OCI tools and
    `io.containerd.image.name`, which `ctr images import` takes as the full name. oci-layout
    and index.json come first, so a reader finds the digest without scanning the layers.
    """
    config_blob = image_config(layers, config)
    manifest = _json(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": _descriptor(CONFIG_TYPE, config_blob),
            "layers": [
                {"mediaType": LAYER_TYPE, "digest": layer.digest, "size": layer.size}
                for layer in layers
            ],
        }
    )
    manifest_desc = _descriptor(MANIFEST_TYPE, manifest)
    manifest_desc["platform"] = {"architecture": "amd64", "os": "linux"}
    manifest_desc["annotations"] = {
        "io.containerd.image.name": name,
        "org.opencontainers.image.ref.name": name,
    }
    index = _json({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": [manifest_desc]})
    with tarfile.open(fileobj=archive, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, "oci-layout", _json({"imageLayoutVersion": "1.0.0"}))
        _add_bytes(tar, "index.json", index)
        _add_dir(tar, "blobs")
        _add_dir(tar, "blobs/sha256")
        written = set()
        for digest, data in ((manifest_desc["digest"], manifest), (_sha(config_blob), config_blob)):
            _add_bytes(tar, _blob_name(digest), data)
            written.add(digest)
        for layer in layers:
            if layer.digest in written:
                continue
            written.add(layer.digest)
            info = _normalize(tarfile.TarInfo(_blob_name(layer.digest)))
            info.size, info.mode = layer.size, 0o644
            with open(layer.path, "rb") as f:
                tar.addfile(info, f)
    return manifest_desc["digest"]


def _blob_name(digest: str) -> str:
    return "blobs/sha256/" + digest.removeprefix("sha256:")


def read_index(archive: Path) -> dict:
    """The index.json of a layout tar written by write_image, read without scanning layers."""
    with tarfile.open(archive, mode="r|") as tar:
        for member in tar:
            if member.name == "index.json":
                return json.loads(tar.extractfile(member).read())
    raise ValueError(f"{archive}: no index.json")
