"""Contract tests: the real training libraries, launched with exactly the env Troupe renders.

Libraries live in per-library venvs that hack/contract-deps.sh builds outside the repo;
a test skips, naming the missing venv and the command that builds it, only when that
venv is absent. Run with `pytest -m contract tests/contract`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from pods import LocalCluster, job_from_manifest, local_cluster

HERE = Path(__file__).parent
REQUIREMENTS = HERE / "requirements"
SCRIPTS = HERE / "scripts"
CACHE = Path(os.environ.get("TROUPE_CONTRACT_CACHE", Path.home() / ".cache/troupe/contract"))


def pytest_configure(config):
    config.addinivalue_line("markers", "contract: launches a real training library (CPU)")


def library_venv(library: str) -> Path:
    """The venv hack/contract-deps.sh builds for this library's requirement file."""
    digest = hashlib.sha256((REQUIREMENTS / f"{library}.txt").read_bytes()).hexdigest()[:12]
    return CACHE / f"{library}-{digest}"


@pytest.fixture
def python_of(request):
    """python_of("torch") -> that library's venv python, or skip saying how to build it."""

    def find(library: str) -> str:
        venv = library_venv(library)
        if not (venv / ".ok").exists():
            pytest.skip(f"{venv} missing: run hack/contract-deps.sh {library}")
        return str(venv / "bin" / "python")

    return find


@pytest.fixture
def cluster():
    """cluster(manifest) -> LocalCluster of its pods; namespaces removed after the test."""
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.fail("contract tests need root and iproute2 for network namespaces")
    made: list[LocalCluster] = []

    def make(manifest: dict, net: int = 0) -> LocalCluster:
        made.append(local_cluster(job_from_manifest(manifest), net))
        return made[-1]

    yield make
    for c in made:
        c.close()


def script(name: str) -> str:
    return str(SCRIPTS / name)


def manifest(framework: str, replicas: dict[str, int], name: str = "train") -> dict:
    """A TrainingJob as a user writes it: one container named after the framework per role."""
    return {
        "metadata": {"name": name, "namespace": "team-a"},
        "spec": {
            "framework": framework,
            "roles": [
                {"name": role, "replicas": n,
                 "template": {"spec": {"containers": [{"name": framework, "image": "x"}]}}}
                for role, n in replicas.items()
            ],
        },
    }  # fmt: skip


def last_json(output: str) -> dict:
    """The JSON line a contract script prints last."""
    return json.loads(output.strip().splitlines()[-1])


def run_pods(pods, argv: list[str], timeout: float, extra_env=None) -> dict[str, dict]:
    """Start every pod (in role order, dependencies first), wait, return each pod's result."""
    for pod in pods.pods:
        pods.start(pod, argv, extra_env)
    codes = pods.wait_all(timeout=timeout)
    assert codes and set(codes.values()) == {0}, f"exit codes {codes}\n{pods.logs()}"
    return {p.name: last_json(p.output) for p in pods.pods}
