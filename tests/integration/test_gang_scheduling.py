"""Gang scheduling against a real API server with Volcano's and scheduler-plugins' CRDs.

The CRDs come from the projects' Go modules (hack/install-crds-from-modules.sh); the API
server's schema validation is what proves the PodGroups Troupe writes are well formed.
"""

from __future__ import annotations

import pytest

from support.jobs import Jobs, apply, job_manifest
from support.waiting import wait_for

PODGROUP_APIS = {
    "volcano": ("scheduling.volcano.sh", "v1beta1"),
    "coscheduling": ("scheduling.x-k8s.io", "v1alpha1"),
}


@pytest.fixture
def jobs(core, custom, namespace, operator, podgroup_crds) -> Jobs:
    return Jobs(core, custom, namespace)


def _pod_group(custom, namespace, policy, name):
    group, version = PODGROUP_APIS[policy]
    return custom.get_namespaced_custom_object(group, version, namespace, "podgroups", name)


def _master_workers(name: str, gang: dict, **scheduling) -> dict:
    return job_manifest(
        name,
        [
            {"name": "master", "replicas": 1},
            {
                "name": "worker",
                "replicas": 3,
                "dependsOn": [{"role": "master", "condition": "Ready"}],
            },
        ],
        scheduling={"gang": gang, **scheduling},
    )


@pytest.mark.parametrize("policy", ["volcano", "coscheduling"])
def test_pod_group_grows_with_dependency_stages(kubeconfig, namespace, jobs, custom, policy):
    # The default scheduler stands in for the gang scheduler so the master becomes Ready;
    # the real coscheduling scheduler is exercised in test_gang_scheduler.py.
    gang = {"policy": policy, "schedulerName": "default-scheduler"}
    if policy == "coscheduling":
        gang["scheduleTimeoutSeconds"] = 30
    apply(kubeconfig, namespace, _master_workers("g", gang, queue="default"))
    [master] = jobs.wait_pods("g", 1, "master")
    group = _pod_group(custom, namespace, policy, "g")
    assert group["metadata"]["ownerReferences"][0]["kind"] == "TrainingJob"
    # the PodGroup existed before the first pod, sized for the master alone
    assert group["metadata"]["creationTimestamp"] <= master.metadata.creation_timestamp.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    workers = jobs.wait_pods("g", 3, "worker")
    grown = wait_for(
        lambda: (g := _pod_group(custom, namespace, policy, "g"))["spec"]["minMember"] == 4 and g,
        what="minMember 4 once the workers are released",
    )
    if policy == "volcano":
        assert grown["spec"]["queue"] == "default"
        assert all(
            p.metadata.annotations["scheduling.k8s.io/group-name"] == "g"
            for p in [master, *workers]
        )
    else:
        assert grown["spec"]["scheduleTimeoutSeconds"] == 30
        assert all(
            p.metadata.labels["scheduling.x-k8s.io/pod-group"] == "g" for p in [master, *workers]
        )
    assert {p.spec.scheduler_name for p in [master, *workers]} == {"default-scheduler"}
    assert jobs.status("g")["gang"] == {"podGroup": "g", "minMember": 4}


def test_priority_class_reaches_every_pod(kubeconfig, namespace, jobs, scheduling_api):
    name = f"troupe-test-{namespace}"
    scheduling_api.create_priority_class({"metadata": {"name": name}, "value": 1000})
    try:
        apply(
            kubeconfig,
            namespace,
            job_manifest(
                "p", [{"name": "worker", "replicas": 2}], scheduling={"priorityClassName": name}
            ),
        )
        pods = jobs.wait_pods("p", 2)
        assert {(p.spec.priority_class_name, p.spec.priority) for p in pods} == {(name, 1000)}
    finally:
        scheduling_api.delete_priority_class(name)


def test_job_managed_by_another_controller_is_left_alone(kubeconfig, namespace, jobs):
    apply(
        kubeconfig,
        namespace,
        job_manifest("theirs", [{"name": "worker"}], managedBy="kueue.x-k8s.io/multikueue"),
    )
    apply(kubeconfig, namespace, job_manifest("ours", [{"name": "worker"}]))
    jobs.wait_pods("ours", 1)
    jobs.wait_phase("ours", "Running")
    assert jobs.pods("theirs") == []
    assert jobs.status("theirs") == {"observedGeneration": 0}  # the CRD's default, untouched
