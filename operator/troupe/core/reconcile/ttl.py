"""TTL: ttlSecondsAfterFinished deletes a finished job."""

from __future__ import annotations

from datetime import datetime, timedelta

from troupe.api.spec import TrainingJobSpec
from troupe.core.plan import Plan
from troupe.core.status import parse_timestamp


def apply_ttl(result: Plan, spec: TrainingJobSpec, status: dict, now: datetime) -> None:
    """Delete the job once its TTL after `status`'s completionTime ran out, else come back
    then."""
    ttl = spec.run_policy.ttl_seconds_after_finished
    completed = parse_timestamp(status.get("completionTime"))
    if ttl is None or completed is None:
        return
    left = (completed + timedelta(seconds=ttl) - now).total_seconds()
    if left <= 0:
        result.delete_job = True
    else:
        result.requeue(left)
