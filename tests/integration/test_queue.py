"""The built-in queue against a real API server: TrainingQueue limits, order, restarts."""

from __future__ import annotations

import uuid

import pytest

from support.jobs import apply, job_manifest
from support.waiting import wait_for

GROUP, VERSION = "troupe.dev", "v1alpha1"


@pytest.fixture
def queue(custom):
    """A TrainingQueue of its own per test; tests change its limits through `set`."""
    name = f"q-{uuid.uuid4().hex[:8]}"

    class Queue:
        def __init__(self):
            self.name = name

        def set(self, **spec):
            body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "TrainingQueue"}
            body["metadata"] = {"name": name}
            body["spec"] = spec
            try:
                current = custom.get_cluster_custom_object(GROUP, VERSION, "trainingqueues", name)
                body["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
                custom.replace_cluster_custom_object(GROUP, VERSION, "trainingqueues", name, body)
            except Exception:
                custom.create_cluster_custom_object(GROUP, VERSION, "trainingqueues", body)

    q = Queue()
    yield q
    custom.delete_cluster_custom_object(GROUP, VERSION, "trainingqueues", name)


def _job(name, queue, gpus=0, **scheduling):
    container = {"name": "main", "image": "busybox:1.36"}
    if gpus:
        gpu = {"nvidia.com/gpu": str(gpus)}
        container["resources"] = {"requests": gpu, "limits": gpu}
    return job_manifest(
        name,
        [{"name": "worker", "replicas": 1, "template": {"spec": {"containers": [container]}}}],
        scheduling={"queue": queue, **scheduling},
    )


def test_jobs_wait_queued_with_position_and_run_one_at_a_time(
    kubeconfig, namespace, jobs, queue, custom
):
    queue.set(maxRunningJobs=1)
    for name in ("first", "second", "third"):
        apply(kubeconfig, namespace, _job(name, queue.name))
        jobs.wait_phase(name, "Queued" if name != "first" else "Running")
    assert jobs.pods("second") == [] and jobs.pods("third") == []
    assert jobs.status("third")["queuePosition"] == 2
    cond = jobs.condition("third", "Queued")
    assert cond["status"] == "True" and "position 2" in cond["message"]

    custom.delete_namespaced_custom_object(GROUP, VERSION, namespace, "trainingjobs", "first")
    jobs.wait_phase("second", "Running")
    assert jobs.status("third")["phase"] == "Queued"
    wait_for(lambda: jobs.status("third").get("queuePosition") == 1, what="third moves up")


def test_a_job_too_big_for_now_does_not_block_a_smaller_one(kubeconfig, namespace, jobs, queue):
    queue.set(resources={"nvidia.com/gpu": 8})
    apply(kubeconfig, namespace, _job("busy", queue.name, gpus=6))
    jobs.wait_phase("busy", "Running")
    apply(kubeconfig, namespace, _job("big", queue.name, gpus=4))
    jobs.wait_phase("big", "Queued")
    apply(kubeconfig, namespace, _job("small", queue.name, gpus=2))
    jobs.wait_phase("small", "Running")
    apply(kubeconfig, namespace, _job("huge", queue.name, gpus=16))
    jobs.wait_phase("huge", "Queued")
    assert jobs.condition("huge", "Queued")["reason"] == "ExceedsQueueLimits"
    assert jobs.status("big")["phase"] == "Queued"


def test_priority_class_goes_first(kubeconfig, namespace, jobs, queue, custom, scheduling_api):
    vip = f"vip-{namespace}"
    scheduling_api.create_priority_class({"metadata": {"name": vip}, "value": 100000})
    try:
        queue.set(maxRunningJobs=1)
        apply(kubeconfig, namespace, _job("running", queue.name))
        jobs.wait_phase("running", "Running")
        apply(kubeconfig, namespace, _job("early", queue.name))
        jobs.wait_phase("early", "Queued")
        apply(kubeconfig, namespace, _job("vip", queue.name, priorityClassName=vip))
        wait_for(lambda: jobs.status("vip").get("queuePosition") == 1, what="vip first in line")
        wait_for(lambda: jobs.status("early").get("queuePosition") == 2, what="early second")
        custom.delete_namespaced_custom_object(GROUP, VERSION, namespace, "trainingjobs", "running")
        jobs.wait_phase("vip", "Running")
        assert jobs.status("early")["phase"] == "Queued"
    finally:
        scheduling_api.delete_priority_class(vip)


def test_admission_survives_an_operator_restart(kubeconfig, namespace, jobs, queue, operator):
    queue.set(maxRunningJobs=1)
    apply(kubeconfig, namespace, _job("a", queue.name))
    jobs.wait_phase("a", "Running")
    apply(kubeconfig, namespace, _job("b", queue.name))
    jobs.wait_phase("b", "Queued")
    operator.kill()
    operator.start()
    apply(kubeconfig, namespace, _job("c", queue.name))
    jobs.wait_phase("c", "Queued")
    assert jobs.status("a")["phase"] == "Running"
    assert jobs.status("b")["phase"] == "Queued" and jobs.pods("b") == []
    assert jobs.status("c")["queuePosition"] == 2
