"""Kueue: the Workload Troupe writes for a job in a Kueue LocalQueue, and what admission
means for its pods, decided purely (the planner calls `gate`; handlers.py feeds it).

A job labelled `kueue.x-k8s.io/queue-name` gets one Workload owned by the job: one podSet
per role (count = replicas, minCount = minReplicas for elastic roles, which Kueue uses for
partial admission), the role's pod template as the podSet template. Once Kueue admits it,
`status.admission.podSetAssignments[].flavors` names a ResourceFlavor per resource; each
flavor's nodeLabels become node selectors and its tolerations are added to that role's pods.

Kueue's contract for a job it queues: the job is suspended until its Workload is admitted
(no webhook here can create it suspended, so "labelled and not admitted" *is* suspended);
on eviction the job stops, and once its pods are gone the controller clears the Workload's
admission (as Kueue's own job integrations do); when the job ends, the Workload gets the
`Finished` condition and Kueue releases its quota. Status writes are JSON merge patches
carrying the resourceVersion read, so a write over a newer Workload fails and is redone
on the next pass.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from troupe.api.spec import TrainingJobSpec
from troupe.core import naming
from troupe.core.status import timestamp

GROUP, VERSION = "kueue.x-k8s.io", "v1beta1"
API_VERSION = f"{GROUP}/{VERSION}"
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


def is_finished(workload_body: Mapping) -> bool:
    return _condition(workload_body, "Finished")


@dataclass(frozen=True)
class Observed:
    """What the operator sees of Kueue for one job. `available` False: the operator runs
    without Kueue's Workload CRD; `workloads`: every Workload the job owns."""

    available: bool = True
    workloads: tuple[Mapping, ...] = ()
    flavors: Mapping[str, Mapping] = field(default_factory=dict)  # ResourceFlavor -> spec


@dataclass(frozen=True)
class Gate:
    """Whether a job in a Kueue queue may run, and what to write to its Workload."""

    admitted: bool
    reason: str  # Admitted | WaitingForKueue | Evicted | KueueUnavailable
    message: str
    create: dict | None = None  # the Workload to create (ownerReference added by caller)
    delete: tuple[str, ...] = ()  # Workloads to delete (stale: the job changed, or a leftover)
    release: tuple[str, dict] | None = None  # (Workload, status merge patch) after eviction
    placement: dict[str, tuple[dict[str, str], list[dict]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # admitted pods per role


def gate(
    job: str,
    namespace: str,
    uid: str,
    queue: str,
    spec: TrainingJobSpec,
    observed: Observed,
    pods_left: bool,
    now: datetime,
) -> Gate:
    """The decision for a labelled, unfinished, unsuspended job."""
    if not observed.available:
        return Gate(
            False,
            "KueueUnavailable",
            f"waits for Kueue (queue {queue}), but Kueue's Workload CRD was not installed "
            "when the operator started",
        )
    desired = workload(job, namespace, uid, queue, spec)
    name = desired["metadata"]["name"]
    current = next((w for w in observed.workloads if name_of(w) == name), None)
    leftovers = tuple(sorted(name_of(w) for w in observed.workloads if name_of(w) != name))
    if current is None:
        return Gate(
            False,
            "WaitingForKueue",
            f"waits for Kueue to admit Workload {name} (LocalQueue {queue})",
            create=desired,
            delete=leftovers,
        )
    status = current.get("status") or {}
    admission = status.get("admission")
    if is_evicted(current) and (admission or is_admitted(current)):
        why = _message(current, "Evicted") or "evicted"
        release = None if pods_left else (name, release_patch(current, now))
        return Gate(
            False,
            "Evicted",
            f"Workload {name} was evicted by Kueue ({why}); pods stopped, waiting again",
            release=release,
        )
    if admission and is_admitted(current) and not is_finished(current):
        counts = {a["name"]: a["count"] for a in admission.get("podSetAssignments") or []}
        return Gate(
            True,
            "Admitted",
            f"Workload {name} admitted by ClusterQueue {admission.get('clusterQueue', '')}",
            placement=pod_placement(current, observed.flavors),
            counts={k: v for k, v in counts.items() if isinstance(v, int)},
            delete=leftovers,
        )
    if is_finished(current) or _shape(current) != _shape(desired):
        return Gate(
            False,
            "WaitingForKueue",
            f"the job changed: recreating Workload {name} (LocalQueue {queue})",
            delete=leftovers + (name,),
        )
    why = _message(current, "QuotaReserved") or "not admitted yet"
    return Gate(
        False,
        "WaitingForKueue",
        f"waits for Kueue to admit Workload {name} (LocalQueue {queue}): {why}",
        delete=leftovers,
    )


def admitted_spec(spec: TrainingJobSpec, counts: Mapping[str, int]) -> TrainingJobSpec:
    """Partial admission: a role runs no more pods than Kueue admitted for it."""
    roles = [
        r.model_copy(update={"replicas": counts[r.name]})
        if r.name in counts and counts[r.name] < r.replicas
        else r
        for r in spec.roles
    ]
    return spec.model_copy(update={"roles": roles})


def release_patch(workload_body: Mapping, now: datetime) -> dict:
    """After an eviction, once the pods are gone: admission cleared, quota given back
    (QuotaReserved and Admitted False), Requeued True only after a preemption; exactly the
    change Kueue's own job integrations make."""
    evicted = next(c for c in _conditions(workload_body) if c.get("type") == "Evicted")
    generation = (workload_body.get("metadata") or {}).get("generation") or 0
    changes = {
        "QuotaReserved": ("False", "Pending", evicted.get("message", "")),
        "Admitted": ("False", "NoReservation", "The workload has no reservation"),
        "Requeued": (
            "True" if evicted.get("reason") == "Preempted" else "False",
            evicted.get("reason") or "Evicted",
            evicted.get("message", ""),
        ),
    }
    return _status_patch(workload_body, changes, now, generation, admission=None)


def finish_patch(workload_body: Mapping, succeeded: bool, message: str, now: datetime):
    """The Finished condition (reason Succeeded | Failed) Kueue releases quota on; None
    when it is already there."""
    if is_finished(workload_body):
        return None
    generation = (workload_body.get("metadata") or {}).get("generation") or 0
    reason = "Succeeded" if succeeded else "Failed"
    return _status_patch(
        workload_body, {"Finished": ("True", reason, message or reason)}, now, generation
    )


_UNSET = object()


def _status_patch(body, changes, now, generation, admission=_UNSET) -> dict:
    conditions = []
    seen = set()
    for c in _conditions(body):
        change = changes.get(c.get("type"))
        if change:
            seen.add(c["type"])
            c = _set(c, *change, now, generation)
        conditions.append(c)
    conditions += [
        _set({"type": t}, *ch, now, generation) for t, ch in changes.items() if t not in seen
    ]
    status: dict = {"conditions": conditions}
    if admission is not _UNSET:
        status["admission"] = admission
    version = (body.get("metadata") or {}).get("resourceVersion")
    return {"metadata": {"resourceVersion": version}, "status": status}


def _set(condition: Mapping, status: str, reason: str, message: str, now, generation) -> dict:
    flipped = condition.get("status") != status
    return {
        **condition,
        "status": status,
        "reason": reason,
        "message": message[:32768],
        "observedGeneration": generation,
        "lastTransitionTime": timestamp(now)
        if flipped or not condition.get("lastTransitionTime")
        else condition["lastTransitionTime"],
    }


def _shape(body: Mapping) -> list[tuple]:
    """What must match for a Workload to stand for the job: roles, counts, minimums."""
    return [
        (p.get("name"), p.get("count"), p.get("minCount"))
        for p in (body.get("spec") or {}).get("podSets") or []
    ]


def name_of(body: Mapping) -> str:
    return (body.get("metadata") or {}).get("name", "")


def _conditions(body: Mapping) -> list[dict]:
    return list((body.get("status") or {}).get("conditions") or [])


def _message(body: Mapping, type_: str) -> str:
    return next((c.get("message", "") for c in _conditions(body) if c.get("type") == type_), "")


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
