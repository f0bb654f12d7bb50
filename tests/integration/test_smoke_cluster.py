"""Proof that the ground is real: CRDs, scheduling onto kwok nodes, pod endings, and GC."""

from __future__ import annotations

import subprocess
import textwrap

from kubernetes import client

from support.kubelet import finish_pod, remove_node
from support.waiting import wait_for

WIDGET_CRD = textwrap.dedent(
    """
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: widgets.smoke.troupe.dev}
    spec:
      group: smoke.troupe.dev
      scope: Namespaced
      names: {plural: widgets, singular: widget, kind: Widget}
      versions:
      - name: v1
        served: true
        storage: true
        schema:
          openAPIV3Schema:
            type: object
            properties:
              spec: {type: object, properties: {size: {type: integer, minimum: 1}}}
    """
)


def _pod(name: str) -> dict:
    return {
        "metadata": {"name": name},
        "spec": {
            "containers": [{"name": "main", "image": "busybox:1.36", "command": ["true"]}],
            "restartPolicy": "Never",
        },
    }


def test_custom_resource_is_stored_and_validated(kubeconfig, custom, namespace):
    subprocess.run(
        ["kubectl", "--kubeconfig", kubeconfig, "apply", "-f", "-"],
        input=WIDGET_CRD,
        text=True,
        check=True,
        capture_output=True,
    )

    def create(size):
        return custom.create_namespaced_custom_object(
            "smoke.troupe.dev",
            "v1",
            namespace,
            "widgets",
            {
                "apiVersion": "smoke.troupe.dev/v1",
                "kind": "Widget",
                "metadata": {"name": f"w{size}"},
                "spec": {"size": size},
            },
        )

    created = wait_for(lambda: create(3), what="CRD established")
    assert created["spec"]["size"] == 3
    try:
        create(0)
    except client.ApiException as exc:
        assert exc.status == 422 and "spec.size" in exc.body
    else:
        raise AssertionError("the API server accepted a Widget that violates its schema")


def test_pod_is_scheduled_to_a_kwok_node_and_runs(core, namespace):
    core.create_namespaced_pod(namespace, _pod("runner"))
    pod = wait_for(
        lambda: (
            (p := core.read_namespaced_pod("runner", namespace)).status.phase == "Running" and p
        ),
        what="pod Running",
        show=lambda: core.read_namespaced_pod("runner", namespace).status,
    )
    assert pod.spec.node_name.startswith("kwok-node-")
    assert pod.status.pod_ip
    assert any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions)


def test_pod_can_be_finished_as_oom_killed(core, namespace):
    core.create_namespaced_pod(namespace, _pod("victim"))
    wait_for(
        lambda: core.read_namespaced_pod("victim", namespace).status.phase == "Running",
        what="pod Running",
    )
    finish_pod(core, namespace, "victim", exit_code=137, reason="OOMKilled")

    def terminated():
        pod = core.read_namespaced_pod("victim", namespace)
        state = pod.status.container_statuses[0].state.terminated
        return pod.status.phase == "Failed" and state and state

    state = wait_for(
        terminated,
        what="pod Failed with exit 137",
        show=lambda: core.read_namespaced_pod("victim", namespace).status,
    )
    assert (state.exit_code, state.reason) == (137, "OOMKilled")


def test_owned_object_is_garbage_collected_with_its_owner(core, namespace):
    owner = core.create_namespaced_config_map(namespace, {"metadata": {"name": "owner"}})
    ref = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": "owner",
        "uid": owner.metadata.uid,
        "blockOwnerDeletion": True,
    }
    core.create_namespaced_config_map(
        namespace, {"metadata": {"name": "owned", "ownerReferences": [ref]}}
    )
    core.delete_namespaced_config_map("owner", namespace)

    def owned_gone():
        try:
            core.read_namespaced_config_map("owned", namespace)
        except client.ApiException as exc:
            return exc.status == 404
        return False

    wait_for(owned_gone, timeout=60, what="owned ConfigMap collected by the GC")


def test_pods_of_a_removed_node_are_collected(kubeconfig, core, namespace):
    node = f"kwok-gone-{namespace}"
    core.create_node(
        {
            "metadata": {
                "name": node,
                "annotations": {"kwok.x-k8s.io/node": "fake"},
                "labels": {"type": "kwok"},
            },
            # no other test's pod may be scheduled here: this node is about to go
            "spec": {"taints": [{"key": "troupe-test", "effect": "NoSchedule"}]},
            "status": {
                "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "10"},
                "capacity": {"cpu": "4", "memory": "8Gi", "pods": "10"},
            },
        }
    )
    pod = _pod("stranded")
    pod["spec"]["nodeName"] = node
    pod["spec"]["tolerations"] = [{"key": "troupe-test", "operator": "Exists"}]
    core.create_namespaced_pod(namespace, pod)
    wait_for(
        lambda: core.read_namespaced_pod("stranded", namespace).status.phase == "Running",
        what="pod Running on the doomed node",
    )
    remove_node(core, node)

    def gone():
        try:
            core.read_namespaced_pod("stranded", namespace)
        except client.ApiException as exc:
            return exc.status == 404
        return False

    wait_for(gone, timeout=120, interval=1, what="pod of the removed node collected")
