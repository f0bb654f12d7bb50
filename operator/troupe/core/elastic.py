"""Elastic roles: a node set that survives failures and resizes between min and max.

A job has at most one elastic role, so the scale subresource has scalar paths:
`spec.elasticReplicas` (set by `kubectl scale` / an HPA) overrides that role's replicas,
`status.elastic.replicas` and `status.elastic.selector` report back. Pods keep their
indexed names; a lost one is recreated under the same name by the usual restart rules,
and scaling down removes the highest indices first (they fall out of `wanted`).

Membership is the ordered set of Ready pods of the role. Its generation moves on every
change; `status.membership` and the per-job ConfigMap `<job>-membership` (mounted in every
pod at MOUNT_PATH) carry the same hosts and generation, plus a Horovod-style discovery
script printing `<host>:<slots>`. A pod is labelled with the generation it joined at.

The job is Running while >= minReplicas pods are Ready; surplus Pending pods never hold
it back. Below the minimum after having reached it, a grace period runs; when it expires
the job fails with reason BelowMinReplicas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from troupe.api.spec import Role, RoleRule, RoleStatusPolicy, TrainingJobSpec
from troupe.core import naming
from troupe.core.framework import JobContext
from troupe.core.observed import Instance
from troupe.core.status import parse_timestamp, timestamp

MOUNT_PATH = "/etc/troupe/membership"
VOLUME = "troupe-membership"
DIR_ENV = "TROUPE_MEMBERSHIP_DIR"
GPU_RESOURCE = "nvidia.com/gpu"

# Read at call time, so a running pod sees the set change once the kubelet syncs the
# ConfigMap volume (no subPath). TROUPE_MEMBERSHIP_DIR points it elsewhere in tests.
DISCOVERY_SCRIPT = """\
#!/bin/sh
# Horovod host discovery: one <host>:<slots> line per current member of the job.
dir="${TROUPE_MEMBERSHIP_DIR:-MOUNT_PATH}"
slots="$(cat "$dir/slots" 2>/dev/null || echo 1)"
while IFS= read -r host || [ -n "$host" ]; do
  [ -n "$host" ] && echo "$host:$slots"
done < "$dir/hosts"
""".replace("MOUNT_PATH", MOUNT_PATH)


def elastic_role(spec: TrainingJobSpec) -> Role | None:
    """The job's elastic role, if any (validation allows at most one)."""
    return next((r for r in spec.roles if r.elastic), None)


def resolve(spec: TrainingJobSpec) -> TrainingJobSpec:
    """The spec as the controller runs it: elasticReplicas applied, and an elastic role
    without a status policy succeeds once minReplicas pods succeeded (surplus pods that
    never ran must not hold success back)."""
    role = elastic_role(spec)
    if role is None:
        return spec
    update: dict = {}
    if spec.elastic_replicas is not None:
        update["replicas"] = spec.elastic_replicas
    if role.status_policy is None:
        update["status_policy"] = RoleStatusPolicy(
            success=RoleRule(policy="AtLeast", count=role.elastic.min_replicas)
        )
    roles = [r.model_copy(update=update) if r is role else r for r in spec.roles]
    return spec.model_copy(update={"roles": roles})


@dataclass(frozen=True)
class ElasticStep:
    """What one reconcile pass decides for the elastic role."""

    role: str
    status: dict  # `membership` and `elastic` keys of the job status
    steady: bool  # at least minReplicas members: replacements do not make it Restarting
    creates: list[dict] = field(default_factory=list)  # the ConfigMap, on the first pass
    patches: list[tuple[str, str, dict]] = field(default_factory=list)  # (kind, name, patch)
    below_min: str | None = None  # why the job is not steady, while the grace period runs
    failed: str | None = None  # why the job fails: below minimum past the grace period
    requeue_after: float | None = None  # when the grace period ends


def step(
    ctx: JobContext, role: Role, live: list[Instance], stored: dict, now: datetime
) -> ElasticStep:
    """Membership, its ConfigMap, join labels and the below-minimum clock for one pass.

    `live`: the role's pods of the current restart generation that are not terminating;
    `role` is resolved (replicas = the effective count); `stored` the job's stored status.
    """
    minimum, grace = role.elastic.min_replicas, role.elastic.below_min_grace_seconds
    members = sorted((i for i in live if i.phase == "Running" and i.ready), key=_by_index)
    hosts = [ctx.hosts[role.name][i.index] for i in members]
    before = stored.get("membership")
    membership = _next_membership(before, [i.name for i in members], hosts)
    data = configmap_data(membership, slots(role))
    creates, patches = [], []
    if before is None:
        creates.append(configmap(ctx, data))
    elif membership != before:
        patches.append(("ConfigMap", naming.membership_name(ctx.name), {"data": data}))
    patches += [
        (
            "Pod",
            i.name,
            {"metadata": {"labels": {naming.JOINED_LABEL: str(membership["generation"])}}},
        )
        for i in members
        if i.joined is None
    ]

    old = stored.get("elastic") or {}
    reached = bool(old.get("reachedMin")) or len(members) >= minimum
    status = {
        "role": role.name,
        "replicas": len(live),
        "selector": f"{naming.JOB_LABEL}={ctx.name},{naming.ROLE_LABEL}={role.name}",
        "reachedMin": reached,
    }
    below_min = failed = requeue = None
    if reached and len(members) < minimum:
        since = old.get("belowMinSince") or timestamp(now)
        status["belowMinSince"] = since
        left = (parse_timestamp(since) + timedelta(seconds=grace) - now).total_seconds()
        short = f"role {role.name} has {len(members)} ready pods, fewer than minReplicas {minimum}"
        if left <= 0:
            failed = f"{short} for more than {grace}s"
        else:
            below_min, requeue = f"{short}; failing in {int(left + 0.999)}s", left
    return ElasticStep(
        role=role.name,
        steady=len(members) >= minimum,
        status={"membership": membership, "elastic": status},
        creates=creates,
        patches=patches,
        below_min=below_min,
        failed=failed,
        requeue_after=requeue,
    )


def _next_membership(before: dict | None, members: list[str], hosts: list[str]) -> dict:
    """Same members: the stored record unchanged; any change: the next generation."""
    if before is not None and before.get("members") == members:
        return before
    generation = 0 if before is None else before.get("generation", 0) + 1
    return {"generation": generation, "members": members, "hosts": hosts}


def configmap_data(membership: dict, slots_per_host: int) -> dict[str, str]:
    return {
        "generation": str(membership["generation"]),
        "hosts": "".join(f"{h}\n" for h in membership["hosts"]),
        "slots": str(slots_per_host),
        "discover_hosts.sh": DISCOVERY_SCRIPT,
    }


def configmap(ctx: JobContext, data: dict[str, str]) -> dict:
    """The membership ConfigMap; render.py adds owner and namespace like any extra object."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": naming.membership_name(ctx.name),
            "labels": {naming.JOB_LABEL: ctx.name},
        },
        "data": data,
    }


def slots(role: Role) -> int:
    """Processes per host for the discovery script: the first container's GPU limit, else 1."""
    containers = (role.template.get("spec") or {}).get("containers") or [{}]
    limits = (containers[0].get("resources") or {}).get("limits") or {}
    try:
        return max(int(limits.get(GPU_RESOURCE, 1)), 1)
    except (TypeError, ValueError):
        return 1


def mount_membership(pod: dict, job: str) -> dict:
    """Mount the membership ConfigMap in every container of an elastic job's pod."""
    spec = pod["spec"]
    spec["volumes"] = [
        *(spec.get("volumes") or []),
        {"name": VOLUME, "configMap": {"name": naming.membership_name(job), "defaultMode": 0o755}},
    ]
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or []:
            container["volumeMounts"] = [
                *(container.get("volumeMounts") or []),
                {"name": VOLUME, "mountPath": MOUNT_PATH, "readOnly": True},
            ]
            env = container.setdefault("env", [])
            if all(e.get("name") != DIR_ENV for e in env):
                env.append({"name": DIR_ENV, "value": MOUNT_PATH})
    return pod


def _by_index(instance: Instance) -> int:
    return instance.index
