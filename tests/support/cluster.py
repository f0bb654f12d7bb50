"""The real cluster the integration tests run against.

`TROUPE_TEST_KUBECONFIG` points the tests at an existing cluster (kind on a laptop);
otherwise `hack/cluster.sh up` starts (or reuses) the local kwok-backed control plane.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def ensure_cluster() -> str:
    """Return a kubeconfig path for a reachable cluster, starting the local one if needed."""
    given = os.environ.get("TROUPE_TEST_KUBECONFIG")
    if given:
        return given
    out = subprocess.run(
        ["bash", str(REPO / "hack" / "cluster.sh"), "up"],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def running_cluster() -> str:
    """The kubeconfig of a cluster that is already up (TROUPE_TEST_KUBECONFIG, else the local
    one's); the test is skipped without one. For tests that never start a cluster themselves."""
    kubeconfig = os.environ.get("TROUPE_TEST_KUBECONFIG") or str(
        Path.home() / ".cache/troupe/kubeconfig"
    )
    if not Path(kubeconfig).is_file():
        pytest.skip(f"no local cluster: {kubeconfig} is missing (make cluster)")
    return kubeconfig


def binaries_dir() -> Path:
    """Where build-binaries.sh keeps kwokctl, helm and the control-plane binaries."""
    out = subprocess.run(
        ["bash", str(REPO / "hack" / "build-binaries.sh")],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return Path(out.stdout.strip().splitlines()[-1])
