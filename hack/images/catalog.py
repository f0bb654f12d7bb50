"""The images the training examples run in: names, pins and what each adds to the base."""

from dataclasses import dataclass
from pathlib import Path

from .pylayer import canonical

REPO = Path(__file__).resolve().parents[2]
REQUIREMENTS = REPO / "tests/contract/requirements"
OWN_REQUIREMENTS = Path(__file__).resolve().parent / "requirements"  # images of Troupe itself
# The project's packages, as its own images install them (package -> source directory)
SOURCES = {
    "troupe": REPO / "operator/troupe",
    "troupe_frameworks": REPO / "frameworks",
    "troupe_studio": REPO / "studio/troupe_studio",
}
# Their commands (command -> module with a main()); an image gets those of its packages
COMMANDS = {
    "troupe": "troupe.cli.main",
    "troupe-operator": "troupe.__main__",
    "troupe-studio": "troupe_studio.__main__",
}
REGISTRY = "localhost/troupe"
ENV = (
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG=C.UTF-8",
    "PYTHONUNBUFFERED=1",
)


@dataclass(frozen=True)
class Image:
    """One image: the base (or the layers of image `parent`), plus Debian packages `apt`, plus
    the wheels of `requirements` (less those the parent has at the same version).

    `library` is the pinned distribution whose version is the tag; `extra` are requirements its
    wheel forgot, which a venv happens to have (setuptools). Distributions whose names
    start with one of `split` get a layer of their own below the library's, so that upgrading
    the library alone (torch, not its CUDA wheels) rebuilds only the library's layer.
    """

    name: str
    requirements: str = ""
    library: str = ""
    apt: tuple[str, ...] = ()
    split: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    source: tuple[str, ...] = ()  # Troupe's own packages on top (SOURCES), tag: its version
    cmd: tuple[str, ...] = ("python3",)
    parent: str = ""

    @property
    def requirement_file(self) -> Path:
        if self.source:
            return OWN_REQUIREMENTS / f"{self.requirements}.txt"
        return REQUIREMENTS / f"{self.requirements}.txt"

    @property
    def tag(self) -> str:
        if self.source:
            return project_version()
        if not self.requirements:
            return "bookworm"
        for line in self.requirement_file.read_text().splitlines():
            name, _, version = line.partition("==")
            if canonical(name.split("[")[0]) == canonical(self.library):
                return version.strip()
        raise ValueError(f"{self.requirement_file} does not pin {self.library}")

    @property
    def ref(self) -> str:
        return f"{REGISTRY}/{self.name}:{self.tag}"


IMAGES = {
    image.name: image
    for image in (
        Image("base"),
        Image("pytorch", "torch", "torch", split=("nvidia-", "cuda-")),
        Image("tensorflow", "tensorflow", "tensorflow-cpu"),
        Image("jax", "jax", "jax"),
        Image("xgboost", "xgboost", "xgboost-cpu"),
        Image("paddle", "paddle", "paddlepaddle", apt=("libgomp1",), extra=("setuptools",)),
        Image(
            "mpi",
            "mpi",
            "mpi4py",
            apt=("openmpi-bin", "openssh-server", "openssh-client"),
            env=("OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"),
        ),
        # the operator and its CLI; the artifact containers of a job's pods run it
        Image(
            "operator",
            "operator",
            "kopf",
            source=("troupe", "troupe_frameworks"),
            cmd=("troupe-operator",),
        ),
        # Troupe Studio's service and its built pages, on pytorch: it builds models with torch
        # (in a subprocess of this interpreter); HOME for the caches torch writes, as the
        # chart's pod has a read-only root and a writable /tmp
        Image(
            "studio",
            "studio",
            "fastapi",
            source=("troupe", "troupe_frameworks", "troupe_studio"),
            cmd=("troupe-studio",),
            parent="pytorch",
            env=("HOME=/tmp",),
        ),
    )
}


def project_version() -> str:
    import tomllib

    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
