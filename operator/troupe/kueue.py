"""Kueue: the Workload Troupe writes for a job in a Kueue LocalQueue, and what admission
means for its pods. Pure builders only; wiring into the planner is not done yet (issue 8).

A job labelled `kueue.x-k8s.io/queue-name` gets one Workload owned by the job: one podSet
per role (count = replicas, minCount = minReplicas for elastic roles, which Kueue uses for
partial admission), the role's pod template as the podSet template. Once Kueue admits it,
`status.admission.podSetAssignments[].flavors` names a ResourceFlavor per resource; each
flavor's nodeLabels become node selectors and its tolerations are added to that role's pods.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping

from troupe import naming
from troupe.spec import TrainingJobSpec

API_VERSION = "kueue.x-k8s.io/v1beta1"
QUEUE_LABEL = "kueue.x-k8s.io/queue-name"
MAX_POD_SETS = 8  # Workload.spec.podSets maxItems


def queue_name(labels: Mapping[str, str] | None) -> str | None:
    return (labels or {}).get(QUEUE_LABEL) or None


def workload_name(job: str, uid: str) -> str:
    """Like Kueue's own: kind-name, cut to fit, plus a hash of the uid so names never clash."""
    digest = hashlib.sha256(uid.encode()).hexdigest()[:5]
    return f"trainingjob-{job}"[:247] + f"-{digest}"


def workload(job: str, namespace: str, uid: str, queue: str, spec: TrainingJobSpec) -> dict:
    """The Workload manifest, owned by the job (ownerReference added by the caller)."""
    pod_sets = []
    for role in spec.roles:
        template = copy.deepcopy(role.template)
        template.setdefault("spec", {}).setdefault("containers", [])
        pod_set = {"name": role.name, "count": role.replicas, "template": template}
        if role.elastic:
            pod_set["minCount"] = role.elastic.min_replicas
        pod_sets.append(pod_set)
    body = {
        "apiVersion": API_VERSION,
        "kind": "Workload",
        "metadata": {
            "name": workload_name(job, uid),
            "namespace": namespace,
            "labels": {naming.JOB_LABEL: job},
        },
        "spec": {"queueName": queue, "podSets": pod_sets},
    }
    if spec.scheduling.priority_class_name:
        body["spec"]["priorityClassSource"] = "scheduling.k8s.io/priorityclass"
        body["spec"]["priorityClassName"] = spec.scheduling.priority_class_name
    return body


def is_admitted(workload_body: Mapping) -> bool:
    return _condition(workload_body, "Admitted")


def is_evicted(workload_body: Mapping) -> bool:
    return _condition(workload_body, "Evicted")


def pod_placement(
    workload_body: Mapping, flavors: Mapping[str, Mapping]
) -> dict[str, tuple[dict[str, str], list[dict]]]:
    """role -> (node selector, tolerations) from the admitted flavors; `flavors`: name -> spec."""
    admission = (workload_body.get("status") or {}).get("admission") or {}
    result: dict[str, tuple[dict[str, str], list[dict]]] = {}
    for assignment in admission.get("podSetAssignments") or []:
        selector: dict[str, str] = {}
        tolerations: list[dict] = []
        for flavor_name in sorted(set((assignment.get("flavors") or {}).values())):
            flavor = flavors.get(flavor_name) or {}
            selector.update(flavor.get("nodeLabels") or {})
            tolerations += [t for t in flavor.get("tolerations") or [] if t not in tolerations]
        result[assignment["name"]] = (selector, tolerations)
    return result


def place_pod(pod: dict, selector: Mapping[str, str], tolerations: list[dict]) -> dict:
    """Admitted flavors onto one pod (in place); the template's own selector keys win."""
    spec = pod.setdefault("spec", {})
    spec["nodeSelector"] = {**selector, **(spec.get("nodeSelector") or {})}
    present = spec.setdefault("tolerations", [])
    present += [t for t in tolerations if t not in present]
    return pod


def _condition(body: Mapping, type_: str) -> bool:
    return any(
        c.get("type") == type_ and c.get("status") == "True"
        for c in (body.get("status") or {}).get("conditions") or []
    )
