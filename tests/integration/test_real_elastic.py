"""torchrun elastic on the real node: a worker pod deleted mid-training is survived; the
others re-rendezvous, resume from the shared checkpoint and finish the job."""

from __future__ import annotations

import json
import re

import pytest

from support.cluster import REPO
from support.jobs import apply
from support.operator import kubectl
from support.realnode import logs, pin, require
from support.waiting import wait_for

pytestmark = pytest.mark.realnode

IMAGE = "localhost/troupe/pytorch:2.15.0"
SCRIPT = REPO / "tests" / "contract" / "scripts" / "torch_elastic_train.py"
STEPS, DELETE_AFTER = 60, 10


def manifest(shared: str) -> dict:
    return {
        "apiVersion": "troupe.dev/v1alpha1",
        "kind": "TrainingJob",
        "metadata": {"name": "elastic"},
        "spec": {
            "framework": "pytorch",
            "roles": [
                {
                    "name": "worker",
                    "replicas": 3,
                    "elastic": {
                        "minReplicas": 2,
                        "maxReplicas": 3,
                        "rendezvous": {
                            "joinTimeoutSeconds": 120,
                            "lastCallTimeoutSeconds": 2,
                            "maxRestarts": 5,
                        },
                    },
                    "template": {
                        "spec": {
                            "containers": [
                                {
                                    "name": "pytorch",
                                    "image": IMAGE,
                                    "command": ["torchrun", "/scripts/train.py"],
                                    "env": [
                                        {"name": "CKPT", "value": "/shared/ckpt.pt"},
                                        {"name": "RESULTS", "value": "/shared"},
                                        {"name": "STEPS", "value": str(STEPS)},
                                        {"name": "STEP_SECONDS", "value": "0.3"},
                                    ],
                                    "resources": {"requests": {"cpu": "200m", "memory": "512Mi"}},
                                    "volumeMounts": [
                                        {"name": "scripts", "mountPath": "/scripts"},
                                        {"name": "shared", "mountPath": "/shared"},
                                    ],
                                }
                            ],
                            "volumes": [
                                {"name": "scripts", "configMap": {"name": "elastic-script"}},
                                {"name": "shared", "hostPath": {"path": shared}},
                            ],
                        }
                    },
                }
            ],
        },
    }


def last_step(text: str) -> int:
    steps = re.findall(r"^step (\d+) world", text, re.M)
    return int(steps[-1]) if steps else 0


def test_elastic_job_survives_a_deleted_worker(kubeconfig, namespace, jobs, core, tmp_path):
    require(core, (IMAGE,))
    core.create_namespaced_config_map(
        namespace,
        {"metadata": {"name": "elastic-script"}, "data": {"train.py": SCRIPT.read_text()}},
    )
    apply(kubeconfig, namespace, pin(manifest(str(tmp_path))))
    wait_for(
        lambda: last_step(logs(core, namespace, "elastic-worker-0")) >= DELETE_AFTER,
        timeout=300,
        interval=1,
        what=f"training past step {DELETE_AFTER}",
        show=lambda: [(p.metadata.name, p.status.phase) for p in jobs.pods("elastic")],
    )
    kubectl(kubeconfig, "delete", "pod", "-n", namespace, "elastic-worker-1", "--wait=false")
    status = jobs.wait_phase("elastic", "Succeeded", timeout=300)
    results = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    assert results and all(r["step"] == STEPS for r in results), results
    assert any(r["round_start"] > 0 for r in results), results  # resumed from a checkpoint
    assert any(r["restart"] > 0 for r in results), results  # torchrun re-rendezvoused
    print(status, results)
