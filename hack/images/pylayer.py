"""Python library layers: wheels pip installs under /usr/local for Debian's /usr/bin/python3.

Downloads go to one wheelhouse and installs read only from it. pip's HTTP cache cannot share
them: this network's proxy strips Cache-Control, so pip stores nothing in ~/.cache/pip.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

DIST = "usr/local/lib/python3.11/dist-packages"
WHEELS = Path(os.environ.get("TROUPE_WHEELS", Path.home() / ".cache/troupe/wheels"))
# The image's own interpreter, so the bytecode matches it; the host has the same Debian one.
IMAGE_PYTHON = "/usr/bin/python3"
PIP = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet")


def canonical(name: str) -> str:
    """A distribution name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def download(requirements: Path) -> None:
    """Put every wheel `requirements` resolves to in the wheelhouse; present ones are kept."""
    WHEELS.mkdir(parents=True, exist_ok=True)
    subprocess.run([*PIP, "download", "-d", str(WHEELS), "-r", str(requirements)], check=True)


def resolve(requirements: Path) -> list[str]:
    """The exact `name==version` pins that `requirements` installs, from the wheelhouse only."""
    report = subprocess.run(
        [*PIP, "install", "--dry-run", "--ignore-installed", "--no-index", "--find-links"]
        + [str(WHEELS), "--report", "-", "-r", str(requirements)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    items = json.loads(report)["install"]
    return sorted(f"{canonical(i['metadata']['name'])}=={i['metadata']['version']}" for i in items)


def install(pins: list[str], root: Path) -> None:
    """Install `pins` (no dependencies) into the layer tree `root`, ready for the image.

    pip's --prefix layout is moved to Debian's: site-packages becomes dist-packages, which
    Debian's python3 searches under /usr/local; scripts get the image's interpreter.
    """
    prefix = root / "usr/local"
    subprocess.run(
        [*PIP, "install", "--no-index", "--find-links", str(WHEELS), "--no-deps"]
        + ["--ignore-installed", "--no-compile", "--no-warn-script-location"]
        + ["--prefix", str(prefix), *pins],
        check=True,
    )
    (prefix / "lib/python3.11/site-packages").rename(root / DIST)
    _fix_shebangs(prefix / "bin")
    _compile(root)


def _fix_shebangs(bin_dir: Path) -> None:
    for script in sorted(bin_dir.iterdir()) if bin_dir.is_dir() else ():
        if not script.is_file():
            continue
        data = script.read_bytes()
        first, sep, rest = data.partition(b"\n")
        if first.startswith(b"#!") and b"python" in first:
            script.write_bytes(b"#!" + IMAGE_PYTHON.encode() + sep + rest)


def compile_tree(root: Path) -> None:
    _compile(root)


def _compile(root: Path) -> None:
    """Hash-checked bytecode: valid whatever the mtime, and no compile at every container start.

    Some wheels ship .py files that are not Python 3 (templates, examples); compileall reports
    them and fails, which costs nothing here: they are never imported.
    """
    subprocess.run(
        [IMAGE_PYTHON, "-m", "compileall", "-qq", "-f", "-j0", "--invalidation-mode"]
        + ["checked-hash", "-s", str(root), "-p", "/", str(root / DIST)],
        env={**os.environ, "PYTHONHASHSEED": "0"},
        check=False,
    )
