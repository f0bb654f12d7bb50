"""Elastic membership: the step of a job's elastic role (core/elastic.py)."""

from __future__ import annotations

from troupe.core import elastic
from troupe.core.framework import JobContext
from troupe.core.observed import Instance
from troupe.core.reconcile.state import Pass


def elastic_step(p: Pass, live: list[Instance], ctx: JobContext) -> elastic.ElasticStep | None:
    """Membership, its ConfigMap and the below-minimum clock; None without an elastic role."""
    role = elastic.elastic_role(p.spec)
    if role is None:
        return None
    own = [i for i in live if i.role == role.name]
    result = elastic.step(ctx, role, own, p.stored, p.now)
    p.result.patches += result.patches
    if result.requeue_after is not None:
        p.result.requeue(result.requeue_after)
    return result
