"""A finished job stays finished: only cleanup and its TTL remain to be done."""

from __future__ import annotations

from datetime import datetime

from troupe.api.spec import TrainingJobSpec
from troupe.core.jobview import JobView
from troupe.core.observed import Instance
from troupe.core.plan import Plan, deletion_events
from troupe.core.reconcile.cleanup import cleanup
from troupe.core.reconcile.results import artifact_status
from troupe.core.reconcile.ttl import apply_ttl


def finished(
    job: JobView, spec: TrainingJobSpec, instances: list[Instance], now: datetime, stored: dict
) -> Plan:
    status = {**stored, "observedGeneration": job.generation}  # an edit after the end is seen
    status["conditions"] = [
        {**c, "observedGeneration": job.generation} for c in stored.get("conditions") or []
    ]
    if recorded := artifact_status(spec.artifacts, stored, instances):
        status["artifacts"] = recorded
    result = Plan(status=status)
    result.deletes = cleanup(spec, instances)
    result.events = deletion_events(result.deletes)
    apply_ttl(result, spec, stored, now)
    return result
