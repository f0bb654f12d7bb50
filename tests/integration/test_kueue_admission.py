"""Real Kueue (controller built from its Go module) admits Troupe jobs through Workloads.

A ClusterQueue with quota for exactly one job: jobs labelled with its LocalQueue run one at
a time, each on the admitted ResourceFlavor's nodes (its nodeLabels and tolerations are
put on the pods; the templates carry neither), and an evicted job stops and gives its
quota back.
"""

from __future__ import annotations

import time

import pytest
import yaml

from support.jobs import Jobs, apply, job_manifest
from support.kubelet import finish_pod
from support.operator import kubectl
from support.waiting import wait_for
from troupe.core import kueue

POOL = "troupe.test/kueue-pool"
K = (kueue.GROUP, kueue.VERSION)


@pytest.fixture
def jobs(core, custom, namespace, kueue_controller, operator) -> Jobs:
    return Jobs(core, custom, namespace)


@pytest.fixture
def queue(kubeconfig, namespace, core, custom, kueue_controller):
    """A tainted fake node, a ResourceFlavor for it, a ClusterQueue with 1 cpu of quota for
    this namespace only, and LocalQueue `lq`."""
    node = f"kueue-{namespace}"
    flavor, cluster_queue = f"rf-{namespace}", f"cq-{namespace}"
    toleration = {"key": POOL, "operator": "Equal", "value": namespace, "effect": "NoSchedule"}
    capacity = {"cpu": "32", "memory": "256Gi", "pods": "110"}
    objects = [
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": node,
                "annotations": {"kwok.x-k8s.io/node": "fake"},
                "labels": {"kubernetes.io/hostname": node, "type": "kwok", POOL: namespace},
            },
            "spec": {"taints": [{"key": POOL, "value": namespace, "effect": "NoSchedule"}]},
            "status": {"allocatable": capacity, "capacity": capacity},
        },
        {
            "apiVersion": kueue.API_VERSION,
            "kind": "ResourceFlavor",
            "metadata": {"name": flavor},
            "spec": {"nodeLabels": {POOL: namespace}, "tolerations": [toleration]},
        },
        {
            "apiVersion": kueue.API_VERSION,
            "kind": "ClusterQueue",
            "metadata": {"name": cluster_queue},
            "spec": {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
                "resourceGroups": [
                    {
                        "coveredResources": ["cpu"],
                        "flavors": [
                            {"name": flavor, "resources": [{"name": "cpu", "nominalQuota": "1"}]}
                        ],
                    }
                ],
            },
        },
        {
            "apiVersion": kueue.API_VERSION,
            "kind": "LocalQueue",
            "metadata": {"name": "lq", "namespace": namespace},
            "spec": {"clusterQueue": cluster_queue},
        },
    ]
    kubectl(kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump_all(objects))
    yield {"node": node, "flavor": flavor, "clusterQueue": cluster_queue, "toleration": toleration}
    # Kueue (still running) drops its finalizers once the namespace's Workloads are gone
    custom.delete_cluster_custom_object(*K, "clusterqueues", cluster_queue)
    custom.delete_cluster_custom_object(*K, "resourceflavors", flavor)
    core.delete_node(node)


def _job(name: str) -> dict:
    """Two workers of 500m cpu: the whole quota of the ClusterQueue."""
    cpu = {"cpu": "500m"}
    template = {
        "spec": {
            "containers": [
                {"name": "main", "image": "busybox:1.36", "resources": {"requests": cpu}}
            ]
        }
    }
    manifest = job_manifest(name, [{"name": "worker", "replicas": 2, "template": template}])
    manifest["metadata"]["labels"] = {kueue.QUEUE_LABEL: "lq"}
    return manifest


def _workload(custom, namespace: str, job: str) -> dict:
    items = custom.list_namespaced_custom_object(*K, namespace, "workloads")["items"]
    [body] = [w for w in items if any(r["name"] == job for r in w["metadata"]["ownerReferences"])]
    return body


def _finish(core, namespace: str, jobs: Jobs, name: str) -> None:
    for pod in jobs.pods(name):
        finish_pod(core, namespace, pod.metadata.name)
    jobs.wait_phase(name, "Succeeded")


def _waits_for_kueue(jobs: Jobs, name: str) -> None:
    status = jobs.wait_phase(name, "Queued")
    queued = next(c for c in status["conditions"] if c["type"] == "Queued")
    assert queued["status"] == "True" and queued["reason"] == "WaitingForKueue", queued
    assert jobs.pods(name) == []


def test_kueue_admits_one_job_at_a_time_on_the_flavors_nodes(
    kubeconfig, namespace, core, custom, jobs, queue
):
    apply(kubeconfig, namespace, _job("first"))
    jobs.wait_phase("first", "Running", timeout=60)
    for name in ("second", "third"):
        apply(kubeconfig, namespace, _job(name))
    for name in ("second", "third"):
        _waits_for_kueue(jobs, name)
        wait_for(
            lambda n=name: "insufficient unused quota" in jobs.condition(n, "Queued")["message"],
            what=f"{name} waits for quota",
            show=lambda n=name: jobs.condition(n, "Queued"),
            timeout=90,  # a message alone is progress: written once still for 30 s
        )
    first = _workload(custom, namespace, "first")
    assert kueue.is_admitted(first)
    assert first["metadata"]["ownerReferences"][0]["controller"] is True
    pods = jobs.wait_pods("first", 2, running=True)
    assert {p.spec.node_name for p in pods} == {queue["node"]}  # only the flavor's node fits
    assert pods[0].spec.node_selector == {POOL: namespace}

    # first ends: Kueue admits one of the others (its order among equals), and only one
    started = time.monotonic()
    _finish(core, namespace, jobs, "first")
    wait_for(
        lambda: kueue.is_finished(_workload(custom, namespace, "first")),
        what="first's Workload Finished",
    )
    running = wait_for(
        lambda: [n for n in ("second", "third") if len(jobs.pods(n)) == 2],
        timeout=60,
        what="the next job's pods",
    )
    handover = time.monotonic() - started
    [nxt] = running
    [last] = {"second", "third"} - {nxt}
    jobs.wait_pods(nxt, 2, running=True)
    assert jobs.status(last)["phase"] == "Queued" and jobs.pods(last) == []

    _finish(core, namespace, jobs, nxt)
    pods = jobs.wait_pods(last, 2, running=True, timeout=60)
    assert {p.spec.node_name for p in pods} == {queue["node"]}
    tolerations = [t.to_dict() for t in pods[0].spec.tolerations]
    assert queue["toleration"] in [
        {k: v for k, v in t.items() if v is not None} for t in tolerations
    ]
    print(f"handover: first's pods finished -> next job's pods created in {handover:.1f}s")


def test_an_evicted_job_stops_and_gives_its_quota_back(
    kubeconfig, namespace, core, custom, jobs, queue
):
    apply(kubeconfig, namespace, _job("first"))
    jobs.wait_pods("first", 2, running=True, timeout=60)
    apply(kubeconfig, namespace, _job("second"))
    _waits_for_kueue(jobs, "second")

    workload = _workload(custom, namespace, "first")
    custom.patch_namespaced_custom_object(
        *K, namespace, "workloads", workload["metadata"]["name"], {"spec": {"active": False}}
    )  # what `kueuectl stop workload` does: Kueue evicts it
    jobs.wait_phase("first", "Queued")
    # Queued reason Evicted lasts only until the pods are gone; the Event stays
    wait_for(
        lambda: [
            e.message
            for e in core.list_namespaced_event(
                namespace, field_selector="involvedObject.name=first,reason=Evicted"
            ).items
        ],
        what="an Evicted event on first",
    )
    wait_for(lambda: jobs.pods("first") == [], what="first's pods deleted")
    wait_for(
        lambda: not (_workload(custom, namespace, "first").get("status") or {}).get("admission"),
        what="first's admission cleared by Troupe",
        show=lambda: _workload(custom, namespace, "first").get("status"),
    )
    jobs.wait_pods("second", 2, running=True, timeout=60)
    assert jobs.pods("first") == []
