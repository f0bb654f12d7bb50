"""Status: the job's phase, conditions, roles and restart accounting, as this pass left
them; cleanup and the TTL once the job finishes."""

from __future__ import annotations

import collections

from troupe.core.plan import Event, Verdict, phase_events
from troupe.core.reconcile.cleanup import cleanup
from troupe.core.reconcile.results import artifact_status
from troupe.core.reconcile.state import Pass
from troupe.core.reconcile.ttl import apply_ttl
from troupe.core.reconcile.verdict import stuck_pods
from troupe.core.status import (
    TERMINAL_PHASES,
    RoleState,
    conditions,
    describe_failure,
    timestamp,
)
from troupe.core.throttle import failed_roles


def finish_status(p: Pass, verdict: Verdict, states: dict[str, RoleState], restarts: int) -> None:
    stored, now = p.stored, p.now
    finished = verdict.phase in TERMINAL_PHASES
    if finished:
        for kind, name in cleanup(p.spec, p.instances):
            if (kind, name) not in p.result.deletes:
                p.result.delete(kind, name)
    true = {"Created": ("Created", "")}
    true[verdict.phase] = (verdict.reason, verdict.message)
    if verdict.phase == "Pending":
        del true["Pending"]
    leaving = leaving_ready(p)
    roles = [role_status(p, states[r.name], leaving) for r in p.spec.roles]
    status = {
        "phase": verdict.phase,
        "conditions": conditions(stored.get("conditions") or [], true, now, p.job.generation),
        "roles": roles,
        "restarts": restarts,
        "settledRestarts": p.settled,
        "restartGeneration": p.generation,
        "readyPods": sum(role["ready"] for role in roles),
        "totalPods": p.total_pods(),
        "startTime": timestamp(p.start),
        "message": verdict.message,
        "observedGeneration": p.job.generation,
    }
    stuck = stuck_pods(p)
    if stuck:
        status["stuckPods"] = stuck
    if p.gang:
        status["gang"] = p.gang
    if recorded := artifact_status(p.spec.artifacts, stored, p.instances):
        status["artifacts"] = recorded
    if p.elastic:
        status.update(p.elastic.status)
    if finished:
        status["completionTime"] = stored.get("completionTime") or timestamp(now)
        apply_ttl(p.result, p.spec, status, now)
    p.result.status = status
    if verdict.phase != "Failed":  # else the job's own Failed Event names the pod
        p.result.events += role_failure_events(stored, states)
    p.result.events += phase_events(stored, verdict)
    p.result.events += stuck_pod_events(stored, stuck)


def stuck_pod_events(stored: dict, stuck: list[dict]) -> list[Event]:
    """A Warning for each pod that newly cannot start, or for a new reason (ErrImagePull
    turning ImagePullBackOff is news: the pull was retried and failed again)."""
    known = {(s.get("pod"), s.get("reason")) for s in stored.get("stuckPods") or []}
    return [
        Event("Warning", s["reason"], f"pod {s['pod']}: {s['message'] or s['reason']}")
        for s in stuck
        if (s["pod"], s["reason"]) not in known
    ]


def role_failure_events(stored: dict, states: dict[str, RoleState]) -> list[Event]:
    """A Warning for each role that failed since the stored status, though the job goes on
    (a role whose failure does not decide the job, such as an evaluator)."""
    known = set(failed_roles(stored))
    return [
        Event("Warning", "RoleFailed", _role_failed(name, state))
        for name, state in states.items()
        if state.phase == "Failed" and name not in known
    ]


def _role_failed(name: str, state: RoleState) -> str:
    if not state.failures:
        return f"role {name} failed"
    return f"role {name} failed: {describe_failure(state.failures[0])}"


def leaving_ready(p: Pass) -> collections.Counter[str]:
    """Ready pods, by role, that this pass deletes (cleanup of a finished job): a finished
    job's status is not written again for progress (throttle.py), so it must not count
    them as ready."""
    deleted = {name for kind, name in p.result.deletes if kind == "Pod"}
    return collections.Counter(
        i.role for i in p.live() if i.ready and i.phase == "Running" and i.name in deleted
    )


def role_status(p: Pass, state: RoleState, leaving: collections.Counter[str]) -> dict:
    """The role's counts, with the pods this pass creates already Pending and the ready
    pods it deletes no longer ready."""
    role = state.as_status()
    role["pending"] += p.creating[state.name]
    role["ready"] -= leaving[state.name]
    return role
