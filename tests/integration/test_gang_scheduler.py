"""A real gang scheduler: scheduler-plugins' Coscheduling places all of a job's pods or none."""

from __future__ import annotations

import pytest
import yaml

from support.jobs import Jobs, apply, job_manifest
from support.operator import kubectl
from support.waiting import wait_for

POOL = "troupe.test/gang-pool"


@pytest.fixture
def jobs(core, custom, namespace, operator, coscheduler) -> Jobs:
    return Jobs(core, custom, namespace)


@pytest.fixture
def pool(kubeconfig, namespace, core):
    """Fake nodes of 8 GPUs that only this test's pods tolerate; `add()` adds one more."""
    names: list[str] = []

    def add() -> str:
        name = f"gang-{namespace}-{len(names)}"
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "annotations": {"kwok.x-k8s.io/node": "fake"},
                "labels": {"kubernetes.io/hostname": name, "type": "kwok", POOL: namespace},
            },
            "spec": {"taints": [{"key": POOL, "value": namespace, "effect": "NoSchedule"}]},
            "status": {
                "allocatable": {
                    "cpu": "32",
                    "memory": "256Gi",
                    "nvidia.com/gpu": "8",
                    "pods": "110",
                },
                "capacity": {"cpu": "32", "memory": "256Gi", "nvidia.com/gpu": "8", "pods": "110"},
            },
        }
        kubectl(kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump(node))
        names.append(name)
        return name

    add.names = names
    yield add
    for name in names:
        core.delete_node(name)


def _gpu_job(name: str, namespace: str, replicas: int) -> dict:
    gpus = {"nvidia.com/gpu": "8"}
    template = {
        "spec": {
            "nodeSelector": {POOL: namespace},
            "tolerations": [{"key": POOL, "operator": "Equal", "value": namespace}],
            "containers": [
                {
                    "name": "main",
                    "image": "busybox:1.36",
                    "resources": {"requests": gpus, "limits": gpus},
                }
            ],
        }
    }
    return job_manifest(
        name,
        [{"name": "worker", "replicas": replicas, "template": template}],
        scheduling={"gang": {"policy": "coscheduling", "scheduleTimeoutSeconds": 30}},
    )


def _unschedulable(pod) -> bool:
    return any(
        c.type == "PodScheduled" and c.status == "False" and c.reason == "Unschedulable"
        for c in pod.status.conditions or []
    )


def test_gang_that_does_not_fit_stays_pending_then_starts_when_room_appears(
    kubeconfig, namespace, jobs, pool
):
    pool()
    pool()  # room for two of the three pods: a plain scheduler would start two
    apply(kubeconfig, namespace, _gpu_job("gang", namespace, 3))
    pods = jobs.wait_pods("gang", 3)
    assert {p.spec.scheduler_name for p in pods} == {"scheduler-plugins-scheduler"}
    wait_for(
        lambda: all(_unschedulable(p) for p in jobs.pods("gang")),
        timeout=60,
        what="the whole gang rejected as unschedulable",
        show=lambda: [
            (p.metadata.name, p.spec.node_name, p.status.conditions) for p in jobs.pods("gang")
        ],
    )
    assert [p.spec.node_name for p in jobs.pods("gang")] == [None, None, None]
    assert jobs.status("gang")["phase"] == "Pending"

    pool()
    running = jobs.wait_pods("gang", 3, running=True, timeout=90)
    assert sorted(p.spec.node_name for p in running) == sorted(pool.names)
    jobs.wait_phase("gang", "Running")
