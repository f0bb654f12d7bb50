"""Gating and creates: a role's pods once its dependencies hold, with what they need."""

from __future__ import annotations

from troupe.core import dag, elastic, gang, kueue, naming
from troupe.core.dag import RoleProgress
from troupe.core.framework import Framework, InstanceContext, JobContext
from troupe.core.reconcile.state import Pass
from troupe.core.render import owner_reference, render_extra_objects, render_pod, render_service
from troupe.core.status import RoleState


def create(p: Pass, ctx: JobContext, states: dict[str, RoleState]) -> None:
    """A role's pods once its needs hold, and its Service with its first pods.

    A headless Service only resolves pods that exist, so one made earlier buys nothing;
    it would only queue ahead of the pods that everything after them waits for.
    """
    progress = {name: s.progress for name, s in states.items()}
    missing = pods_to_create(p, ctx, progress)
    with_pods = {i.role for i in p.instances} | {m.role for m in missing}
    creates = [
        render_service(ctx, r.name)
        for r in p.spec.roles
        if r.name in with_pods and naming.service_name(ctx.name, r.name) not in p.services
    ]
    if creates or missing:
        creates = render_extra_objects(ctx, p.framework) + creates
    creates = _pod_group(p, ctx, progress, bool(missing)) + creates
    if p.elastic:
        creates = render_extra_objects(ctx, _Objects(p.elastic.creates)) + creates
    pods = [gang.schedule_pod(_render_pod(p, instance), ctx.name, p.spec) for instance in missing]
    p.result.creates += creates + pods
    p.creating.update(instance.role for instance in missing)
    if p.stored.get("phase") in (None, "Pending", "Queued"):
        return  # a first start: its Running Event tells it, one write instead of three
    for manifest in creates + pods:
        kind, name = manifest["kind"], manifest["metadata"]["name"]
        p.result.event("Normal", f"Created{kind}", f"created {kind.lower()} {name}")


def pods_to_create(
    p: Pass, ctx: JobContext, progress: dict[str, RoleProgress]
) -> list[InstanceContext]:
    """Pods of the roles whose dependencies hold, in dependency order, that are not there
    (a pod still present, even terminating or deleted this pass, is never made twice)."""
    present = {i.name for i in p.instances} | {n for _, n in p.result.deletes}
    return [
        InstanceContext(ctx, name, index)
        for name in dag.topological_order(p.spec)
        if dag.ready_to_start(p.roles[name], progress)
        for index in range(p.roles[name].replicas)
        if naming.pod_name(ctx.name, name, index) not in present
    ]


def _render_pod(p: Pass, instance: InstanceContext) -> dict:
    pod = render_pod(instance, p.framework)
    if instance.role in p.placement:
        kueue.place_pod(pod, *p.placement[instance.role])
    return elastic.mount_membership(pod, p.job.name) if p.elastic else pod


def _pod_group(p: Pass, ctx: JobContext, progress, creating_pods: bool) -> list[dict]:
    """The PodGroup (gang.py): created with the first pods, patched when a stage opens."""
    group = gang.pod_group(ctx.name, ctx.namespace, p.spec, progress)
    record = gang.gang_record(group)
    if group is None or (record == p.gang and not creating_pods):
        return []
    group["metadata"]["ownerReferences"] = [owner_reference(ctx)]
    if p.gang is not None and record != p.gang:
        p.result.updates.append(group)
    p.gang = record
    return [group] if creating_pods else []


class _Objects(Framework):
    """Troupe's own extra objects, owned and placed like a framework's (render.py)."""

    def __init__(self, objects: list[dict]):
        self.objects = objects

    def extra_objects(self, ctx: JobContext) -> list[dict]:
        return self.objects
