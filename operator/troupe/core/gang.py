"""Gang scheduling: the PodGroup a job's pods are placed with, and what each pod carries.

A gang scheduler (Volcano, or scheduler-plugins' coscheduling) binds none of a group's pods
until `minMember` of them can be placed at once. Troupe holds roles back until their
dependencies hold (dag.py), so a gang sized for the whole job would wait forever for pods
that are never created: the KubeDL/Volcano deadlock. The rule here, "gang stages":

    minMember = min(minAvailable, pods of the roles Troupe may create now)

where minAvailable defaults to every pod the job needs to start (elastic roles count
minReplicas) and "may create now" means the role's dependencies hold and it has not already
succeeded. minMember rises as dependencies open (a master, then master + workers), so each
stage is all-or-nothing on its own and the gang never counts a pod Troupe has not released.
"""

from __future__ import annotations

from collections.abc import Mapping

from troupe.api.spec import Role, TrainingJobSpec
from troupe.core import dag, naming
from troupe.core.dag import RoleProgress

VOLCANO_API = "scheduling.volcano.sh/v1beta1"
COSCHEDULING_API = "scheduling.x-k8s.io/v1alpha1"
VOLCANO_GROUP_ANNOTATION = "scheduling.k8s.io/group-name"
COSCHEDULING_GROUP_LABEL = "scheduling.x-k8s.io/pod-group"
DEFAULT_SCHEDULERS = {"volcano": "volcano", "coscheduling": "scheduler-plugins-scheduler"}


def pod_group_name(job: str) -> str:
    return job


def role_size(role: Role) -> int:
    """Pods a role needs to start: replicas, or minReplicas for an elastic role."""
    return role.elastic.min_replicas if role.elastic else role.replicas


def released_pods(spec: TrainingJobSpec, progress: Mapping[str, RoleProgress]) -> int:
    """Pods Troupe creates without waiting: roles whose dependencies hold, not yet done."""
    return sum(
        role_size(r)
        for r in spec.roles
        if dag.ready_to_start(r, progress)
        and not (progress.get(r.name) and progress[r.name].succeeded)
    )


def min_member(spec: TrainingJobSpec, progress: Mapping[str, RoleProgress]) -> int:
    """The gang's size at this stage; never more than the pods Troupe has released."""
    wanted = spec.scheduling.gang.min_available or sum(role_size(r) for r in spec.roles)
    return max(1, min(wanted, released_pods(spec, progress)))


def scheduler_name(spec: TrainingJobSpec) -> str | None:
    gang = spec.scheduling.gang
    if gang.policy == "none":
        return None
    return gang.scheduler_name or DEFAULT_SCHEDULERS[gang.policy]


def pod_group(
    job: str, namespace: str, spec: TrainingJobSpec, progress: Mapping[str, RoleProgress]
) -> dict | None:
    """The PodGroup manifest for this stage (None without a gang policy); no owner yet."""
    gang = spec.scheduling.gang
    if gang.policy == "none":
        return None
    group_spec: dict = {"minMember": min_member(spec, progress)}
    if gang.policy == "volcano":
        api = VOLCANO_API
        group_spec["queue"] = spec.scheduling.queue
        if spec.scheduling.priority_class_name:
            group_spec["priorityClassName"] = spec.scheduling.priority_class_name
    else:
        api = COSCHEDULING_API
        if gang.schedule_timeout_seconds:
            group_spec["scheduleTimeoutSeconds"] = gang.schedule_timeout_seconds
    return {
        "apiVersion": api,
        "kind": "PodGroup",
        "metadata": {
            "name": pod_group_name(job),
            "namespace": namespace,
            "labels": {naming.JOB_LABEL: job},
        },
        "spec": group_spec,
    }


def schedule_pod(pod: dict, job: str, spec: TrainingJobSpec) -> dict:
    """Priority class, scheduler and gang membership onto one rendered pod (in place)."""
    scheduling = spec.scheduling
    pod_spec = pod.setdefault("spec", {})
    if scheduling.priority_class_name:
        pod_spec.setdefault("priorityClassName", scheduling.priority_class_name)
    name = scheduler_name(spec)
    if name is None:
        return pod
    pod_spec["schedulerName"] = name
    meta = pod.setdefault("metadata", {})
    if scheduling.gang.policy == "volcano":
        meta.setdefault("annotations", {})[VOLCANO_GROUP_ANNOTATION] = pod_group_name(job)
    else:
        meta.setdefault("labels", {})[COSCHEDULING_GROUP_LABEL] = pod_group_name(job)
    return pod


def gang_record(group: dict | None) -> dict | None:
    """What status.gang keeps: the PodGroup written last, so a change is patched once."""
    if group is None:
        return None
    return {"podGroup": group["metadata"]["name"], "minMember": group["spec"]["minMember"]}
