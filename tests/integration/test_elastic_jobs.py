"""Elastic node sets against a real API server, scheduler and kwok (issue 5).

Pods of these jobs request an extended resource that only the test's own kwok nodes
offer, so each test decides exactly how many pods fit and which node a pod is on.
"""

from __future__ import annotations

import pytest
from kubernetes import client

from support.jobs import Jobs, apply, container, job_manifest
from support.kubelet import finish_pod, remove_node
from support.operator import kubectl
from support.waiting import wait_for

SLOT = "test.troupe.dev/slot"


@pytest.fixture
def nodes(core, namespace):
    """nodes(name, slots) -> a kwok node offering `slots` pods of this test; removed after."""
    made: list[str] = []

    def make(suffix: str, slots: int) -> str:
        name = f"el-{namespace}-{suffix}"[:63]
        capacity = {"cpu": "8", "memory": "16Gi", "pods": "20", SLOT: str(slots)}
        core.create_node(
            {
                "metadata": {
                    "name": name,
                    "annotations": {"kwok.x-k8s.io/node": "fake"},
                    "labels": {"type": "kwok", "troupe-test": namespace},
                },
                "spec": {"taints": [{"key": "troupe-test", "effect": "NoSchedule"}]},
                "status": {"allocatable": capacity, "capacity": capacity},
            }
        )
        made.append(name)
        return name

    yield make
    for name in made:
        try:
            core.delete_node(name)
        except client.ApiException as exc:
            if exc.status != 404:
                raise


def elastic_job(name: str, namespace: str, replicas: int, low: int, high: int, **elastic):
    template = container()
    spec = template["spec"]
    spec["containers"][0]["resources"] = {"requests": {SLOT: "1"}, "limits": {SLOT: "1"}}
    spec["nodeSelector"] = {"troupe-test": namespace}
    spec["tolerations"] = [{"key": "troupe-test", "operator": "Exists"}]
    role = {
        "name": "worker",
        "replicas": replicas,
        "restartPolicy": "ExitCode",
        "elastic": {"minReplicas": low, "maxReplicas": high, **elastic},
        "template": template,
    }
    return job_manifest(name, [role], runPolicy={"backoffLimit": 50})


def members(jobs: Jobs, name: str) -> list[str]:
    return (jobs.status(name).get("membership") or {}).get("members") or []


def configmap_agrees(core, namespace: str, jobs: Jobs, name: str) -> dict | None:
    """The membership when status and the mounted ConfigMap say the same, else None."""
    membership = jobs.status(name).get("membership") or {}
    data = core.read_namespaced_config_map(f"{name}-membership", namespace).data
    same = data["generation"] == str(membership.get("generation")) and data[
        "hosts"
    ].split() == membership.get("hosts")
    return membership if same else None


def wait_replaced(jobs: Jobs, name: str, pod: str, old_uid: str, generation: int, size: int):
    """Until `pod` is back under its name and a later membership has `size` members; every
    phase seen on the way is returned, so a test can say the job never left Running."""
    phases: list[str] = []

    def check():
        phases.append(jobs.status(name).get("phase"))
        current = jobs.pod(pod)
        membership = jobs.status(name).get("membership") or {}
        return (
            current.metadata.uid != old_uid
            and pod in membership.get("members", [])
            and len(membership["members"]) == size
            and membership["generation"] > generation
            and current.metadata.labels.get("troupe.dev/joined-generation")
            == str(membership["generation"])
            and membership
        )

    membership = wait_for(
        check, timeout=120, what=f"{pod} replaced and a member again", show=lambda: phases[-5:]
    )
    return membership, phases


def running_with(jobs: Jobs, name: str, size: int) -> dict:
    return wait_for(
        lambda: (
            jobs.status(name).get("phase") == "Running"
            and len(members(jobs, name)) == size
            and jobs.status(name)
        ),
        timeout=60,
        what=f"{name} Running with {size} members",
        show=lambda: jobs.status(name),
    )


def test_deleted_and_exit_137_workers_come_back_while_the_job_runs(
    kubeconfig, namespace, jobs, core, nodes
):
    nodes("a", 4)
    apply(kubeconfig, namespace, elastic_job("lose", namespace, 3, 2, 4))
    running_with(jobs, "lose", 3)
    for lose in ("delete", "exit-137"):
        before = jobs.status("lose")["membership"]["generation"]
        uid = jobs.pod("lose-worker-1").metadata.uid
        if lose == "delete":
            core.delete_namespaced_pod("lose-worker-1", namespace)
        else:
            finish_pod(core, namespace, "lose-worker-1", exit_code=137)
        membership, phases = wait_replaced(jobs, "lose", "lose-worker-1", uid, before, 3)
        assert set(phases) == {"Running"}, lose
        # leaving and joining again: at least two generations
        assert membership["generation"] >= before + 2, lose
        wait_for(lambda: configmap_agrees(core, namespace, jobs, "lose"), what="ConfigMap agrees")


def test_worker_of_a_removed_node_is_recreated_elsewhere(kubeconfig, namespace, jobs, core, nodes):
    doomed = nodes("doomed", 1)
    nodes("stays", 2)
    apply(kubeconfig, namespace, elastic_job("gone", namespace, 3, 2, 3))
    running_with(jobs, "gone", 3)
    victim = next(p for p in jobs.pods("gone") if p.spec.node_name == doomed)
    before = jobs.status("gone")["membership"]["generation"]
    nodes("spare", 1)  # where the replacement goes
    remove_node(core, doomed)
    membership, phases = wait_replaced(
        jobs, "gone", victim.metadata.name, victim.metadata.uid, before, 3
    )
    assert set(phases) == {"Running"}
    assert jobs.pod(victim.metadata.name).spec.node_name != doomed
    wait_for(lambda: configmap_agrees(core, namespace, jobs, "gone"), what="ConfigMap agrees")


def test_kubectl_scale_resizes_within_bounds(kubeconfig, namespace, jobs, core, nodes):
    nodes("a", 5)
    apply(kubeconfig, namespace, elastic_job("sc", namespace, 2, 1, 4))
    running_with(jobs, "sc", 2)
    kubectl(kubeconfig, "scale", "-n", namespace, "tj/sc", "--replicas=4")
    running_with(jobs, "sc", 4)
    assert jobs.status("sc")["elastic"]["replicas"] == 4
    kubectl(kubeconfig, "scale", "-n", namespace, "tj/sc", "--replicas=2")
    wait_for(
        lambda: members(jobs, "sc") == ["sc-worker-0", "sc-worker-1"],
        what="highest indices removed",
        show=lambda: jobs.status("sc").get("membership"),
    )
    jobs.wait_pods("sc", 2)
    wait_for(lambda: configmap_agrees(core, namespace, jobs, "sc"), what="ConfigMap agrees")
    with pytest.raises(RuntimeError, match="maxReplicas"):
        kubectl(kubeconfig, "scale", "-n", namespace, "tj/sc", "--replicas=9")


def test_surplus_pods_that_cannot_be_scheduled_do_not_block_the_job(
    kubeconfig, namespace, jobs, nodes
):
    nodes("small", 2)
    apply(kubeconfig, namespace, elastic_job("surplus", namespace, 4, 2, 4))
    status = running_with(jobs, "surplus", 2)
    assert status["readyPods"] == 2 and status["totalPods"] == 4
    pending = [p for p in jobs.pods("surplus") if p.status.phase == "Pending"]
    assert len(pending) == 2 and not any(p.spec.node_name for p in pending)


def test_below_minimum_fails_after_the_grace_period(kubeconfig, namespace, jobs, core, nodes):
    node = nodes("only", 2)
    apply(
        kubeconfig,
        namespace,
        elastic_job("below", namespace, 2, 2, 2, belowMinGraceSeconds=3),
    )
    running_with(jobs, "below", 2)
    core.patch_node(node, {"spec": {"unschedulable": True}})  # the replacement cannot land
    core.delete_namespaced_pod("below-worker-0", namespace)
    wait_for(
        lambda: (
            (c := jobs.condition("below", "Restarting"))
            and c["status"] == "True"
            and c["reason"] == "BelowMinReplicas"
        ),
        timeout=30,
        what="below minimum, grace running",
        show=lambda: jobs.status("below"),
    )
    jobs.wait_phase("below", "Failed", timeout=30)
    failed = jobs.condition("below", "Failed")
    assert failed["reason"] == "BelowMinReplicas"
    assert "fewer than minReplicas 2 for more than 3s" in failed["message"]
