"""Restarts: an instance recreated under its name, or the whole job as a new generation."""

from __future__ import annotations

from troupe.core.observed import Instance
from troupe.core.reconcile.state import Pass
from troupe.core.status import describe_failure


def recreate(p: Pass, retries: list[Instance]) -> None:
    """Delete now; the same name is created again once the pod is gone."""
    for instance in retries:
        p.settled += 1 + instance.container_restarts
        p.result.delete("Pod", instance.name)
        p.result.event("Warning", "RecreatingPod", f"{describe_failure(instance)}; recreating it")


def restart_job(p: Pass, cause: Instance, in_place: int) -> None:
    """Bump the generation: every pod is now stale, deleted, and recreated once gone."""
    p.generation += 1
    p.settled += 1 + in_place
    p.result.event(
        "Warning",
        "RestartingJob",
        f"{describe_failure(cause)}; restarting every pod as generation {p.generation}",
    )


def delete_strays(p: Pass) -> None:
    """Pods of older generations, of removed roles or beyond replicas."""
    for i in p.instances:
        stale = i.generation != p.generation or p.wanted.get(i.name) != i.role
        if stale and not i.deleting:
            p.result.delete("Pod", i.name)
