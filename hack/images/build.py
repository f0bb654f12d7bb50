"""Build images into a content-addressed cache: a hit costs a stat, a miss only its layers.

An image archive is named by a hash of everything that makes it (these sources, its
requirement file, the Debian recipe); a layer by a hash of what makes that layer (its pins,
its recipe, the modules that write it), so a new torch pin rebuilds torch, not CUDA.
"""

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from . import oci, pylayer, rootfs
from .catalog import COMMANDS, ENV, IMAGES, REPO, SOURCES, Image

HERE = Path(__file__).parent
CACHE = Path(os.environ.get("TROUPE_IMAGE_CACHE", Path.home() / ".cache/troupe/images"))


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _source(*modules: str) -> str:
    return "".join((HERE / f"{m}.py").read_text() for m in modules)


def _prune(directory: Path, pattern: str, keep: Path) -> None:
    """Drop what an older key left behind: same name, other hash."""
    for path in directory.iterdir():
        if re.fullmatch(pattern, path.name) and path.with_suffix("") != keep.with_suffix(""):
            path.unlink()


def _remove(tree: Path) -> None:
    """rmtree, unless something is mounted inside: a killed mmdebstrap can leave /dev or /proc
    bound into its target, and deleting through those would delete the host's."""
    inside = str(tree.resolve()) + "/"
    for line in Path("/proc/self/mounts").read_text().splitlines():
        if (line.split()[1] + "/").startswith(inside):
            raise RuntimeError(f"{line.split()[1]} is mounted: umount it, then rerun")
    shutil.rmtree(tree, ignore_errors=True)


def _mb(size: int) -> int:
    return round(size / 1e6)


def layer(
    name: str, key: str, make: Callable[[Path], list[str] | None], keep_owners: bool = False
) -> oci.Blob:
    """The cached layer `name` for `key`, or the tree `make` fills (and the paths it picks)."""
    layers = CACHE / "layers"
    tar, meta = layers / f"{name}-{key}.tar", layers / f"{name}-{key}.json"
    if meta.exists():
        blob = oci.Blob(tar, **json.loads(meta.read_text()))
        print(f"  layer {name:<16} {0:>6}s {_mb(blob.size):>7} MB  cached")
        return blob
    start = time.monotonic()
    work = CACHE / "work" / name
    _remove(work)
    (work / "root").mkdir(parents=True)
    layers.mkdir(parents=True, exist_ok=True)
    paths = make(work / "root")
    with open(work / "layer.tar", "wb") as out:
        digest, size = oci.write_layer(work / "root", out, paths, keep_owners)
    (work / "layer.tar").rename(tar)
    meta.write_text(json.dumps({"digest": digest, "size": size}))
    _remove(work)
    _prune(layers, rf"{re.escape(name)}-[0-9a-f]{{16}}\.(tar|json)", tar)
    print(f"  layer {name:<16} {time.monotonic() - start:>6.0f}s {_mb(size):>7} MB  built")
    return oci.Blob(tar, digest, size)


def base_layer() -> oci.Blob:
    key = _key(_source("oci", "rootfs"), rootfs.recipe())
    return layer("base", key, rootfs.bootstrap, keep_owners=True)


def apt_layer(image: Image, base: oci.Blob) -> oci.Blob:
    """Debian packages on top of the base: a bootstrap with them, less what the base has."""

    def make(root: Path) -> list[str]:
        rootfs.bootstrap(root, image.apt)
        return rootfs.changed(base.path, root, oci.walk(root))

    key = _key(_source("oci", "rootfs"), rootfs.recipe(image.apt), base.digest)
    return layer(f"{image.name}-apt", key, make, keep_owners=True)


def pip_layers(image: Image) -> list[oci.Blob]:
    """The library's wheels: the `split` ones in a layer below, the rest in the library's."""
    requirements = image.requirement_file
    if image.extra:
        requirements = CACHE / "work" / f"{image.name}-requirements.txt"
        requirements.parent.mkdir(parents=True, exist_ok=True)
        lines = image.requirement_file.read_text().splitlines() + list(image.extra)
        requirements.write_text("\n".join(lines) + "\n")
    pylayer.download(requirements)
    inherited = set(parent_pins(image))
    pins = [pin for pin in pylayer.resolve(requirements) if pin not in inherited]
    held = {pin.partition("==")[0] for pin in inherited}
    if clash := [pin for pin in pins if pin.partition("==")[0] in held]:
        # two versions of one distribution in the same dist-packages: pin it as the parent does
        raise SystemExit(f"{image.ref}: {', '.join(clash)}: the {image.parent} image has another")
    groups = []
    if image.split:
        lower = [pin for pin in pins if pin.startswith(image.split)]
        pins = [pin for pin in pins if pin not in lower]
        groups.append((f"{image.name}-{image.split[0].strip('-')}", lower))
    groups.append((image.name, pins))
    source = _source("oci", "pylayer")
    return [
        layer(name, _key(source, *group), lambda root, g=group: pylayer.install(g, root))
        for name, group in groups
    ]


def parent_pins(image: Image) -> list[str]:
    """What the parents' library layers install (`name==version`), nearest parent first."""
    if not image.parent:
        return []
    parent = IMAGES[image.parent]
    own = pylayer.resolve(parent.requirement_file) if parent.requirements else []
    return own + parent_pins(parent)


def _tree_text(root: Path) -> str:
    """Every file under root (bytecode caches aside), with its path: what a source layer is
    made of; Studio's package holds its built pages and migration template besides Python."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return "".join(
        f"{p.relative_to(root)}\0{hashlib.sha256(p.read_bytes()).hexdigest()}\0" for p in files
    )


def _pages_built(image: Image) -> None:
    pages = SOURCES["troupe_studio"] / "static/index.html"
    if "troupe_studio" in image.source and not pages.exists():
        raise SystemExit(f"{image.ref}: no {pages.relative_to(REPO)}: run `make web` first")


def source_layer(image: Image) -> oci.Blob:
    """Troupe's own packages, copied as they are in the repo, and their commands."""

    def make(root: Path) -> None:
        for package in image.source:
            skip = shutil.ignore_patterns("__pycache__")
            shutil.copytree(SOURCES[package], root / pylayer.DIST / package, ignore=skip)
        bin_dir = root / "usr/local/bin"
        bin_dir.mkdir(parents=True)
        for command, module in COMMANDS.items():
            if module.partition(".")[0] not in image.source:
                continue
            script = bin_dir / command
            script.write_text(
                f"#!{pylayer.IMAGE_PYTHON}\nimport sys\nfrom {module} import main\n"
                "sys.exit(main())\n"
            )
            script.chmod(0o755)
        pylayer.compile_tree(root)

    _pages_built(image)
    key = _key(_source("oci", "pylayer"), *(_tree_text(SOURCES[p]) for p in image.source))
    return layer(f"{image.name}-source", key, make)


def image_key(image: Image) -> str:
    sources = _source(*sorted(p.stem for p in HERE.glob("*.py")))
    requirements = image.requirement_file.read_text() if image.requirements else ""
    own = "".join(_tree_text(SOURCES[p]) for p in image.source)
    parent = image_key(IMAGES[image.parent]) if image.parent else ""
    return _key(sources, repr(image), requirements, rootfs.recipe(image.apt), own, parent)


def image_layers(image: Image) -> list[oci.Blob]:
    """The parent's layers (or the base), then this image's own."""
    layers = image_layers(IMAGES[image.parent]) if image.parent else [base_layer()]
    if image.apt:
        layers.append(apt_layer(image, layers[0]))
    if image.requirements:
        layers += pip_layers(image)
    if image.source:
        layers.append(source_layer(image))
    return layers


def image_env(image: Image) -> tuple[str, ...]:
    return (image_env(IMAGES[image.parent]) if image.parent else ENV) + image.env


def build(image: Image) -> Path:
    """The image's OCI archive, from the cache or built; prints seconds, MB and which."""
    start = time.monotonic()
    archive = CACHE / f"{image.name}-{image.tag}-{image_key(image)}.tar"
    if archive.exists():
        print(f"{image.ref:<38} {0:>6}s {_mb(archive.stat().st_size):>7} MB  cached")
        return archive
    _pages_built(image)
    print(f"{image.ref}: building")
    layers = image_layers(image)
    config = oci.Config(env=image_env(image), cmd=image.cmd)
    partial = archive.with_suffix(".partial")
    with open(partial, "wb") as out:
        oci.write_image(out, image.ref, layers, config)
    partial.rename(archive)
    _prune(CACHE, rf"{re.escape(image.name)}-[^-]+-[0-9a-f]{{16}}\.tar", archive)
    size = _mb(archive.stat().st_size)
    print(f"{image.ref:<38} {time.monotonic() - start:>6.0f}s {size:>7} MB  built")
    return archive
