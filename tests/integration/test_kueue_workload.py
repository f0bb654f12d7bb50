"""The Workload Troupe builds is accepted by a real API server with Kueue's CRDs, taken from
the sigs.k8s.io/kueue module (test_kueue.py runs the controller itself)."""

from __future__ import annotations

from troupe.api.spec import parse_spec
from troupe.core import kueue


def test_workload_with_elastic_min_count_is_accepted(namespace, custom, kueue_crds):
    spec = parse_spec(
        {
            "roles": [
                {
                    "name": "master",
                    "template": {"spec": {"containers": [{"name": "m", "image": "x"}]}},
                },
                {
                    "name": "worker",
                    "replicas": 3,
                    "elastic": {"minReplicas": 1, "maxReplicas": 3},
                    "template": {"spec": {"containers": [{"name": "w", "image": "x"}]}},
                },
            ]
        }
    )
    body = kueue.workload("j", namespace, "uid-1", "team-a", spec)
    stored = custom.create_namespaced_custom_object(
        "kueue.x-k8s.io", "v1beta1", namespace, "workloads", body
    )
    assert [(p["name"], p["count"], p.get("minCount")) for p in stored["spec"]["podSets"]] == [
        ("master", 1, None),
        ("worker", 3, 1),
    ]
    assert stored["spec"]["queueName"] == "team-a"
