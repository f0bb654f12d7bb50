"""Every example, applied as a user applies it, runs to Succeeded on the local cluster.

kwok runs no containers, so the test plays the kubelet: each pod that is Running exits 0,
the way its training command would. Roles that wait for others see them finish first, so
dependency order is exercised too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from support.cluster import REPO
from support.jobs import Jobs
from support.kubelet import finish_pod
from support.operator import kubectl
from support.waiting import wait_for

# examples/artifacts needs its inputs in the store first: test_real_artifacts.py runs it
EXAMPLES = sorted(p for p in (REPO / "examples").glob("*/*.yaml") if p.parent.name != "artifacts")


def _job_name(path: Path) -> str:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    return next(d["metadata"]["name"] for d in docs if d["kind"] == "TrainingJob")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_runs_to_succeeded(path, kubeconfig, namespace, core, custom, operator):
    kubectl(kubeconfig, "apply", "-n", namespace, "-f", str(path))
    name = _job_name(path)
    jobs = Jobs(core, custom, namespace)

    def finished():
        for pod in jobs.pods(name):
            if pod.status.phase == "Running" and not pod.metadata.deletion_timestamp:
                finish_pod(core, namespace, pod.metadata.name, exit_code=0)
        return jobs.status(name).get("phase") == "Succeeded"

    wait_for(
        finished,
        timeout=120,
        interval=0.5,
        what=f"example {name} Succeeded",
        show=lambda: (
            jobs.status(name),
            [(p.metadata.name, p.status.phase) for p in jobs.pods(name)],
        ),
    )
