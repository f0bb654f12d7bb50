"""Queue gates: a job waits, without pods, until its queue (built-in or Kueue) admits it."""

from __future__ import annotations

import copy
from datetime import datetime

from troupe.api.spec import TrainingJobSpec
from troupe.core import kueue, queueing
from troupe.core.jobview import JobView
from troupe.core.observed import Instance
from troupe.core.plan import Plan, Verdict, deletion_events, phase_events, pod_deletes
from troupe.core.render import owner_reference
from troupe.core.status import TERMINAL_PHASES


def queue_gate(
    job: JobView,
    spec: TrainingJobSpec,
    instances: list[Instance],
    admission: queueing.Decision,
    now: datetime,
) -> Plan:
    """Not yet admitted: wait Queued (no pods); just admitted: record it, pods next pass."""
    stored = job.status or {}
    if admission.admitted:
        status = queueing.admitted_status(stored, spec.scheduling.queue, now, job.generation)
        verdict = Verdict("Pending", "Admitted", status["message"])
        return Plan(status=status, events=phase_events(stored, verdict), requeue_after=0)
    deletes = pod_deletes(instances)
    verdict = Verdict("Queued", admission.reason, admission.message)
    return Plan(
        deletes=deletes,
        status=queueing.queued_status(stored, admission, now, job.generation),
        events=deletion_events(deletes) + phase_events(stored, verdict),
    )


def kueue_wait(job: JobView, instances: list[Instance], gate: kueue.Gate, now: datetime) -> Plan:
    """Not admitted by Kueue (or evicted): no pods, phase Queued with Kueue's reason;
    the Workload created, replaced or released as the gate says."""
    stored = job.status or {}
    deletes = pod_deletes(instances)
    decision = queueing.Decision(False, gate.reason, gate.message)
    verdict = Verdict("Queued", gate.reason, gate.message)
    result = Plan(
        deletes=deletes + [("Workload", n) for n in gate.delete],
        status=queueing.queued_status(stored, decision, now, job.generation),
        events=deletion_events(deletes) + phase_events(stored, verdict),
    )
    if gate.create is not None:
        manifest = copy.deepcopy(gate.create)
        manifest["metadata"]["ownerReferences"] = [owner_reference(job)]
        result.creates.append(manifest)
        result.event(
            "Normal", "CreatedWorkload", f"created workload {manifest['metadata']['name']}"
        )
    if gate.release is not None:
        name, patch = gate.release
        result.status_patches.append((kueue.API_VERSION, "Workload", name, patch))
    return result


def finish_workload(result: Plan, state: kueue.Observed, now: datetime) -> Plan:
    """A finished job marks its Workloads Finished: Kueue gives their quota back."""
    phase = (result.status or {}).get("phase")
    if phase not in TERMINAL_PHASES:
        return result
    message = result.status.get("message") or phase
    for body in state.workloads:
        patch = kueue.finish_patch(body, phase == "Succeeded", message, now)
        if patch is not None:
            result.status_patches.append(
                (kueue.API_VERSION, "Workload", kueue.name_of(body), patch)
            )
    return result
