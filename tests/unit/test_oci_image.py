"""The OCI image writer (hack/images/oci.py): reproducible digests and a valid layout."""

import hashlib
import io
import json
import os
import sys
import tarfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # hack/ lives outside the package

from hack.images import oci  # noqa: E402


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "usr/bin").mkdir(parents=True)
    (root / "usr/bin/tool").write_text("#!/bin/sh\necho hi\n")
    (root / "usr/bin/tool").chmod(0o4755)
    (root / "usr/bin/alias").symlink_to("tool")
    os.link(root / "usr/bin/tool", root / "usr/bin/same")
    (root / "etc").mkdir()
    (root / "etc/conf").write_text("x=1\n")
    (root / "etc/conf").chmod(0o600)
    if os.geteuid() == 0:  # as root, give it an owner to normalize away
        os.chown(root / "etc/conf", 1000, 1000)
    return root


def _layer(root: Path, tmp_path: Path, name: str = "layer.tar") -> oci.Blob:
    path = tmp_path / name
    with open(path, "wb") as out:
        digest, size = oci.write_layer(root, out)
    return oci.Blob(path, digest, size)


def _image(tmp_path: Path, layers: list[oci.Blob], name: str = "image.tar") -> tuple[Path, str]:
    path = tmp_path / name
    config = oci.Config(env=("PATH=/usr/bin",), cmd=("python3",))
    with open(path, "wb") as out:
        digest = oci.write_image(out, "localhost/troupe/test:1", layers, config)
    return path, digest


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_same_tree_same_digests_whatever_the_mtimes(tree: Path, tmp_path: Path) -> None:
    first = _layer(tree, tmp_path, "a.tar")
    os.utime(tree / "etc/conf", (1, 123456789))
    second = _layer(tree, tmp_path, "b.tar")
    assert first.digest == second.digest
    assert _image(tmp_path, [first], "a.oci")[1] == _image(tmp_path, [second], "b.oci")[1]


def test_changed_content_changes_the_digest(tree: Path, tmp_path: Path) -> None:
    before = _layer(tree, tmp_path, "a.tar")
    (tree / "etc/conf").write_text("x=2\n")
    assert _layer(tree, tmp_path, "b.tar").digest != before.digest


def test_layer_digest_and_size_are_those_of_the_bytes(tree: Path, tmp_path: Path) -> None:
    blob = _layer(tree, tmp_path)
    data = blob.path.read_bytes()
    assert (blob.digest, blob.size) == (_sha(data), len(data))


def test_members_sorted_root_owned_with_modes_and_links(tree: Path, tmp_path: Path) -> None:
    with tarfile.open(_layer(tree, tmp_path).path) as tar:
        members = {m.name: m for m in tar.getmembers()}
        names = tar.getnames()
    assert names == sorted(names)
    assert all(
        (m.uid, m.gid, m.uname, m.gname, m.mtime) == (0, 0, "", "", 0) for m in members.values()
    )
    assert members["usr/bin/tool"].mode == 0o4755
    assert members["etc/conf"].mode == 0o600
    assert members["usr/bin/alias"].issym() and members["usr/bin/alias"].linkname == "tool"
    # "same" sorts first, so it carries the bytes and "tool" links to it.
    assert members["usr/bin/same"].isreg()
    assert members["usr/bin/tool"].islnk() and members["usr/bin/tool"].linkname == "usr/bin/same"


def test_paths_pick_a_subset(tree: Path, tmp_path: Path) -> None:
    out = io.BytesIO()
    oci.write_layer(tree, out, paths=["etc/conf", "etc"])
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as tar:
        assert tar.getnames() == ["etc", "etc/conf"]


def test_layout_references_existing_blobs_with_their_digests(tree: Path, tmp_path: Path) -> None:
    layers = [_layer(tree, tmp_path, "a.tar"), _layer(tree / "etc", tmp_path, "b.tar")]
    archive, manifest_digest = _image(tmp_path, layers)
    with tarfile.open(archive) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    assert json.loads(files["oci-layout"]) == {"imageLayoutVersion": "1.0.0"}

    def blob(descriptor: dict) -> bytes:
        data = files["blobs/sha256/" + descriptor["digest"].removeprefix("sha256:")]
        assert (_sha(data), len(data)) == (descriptor["digest"], descriptor["size"])
        return data

    index = json.loads(files["index.json"])
    [entry] = index["manifests"]
    assert entry["digest"] == manifest_digest
    assert entry["annotations"] == {
        "io.containerd.image.name": "localhost/troupe/test:1",
        "org.opencontainers.image.ref.name": "localhost/troupe/test:1",
    }
    manifest = json.loads(blob(entry))
    assert manifest["mediaType"] == entry["mediaType"] == oci.MANIFEST_TYPE
    config = json.loads(blob(manifest["config"]))
    assert [blob(layer) for layer in manifest["layers"]] == [x.path.read_bytes() for x in layers]
    assert config["rootfs"]["diff_ids"] == [layer.digest for layer in layers]
    assert config["config"] == {
        "Cmd": ["python3"],
        "Env": ["PATH=/usr/bin"],
        "User": "0:0",
        "WorkingDir": "/",
    }
    assert oci.read_index(archive) == index


def test_a_layer_given_twice_is_stored_once(tree: Path, tmp_path: Path) -> None:
    layer = _layer(tree, tmp_path)
    archive, _ = _image(tmp_path, [layer, layer])
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names.count("blobs/sha256/" + layer.digest.removeprefix("sha256:")) == 1


def test_an_import_copy_leaves_out_only_the_layers_containerd_has(tree: Path, tmp_path: Path):
    from hack.images import containerd

    lower = _layer(tree, tmp_path, "lower.tar")
    (tree / "etc/more").write_text("y=2\n")
    upper = _layer(tree, tmp_path, "upper.tar")
    archive, digest = _image(tmp_path, [lower, upper])
    thin = tmp_path / "thin.tar"
    assert not containerd._without_layers(archive, {"sha256:" + "0" * 64}, thin)
    assert not thin.exists()
    assert containerd._without_layers(archive, {lower.digest, digest}, thin)
    with tarfile.open(archive) as whole, tarfile.open(thin) as part:
        left_out = set(whole.getnames()) - set(part.getnames())
        assert left_out == {containerd._blob_name(lower.digest)}  # the manifest stays
        blob = containerd._blob_name(upper.digest)
        assert part.extractfile(blob).read() == upper.path.read_bytes()
    assert oci.read_index(thin) == oci.read_index(archive)
