"""The whole controller decision, as a pure function of the job and what is observed.

`plan` is level-triggered: called again on the same observed state it asks for nothing
new, and a pod name that is still present (even terminating, even of an older restart
generation) is never created again until it is gone. It runs the steps of reconcile/ in a
fixed order: validate, finished jobs (cleanup, TTL), suspend, the queue gates, then the pass
over a running job (deadline, backoff, restarts, gating and creates, status).
"""

from __future__ import annotations

from datetime import datetime

from troupe.core import kueue, queueing
from troupe.core.framework import Framework
from troupe.core.jobview import JobView
from troupe.core.observed import Instance
from troupe.core.plan import Plan
from troupe.core.reconcile.finished import finished
from troupe.core.reconcile.queue_gate import finish_workload, kueue_wait, queue_gate
from troupe.core.reconcile.run import run
from troupe.core.reconcile.state import Pass
from troupe.core.reconcile.suspend import suspended
from troupe.core.reconcile.validate import FrameworkLookup, invalid, prepare, was_invalid
from troupe.core.status import TERMINAL_PHASES

__all__ = ["JobView", "Plan", "plan"]


def plan(
    job: JobView,
    instances: list[Instance],
    services: set[str],
    now: datetime,
    framework: Framework | FrameworkLookup,
    admission: queueing.Decision | None = None,
    kueue_state: kueue.Observed | None = None,
) -> Plan:
    """Decide every action for one job. `framework` may be the plugin or a lookup by id.

    `admission`: the queue's decision (queueing.py); None runs the job without one.
    `kueue_state`: the job's Workloads and the ResourceFlavors, for a job labelled
    `kueue.x-k8s.io/queue-name` (Kueue then decides instead of the built-in queue);
    None: the operator runs without Kueue.
    """
    stored = job.status or {}
    resolved, errors, spec = prepare(job, framework)
    if errors:
        return invalid(job, errors, now)
    queue = kueue.queue_name(job.labels)
    state = kueue_state or kueue.Observed(available=False)
    if stored.get("phase") in TERMINAL_PHASES and not was_invalid(stored):
        result = finished(job, spec, instances, now, stored)
        return finish_workload(result, state, now) if queue else result
    if spec.run_policy.suspend:
        result = suspended(job, instances, now)
        if queue and not instances:  # stopped: the quota goes back, resuming queues again
            result.deletes += [("Workload", kueue.name_of(w)) for w in state.workloads]
        return result
    placement: dict = {}
    if queue:
        gate = kueue.gate(
            job.name, job.namespace, job.uid, queue, spec, state, bool(instances), now
        )
        if not gate.admitted:
            return kueue_wait(job, instances, gate, now)
        spec, placement = kueue.admitted_spec(spec, gate.counts), gate.placement
        deletes = [("Workload", n) for n in gate.delete]
    elif admission is not None and stored.get("phase") not in queueing.HOLDING_PHASES:
        return queue_gate(job, spec, instances, admission, now)
    result = run(Pass.begin(job, spec, resolved, instances, services, now, placement))
    if queue:
        result.deletes += deletes
        result = finish_workload(result, state, now)
    return result
