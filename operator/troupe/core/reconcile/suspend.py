"""Suspend removes every pod; resuming starts over, deadline clock included."""

from __future__ import annotations

from datetime import datetime

from troupe.core.jobview import JobView
from troupe.core.observed import Instance
from troupe.core.plan import Plan, Verdict, deletion_events, phase_events, pod_deletes
from troupe.core.status import conditions


def suspended(job: JobView, instances: list[Instance], now: datetime) -> Plan:
    stored = job.status or {}
    verdict = Verdict("Suspended", "Suspended", "job is suspended")
    deletes = pod_deletes(instances)
    status = {
        k: v
        for k, v in stored.items()
        if k not in ("startTime", "completionTime", "phase", "conditions", "message")
    }
    status.update(
        phase="Suspended",
        conditions=conditions(
            stored.get("conditions") or [],
            {"Created": ("Created", ""), "Suspended": ("Suspended", verdict.message)},
            now,
            job.generation,
        ),
        message=verdict.message,
        observedGeneration=job.generation,
        readyPods=0,
    )
    return Plan(
        deletes=deletes,
        status=status,
        events=deletion_events(deletes) + phase_events(stored, verdict),
    )
