"""kueue.py: the Workload for a job and the admitted flavors' placement of its pods."""

from __future__ import annotations

import copy

from builders import JOB_UID, NOW, job_body, spec_from_yaml

from troupe.core import kueue
from troupe.core.framework import get_framework
from troupe.core.observed import instance_from_pod
from troupe.core.planner import JobView, plan

SPEC = spec_from_yaml(
    """
    spec:
      scheduling: {priorityClassName: high}
      roles:
        - name: master
          template: {spec: {containers: [{name: m, image: x, resources: {requests: {cpu: "1"}}}]}}
        - name: worker
          replicas: 4
          elastic: {minReplicas: 2, maxReplicas: 4}
          template: {spec: {containers: [{name: w, image: x}]}}
    """
)


def test_one_pod_set_per_role_with_min_count_for_elastic_roles():
    body = kueue.workload("j", "ns", "uid-1", "team-a", SPEC)
    assert body["spec"]["queueName"] == "team-a"
    assert [(p["name"], p["count"], p.get("minCount")) for p in body["spec"]["podSets"]] == [
        ("master", 1, None),
        ("worker", 4, 2),
    ]
    assert body["spec"]["podSets"][0]["template"]["spec"]["containers"][0]["name"] == "m"
    assert body["spec"]["priorityClassName"] == "high"


def test_workload_names_are_stable_and_fit():
    assert kueue.workload_name("j", "u") == kueue.workload_name("j", "u")
    assert kueue.workload_name("j", "u") != kueue.workload_name("j", "v")
    assert len(kueue.workload_name("x" * 300, "u")) == 253


def test_admitted_flavors_become_node_selectors_and_tolerations():
    taint = {"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}
    workload = {
        "status": {
            "conditions": [{"type": "Admitted", "status": "True"}],
            "admission": {
                "podSetAssignments": [
                    {"name": "master", "flavors": {"cpu": "cpu-pool"}},
                    {"name": "worker", "flavors": {"cpu": "a100", "nvidia.com/gpu": "a100"}},
                ]
            },
        }
    }
    flavors = {
        "cpu-pool": {"nodeLabels": {"pool": "cpu"}},
        "a100": {"nodeLabels": {"gpu": "a100"}, "tolerations": [taint]},
    }
    assert kueue.is_admitted(workload) and not kueue.is_evicted(workload)
    placement = kueue.pod_placement(workload, flavors)
    assert placement == {"master": ({"pool": "cpu"}, []), "worker": ({"gpu": "a100"}, [taint])}
    pod = kueue.place_pod({"spec": {"nodeSelector": {"gpu": "mine"}}}, *placement["worker"])
    assert pod["spec"] == {"nodeSelector": {"gpu": "mine"}, "tolerations": [taint]}


# --- the gate, through the planner -------------------------------------------------------

LABELLED = """
metadata:
  name: job
  labels: {kueue.x-k8s.io/queue-name: team-a}
spec:
  roles:
    - name: worker
      replicas: 2
      template: {spec: {containers: [{name: w, image: x}]}}
"""
FLAVORS = {"pool": {"nodeLabels": {"pool": "a"}}}


def _plan(body, workloads=(), available=True, pods=()):
    instances = [instance_from_pod(p) for p in pods]
    state = kueue.Observed(available, tuple(workloads), FLAVORS)
    return plan(JobView.from_body(body), instances, set(), NOW, get_framework, None, state)


def _admitted(created: dict, count: int = 2) -> dict:
    wl = copy.deepcopy(created)
    wl["metadata"].update(resourceVersion="7", generation=1)
    wl["status"] = {
        "conditions": [
            {"type": "QuotaReserved", "status": "True", "reason": "QuotaReserved"},
            {"type": "Admitted", "status": "True", "reason": "Admitted"},
        ],
        "admission": {
            "clusterQueue": "cq",
            "podSetAssignments": [{"name": "worker", "count": count, "flavors": {"cpu": "pool"}}],
        },
    }
    return wl


def test_a_labelled_job_waits_queued_and_creates_its_workload_owned_by_the_job():
    result = _plan(job_body(LABELLED))
    assert result.status["phase"] == "Queued"
    assert [c["reason"] for c in result.status["conditions"] if c["type"] == "Queued"] == [
        "WaitingForKueue"
    ]
    [wl] = result.creates
    assert wl["kind"] == "Workload" and wl["spec"]["queueName"] == "team-a"
    assert wl["metadata"]["ownerReferences"][0]["uid"] == JOB_UID
    # waiting for admission: nothing new is written, no pods
    result = _plan(job_body(LABELLED), [wl])
    assert result.creates == [] and result.status["phase"] == "Queued"


def test_without_kueue_installed_a_labelled_job_never_starts():
    result = _plan(job_body(LABELLED), available=False)
    assert result.status["phase"] == "Queued" and result.creates == []
    assert "KueueUnavailable" in {c["reason"] for c in result.status["conditions"]}


def test_admitted_job_gets_pods_placed_on_the_flavor_and_partial_counts():
    wl = _admitted(_plan(job_body(LABELLED)).creates[0], count=1)
    result = _plan(job_body(LABELLED), [wl])
    pods = [m for m in result.creates if m["kind"] == "Pod"]
    assert [p["metadata"]["name"] for p in pods] == ["job-worker-0"]  # Kueue admitted 1 of 2
    assert pods[0]["spec"]["nodeSelector"] == {"pool": "a"}


def test_eviction_stops_the_pods_then_gives_the_quota_back_and_finish_marks_the_workload():
    wl = _admitted(_plan(job_body(LABELLED)).creates[0])
    running = job_body(LABELLED, status={"phase": "Running"})
    evicted = copy.deepcopy(wl)
    evicted["status"]["conditions"].append(
        {"type": "Evicted", "status": "True", "reason": "Preempted", "message": "by vip"}
    )
    pod = {
        "metadata": {
            "name": "job-worker-0",
            "labels": {"troupe.dev/job-name": "job", "troupe.dev/role": "worker"},
        },
        "status": {"phase": "Running"},
    }
    result = _plan(running, [evicted], pods=[pod])
    assert ("Pod", "job-worker-0") in result.deletes and result.status_patches == []
    assert result.status["phase"] == "Queued"
    result = _plan(running, [evicted])  # pods gone: release
    [(_, kind, name, patch)] = result.status_patches
    assert kind == "Workload" and patch["metadata"]["resourceVersion"] == "7"
    assert patch["status"]["admission"] is None
    by_type = {c["type"]: c for c in patch["status"]["conditions"]}
    assert by_type["QuotaReserved"]["status"] == "False"
    assert by_type["Admitted"]["status"] == "False"
    assert by_type["Requeued"]["status"] == "True"

    done = job_body(LABELLED, status={"phase": "Succeeded", "message": "job succeeded"})
    [(_, _, _, patch)] = _plan(done, [wl]).status_patches
    finished = patch["status"]["conditions"][-1]
    assert (finished["type"], finished["status"], finished["reason"]) == (
        "Finished",
        "True",
        "Succeeded",
    )


def test_a_changed_job_replaces_its_unadmitted_workload():
    wl = _plan(job_body(LABELLED)).creates[0]
    bigger = job_body(LABELLED.replace("replicas: 2", "replicas: 3"))
    result = _plan(bigger, [wl])
    assert ("Workload", wl["metadata"]["name"]) in result.deletes
