"""The job's verdict: finished by its status policy, or Running, Restarting or Pending."""

from __future__ import annotations

from troupe.core import dag
from troupe.core.plan import Verdict
from troupe.core.reconcile.state import Pass
from troupe.core.status import RoleState, failure_message, job_verdict


def finished_verdict(p: Pass, states: dict[str, RoleState]) -> Verdict | None:
    """Failed or Succeeded by the job's status policy; None while it still runs."""
    match job_verdict(p.spec, states):
        case "Failed":
            return Verdict("Failed", "RoleFailed", failure_message(states))
        case "Succeeded":
            return Verdict("Succeeded", "Succeeded", "job succeeded")
    if p.elastic and p.elastic.failed:
        return Verdict("Failed", "BelowMinReplicas", p.elastic.failed)
    return None


def progress_verdict(p: Pass, states: dict[str, RoleState], restarting: set[str]) -> Verdict:
    """Running means every role has the pods it needs up, as a gang scheduler sees it:
    a master running while its workers wait is still Pending. Once a job has run it
    shows Restarting, not Pending, until all its pods run again."""
    steady = {p.elastic.role} if p.elastic and p.elastic.steady else set()
    coming_back = bool(restarting - steady) or any(
        i.name in p.wanted and i.role not in steady and (i.deleting or i.generation != p.generation)
        for i in p.instances
    )
    running = all(s.running + s.succeeded + s.failed >= s.needed for s in states.values())
    ran_before = p.stored.get("phase") in ("Running", "Restarting")
    if p.elastic and p.elastic.below_min:
        return Verdict("Restarting", "BelowMinReplicas", p.elastic.below_min)
    if coming_back or (ran_before and not running):
        return Verdict("Restarting", "Restarting", "pods are being restarted")
    if running:
        ready = sum(s.ready for s in states.values())
        return Verdict("Running", "Running", f"{ready}/{p.total_pods()} pods ready")
    return Verdict("Pending", "Pending", waiting_message(p, states))


def waiting_message(p: Pass, states: dict[str, RoleState]) -> str:
    """How many pods run, and what each waiting role waits for."""
    progress = {name: s.progress for name, s in states.items()}
    up = sum(s.running + s.succeeded for s in states.values())
    waits = [
        f"{r.name} waits for {d.role} {d.condition}"
        for r in p.spec.roles
        for d in dag.unmet(r, progress)
    ]
    stuck = [
        f"pod {pod['pod']} cannot start: {pod['reason']}: {pod['message']}" for pod in stuck_pods(p)
    ]
    return "; ".join([f"{up}/{p.total_pods()} pods running", *waits, *stuck])


def stuck_pods(p: Pass) -> list[dict]:
    """Pods whose containers cannot start, with the kubelet's reason and message."""
    return [
        {"pod": i.name, "reason": i.stuck_reason, "message": i.stuck_message}
        for i in sorted(p.live(), key=lambda i: i.name)
        if i.stuck_reason
    ]
