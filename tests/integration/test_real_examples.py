"""Every example trains for real: applied as a user applies it, pinned to the real node, its
pods run the framework's own code, and what they print shows the group really formed.

TROUPE_EXAMPLES picks examples by folder (`pytorch,mpi`; default every one); `make test`
runs the cheaper ones, `make test-examples` all seven.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from kubernetes import client

from support.cluster import REPO
from support.jobs import apply
from support.realnode import NODE_NAME, logs, pin, require
from support.waiting import wait_for

# examples/artifacts needs its inputs in the store first: test_real_artifacts.py runs it
EXAMPLES = sorted(p for p in (REPO / "examples").glob("*/*.yaml") if p.parent.name != "artifacts")
CHOSEN = os.environ.get("TROUPE_EXAMPLES", "all")


def _floats(pattern: str, text: str) -> list[float]:
    return [float(m) for m in re.findall(pattern, text)]


def check_pytorch(out: dict[str, str]) -> None:
    master = out["pytorch-ddp-master-0"]
    assert "rank 0 of world size 3 joined" in master
    losses = _floats(r"step \d+ loss ([0-9.]+)", master)
    assert len(losses) == 10 and losses[-1] < losses[0] / 10, losses
    w, b = (float(v) for v in re.search(r"w=([-0-9.]+) b=([-0-9.]+)", master).groups())
    assert abs(w - 3) < 0.3 and abs(b - 1) < 0.3, (w, b)
    for i in (0, 1):
        assert re.search(r"rank [12]/3: w=", out[f"pytorch-ddp-worker-{i}"])


def check_mpi(out: dict[str, str]) -> None:
    launcher = out["mpi-pi-launcher-0"]
    assert "rank 0 of 2" in launcher and "rank 1 of 2" in launcher, launcher
    error = _floats(r"pi 3\.\d+ error ([0-9.e-]+)", launcher)
    assert error and error[0] < 1e-9, launcher
    assert "mpi-pi-worker-0" in launcher and "mpi-pi-worker-1" in launcher, launcher


def check_xgboost(out: dict[str, str]) -> None:
    for pod, rank in (("xgboost-dist-master-0", 0), ("xgboost-dist-worker-0", 1)):
        found = re.search(rf"rank {rank} of 2: trees 20 error ([0-9.]+) -> ([0-9.]+)", out[pod])
        assert found, out[pod]
        first, last = (float(v) for v in found.groups())
        assert last < first, (first, last)


def check_generic(out: dict[str, str]) -> None:
    assert "data ready" in out["prepare-then-train-prepare-0"]
    for i in (0, 1):
        assert f"worker {i} resolved the ps" in out[f"prepare-then-train-worker-{i}"]


def check_jax(out: dict[str, str]) -> None:
    for i in (0, 1):
        assert f"process {i} sum 3" in out[f"jax-psum-worker-{i}"], out


def check_tensorflow(out: dict[str, str]) -> None:
    for pod in ("tf-multiworker-chief-0", "tf-multiworker-worker-0", "tf-multiworker-worker-1"):
        assert re.search(r"replicas 3 final loss [0-9.]+", out[pod]), out[pod]


def check_paddle(out: dict[str, str]) -> None:
    text = out["paddle-collective-master-0"] + out["paddle-collective-worker-0"]
    assert re.search(r"rank 0 of 2 sum \[3\.?\]", text), text
    assert re.search(r"rank 1 of 2 sum \[3\.?\]", text), text


CHECKS = {
    "pytorch": check_pytorch,
    "mpi": check_mpi,
    "xgboost": check_xgboost,
    "generic": check_generic,
    "jax": check_jax,
    "tensorflow": check_tensorflow,
    "paddle": check_paddle,
}


def _chosen(path: Path) -> bool:
    return CHOSEN == "all" or path.parent.name in CHOSEN.split(",")


def _images(doc: dict) -> tuple[str, ...]:
    return tuple(
        sorted(
            {
                c["image"]
                for role in doc["spec"]["roles"]
                for c in role["template"]["spec"]["containers"]
            }
        )
    )


def _keep_pods(manifest: dict) -> dict:
    """The job's pods kept when it ends (cleanPodPolicy None), so every rank's log can be read:
    by default the pods still running when the master succeeds are deleted, and an MPI
    job's sshd workers or a parameter server never end on their own."""
    manifest["spec"].setdefault("runPolicy", {})["cleanPodPolicy"] = "None"
    return manifest


def _all_logs(core, jobs, namespace: str, name: str) -> dict[str, str]:
    """Every pod's log and its previous container's, so a failed run says why."""
    out = {}
    for pod in jobs.pods(name):
        for previous in (False, True):
            key = pod.metadata.name + (" (previous)" if previous else "")
            try:
                out[key] = logs(core, namespace, pod.metadata.name, previous=previous)[-3000:]
            except client.ApiException as exc:
                out[key] = f"no log: {exc.reason}"
    return out


@pytest.mark.realnode
@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=() if _chosen(p) else pytest.mark.skip("not in TROUPE_EXAMPLES"))
        for p in EXAMPLES
    ],
    ids=lambda p: p.parent.name,
)
def test_example_trains_on_the_real_node(path, kubeconfig, core, jobs, namespace):
    doc = next(d for d in yaml.safe_load_all(path.read_text()) if d and d["kind"] == "TrainingJob")
    require(core, _images(doc))
    name = doc["metadata"]["name"]
    apply(kubeconfig, namespace, _keep_pods(pin(doc)))

    status = wait_for(
        lambda: (s := jobs.status(name)).get("phase") in ("Succeeded", "Failed") and s,
        timeout=420,
        interval=1,
        what=f"example {name} finished on the real node",
        show=lambda: (
            jobs.status(name),
            [(p.metadata.name, p.spec.node_name, p.status.phase) for p in jobs.pods(name)],
        ),
    )
    assert status["phase"] == "Succeeded", (status, _all_logs(core, jobs, namespace, name))
    pods = jobs.pods(name)
    assert all(p.spec.node_name == NODE_NAME for p in pods)

    def checked() -> dict[str, str]:
        # the job succeeds with its master: a worker may still be printing its last line
        out = {p.metadata.name: logs(core, namespace, p.metadata.name) for p in pods}
        CHECKS[path.parent.name](out)
        return out

    out = wait_for(checked, timeout=120, interval=1, what=f"the logs of {name} show it trained")
    for pod, text in out.items():
        print(f"--- {pod}\n{text}")
