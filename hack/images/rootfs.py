"""Debian bookworm root filesystems from mmdebstrap, and the layer that adds packages to one.

Python's bytecode is recompiled hash-based (PEP 552): the layer writer sets every mtime to
one epoch, which would make Debian's timestamp-based .pyc files stale on every import.
"""

import hashlib
import os
import shutil
import stat
import subprocess
import tarfile
from pathlib import Path

SUITE = "bookworm"
MIRRORS = (
    "deb http://deb.debian.org/debian bookworm main",
    "deb http://deb.debian.org/debian bookworm-updates main",
    "deb http://deb.debian.org/debian-security bookworm-security main",
)
PACKAGES = ("python3", "ca-certificates", "procps", "iproute2", "netbase")
# Docs, man pages and translations: dpkg never unpacks them (licences stay).
DPKG_OPTIONS = (
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/locale/*",
    "path-exclude=/usr/share/lintian/*",
)
COMPILE = (
    'chroot "$1" env PYTHONHASHSEED=0 python3 -m compileall -qq -f -j0'
    " --invalidation-mode checked-hash /usr/lib/python3.11 /usr/lib/python3/dist-packages"
)
# Build leftovers, and what the runtime provides or must make per container (host keys).
JUNK = (
    "dev/*",
    "etc/hostname",
    "etc/resolv.conf",
    "etc/ssh/ssh_host_*",
    "tmp/*",
    "var/log/*",
    "var/cache/apt/*",
    "var/cache/debconf/*-old",
    "var/cache/ldconfig/aux-cache",
    "var/lib/apt/lists/*",
    "var/lib/dpkg/*-old",
)


def recipe(extra: tuple[str, ...] = ()) -> str:
    """Everything that decides what mmdebstrap installs: the part of a cache key it owns."""
    return "\n".join((SUITE, *MIRRORS, *PACKAGES, *extra, *DPKG_OPTIONS, COMPILE, *JUNK))


def bootstrap(target: Path, extra: tuple[str, ...] = ()) -> None:
    """Make a minimal bookworm with python3 (and `extra` packages) in the empty dir `target`."""
    done = subprocess.run(
        [
            "mmdebstrap",
            "--quiet",
            "--variant=apt",
            "--format=directory",
            "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
            "--include=" + ",".join(PACKAGES + extra),
            *(f"--dpkgopt={option}" for option in DPKG_OPTIONS),
            f"--customize-hook={COMPILE}",
            SUITE,
            str(target),
            *MIRRORS,
        ],
        capture_output=True,  # dpkg's chatter, shown only when mmdebstrap fails
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"mmdebstrap failed:\n{done.stdout}{done.stderr}")
    for pattern in JUNK:
        for path in target.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()


def _file_sha(read) -> str:
    sha = hashlib.sha256()
    while chunk := read(1 << 20):
        sha.update(chunk)
    return sha.hexdigest()


def _tar_signatures(layer: Path) -> dict[str, tuple]:
    """What each path in a layer tar is: kind, mode, owner and content (or link target)."""
    found: dict[str, tuple] = {}
    with tarfile.open(layer, mode="r|") as tar:
        for m in tar:
            if m.islnk():
                found[m.name] = found[m.linkname]
            elif m.isreg():
                sig = ("f", m.mode, m.uid, m.gid, m.size, _file_sha(tar.extractfile(m).read))
                found[m.name] = sig
            elif m.issym():
                found[m.name] = ("l", m.linkname)
            else:
                found[m.name] = ("o", m.type, m.mode, m.uid, m.gid)
    return found


def _signature(path: Path, st: os.stat_result, size_match: bool) -> tuple:
    mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISREG(st.st_mode):
        with open(path, "rb") as f:
            content = _file_sha(f.read) if size_match else None
        return ("f", mode, st.st_uid, st.st_gid, st.st_size, content)
    if stat.S_ISLNK(st.st_mode):
        return ("l", os.readlink(path))
    kind = tarfile.DIRTYPE if stat.S_ISDIR(st.st_mode) else None
    return ("o", kind, mode, st.st_uid, st.st_gid)


def changed(base_layer: Path, root: Path, paths: list[str]) -> list[str]:
    """The `paths` of `root` that are new or differ from the tree in `base_layer`.

    Paths the base has and `root` lacks stay visible from the base: packages only add files.
    """
    base = _tar_signatures(base_layer)
    out = []
    for rel in paths:
        st = os.lstat(root / rel)
        old = base.get(rel)
        same_size = old is not None and old[0] == "f" and old[4] == st.st_size
        if _signature(root / rel, st, same_size) != old:
            out.append(rel)
    return out
