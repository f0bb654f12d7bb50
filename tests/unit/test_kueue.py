"""kueue.py: the Workload for a job and the admitted flavors' placement of its pods."""

from __future__ import annotations

from builders import spec_from_yaml

from troupe import kueue

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
