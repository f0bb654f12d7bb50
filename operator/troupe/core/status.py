"""From observed instances to role state, job verdict and Kubernetes-style conditions.

Conditions follow API conventions: a condition appears once it first becomes True, and its
lastTransitionTime moves only when its status flips, so `kubectl wait` and dashboards can
trust it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from troupe.api.spec import JobRule, Role, TrainingJobSpec
from troupe.core import policies
from troupe.core.dag import RoleProgress
from troupe.core.observed import Instance

TERMINAL_PHASES = ("Succeeded", "Failed")
CONDITION_TYPES = (
    "Queued", "Created", "Running", "Restarting", "Succeeded", "Failed", "Suspended",
    "Reconciling", "Stalled",
)  # fmt: skip
SETTLED = ("Running", "Succeeded", "Failed", "Suspended")  # phases kstatus calls Current


@dataclass(frozen=True)
class RoleState:
    name: str
    replicas: int
    needed: int  # pods that make the role Ready (elastic: minReplicas)
    pending: int
    running: int
    ready: int
    succeeded: int
    failed: int  # failed for good, not being retried
    restarts: int  # in-place container restarts of the role's current pods
    phase: str  # Pending | Running | Succeeded | Failed
    addresses: tuple[str, ...]  # hosts of the running pods
    failures: tuple[Instance, ...]  # pods failed for good, by name

    @property
    def progress(self) -> RoleProgress:
        return RoleProgress(
            needed=self.needed,
            created=self.pending + self.running + self.succeeded + self.failed,
            running=self.running + self.succeeded,
            ready=self.ready + self.succeeded,
            succeeded=self.phase == "Succeeded",
        )

    def as_status(self) -> dict:
        return {
            "name": self.name,
            "replicas": self.replicas,
            "pending": self.pending,
            "running": self.running,
            "ready": self.ready,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "restarts": self.restarts,
            "phase": self.phase,
            "addresses": list(self.addresses),
        }


def role_state(
    role: Role, instances: list[Instance], failed_for_good: set[str], hosts: list[str]
) -> RoleState:
    """`instances`: the role's live pods of the current generation; `role` has defaults."""
    failures = tuple(sorted((i for i in instances if i.name in failed_for_good), key=_by_name))
    succeeded = sum(i.phase == "Succeeded" for i in instances)
    running = [i for i in instances if i.phase == "Running"]
    rules = role.status_policy
    if role.replicas == 0:
        phase = "Succeeded"
    elif policies.met(rules.failure.policy, len(failures), role.replicas, rules.failure.count):
        phase = "Failed"
    elif policies.met(rules.success.policy, succeeded, role.replicas, rules.success.count):
        phase = "Succeeded"
    elif running or succeeded:
        phase = "Running"
    else:
        phase = "Pending"
    return RoleState(
        name=role.name,
        replicas=role.replicas,
        needed=role.elastic.min_replicas if role.elastic else role.replicas,
        pending=sum(i.phase == "Pending" for i in instances),
        running=len(running),
        ready=sum(i.ready for i in running),
        succeeded=succeeded,
        failed=len(failures),
        restarts=sum(i.container_restarts for i in instances),
        phase=phase,
        addresses=tuple(hosts[i.index] for i in sorted(running, key=_by_name)),
        failures=failures,
    )


def job_verdict(spec: TrainingJobSpec, states: dict[str, RoleState]) -> str | None:
    """Failed, Succeeded or None (still going), per the job's resolved status policy."""
    policy = spec.status_policy
    if _rule_met(policy.failure, spec, states, "Failed"):
        return "Failed"
    if _rule_met(policy.success, spec, states, "Succeeded"):
        return "Succeeded"
    return None


def _rule_met(rule: JobRule, spec: TrainingJobSpec, states: dict, phase: str) -> bool:
    targets = rule.roles or [r.name for r in spec.roles if not r.status_policy.ignore_for_job]
    count = sum(states[name].phase == phase for name in targets)
    return bool(targets) and policies.met(rule.policy, count, len(targets), rule.count)


def failure_message(states: dict[str, RoleState]) -> str:
    """Name the first pod that failed for good, with its exit code and reason."""
    failures = sorted((f for s in states.values() for f in s.failures), key=_by_name)
    if not failures:
        failed_roles = sorted(n for n, s in states.items() if s.phase == "Failed")
        return f"role {', '.join(failed_roles)} failed"
    return describe_failure(failures[0])


def describe_failure(instance: Instance) -> str:
    text = f"pod {instance.name} failed"
    if instance.exit_code is not None:
        text += f" with exit code {instance.exit_code}"
    if instance.reason:
        text += f" ({instance.reason})"
    if instance.message:
        text += f": {instance.message}"
    return text


def conditions(
    stored: list[dict], true: dict[str, tuple[str, str]], now: datetime, generation: int
) -> list[dict]:
    """`true`: type -> (reason, message) of conditions that hold now; the rest turn False.

    Reconciling (not yet running: pending, queued, restarting) and Stalled (failed) are
    derived here, so kstatus-based tools (Flux, Config Sync, cli-utils) read a job as
    InProgress / Failed / Current without a custom health check.
    """
    old = {c.get("type"): c for c in stored}
    current = next(reversed(true.values()), ("", ""))
    current_reason = current[0]
    true = dict(true)
    if "Failed" in true:
        true["Stalled"] = true["Failed"]
    elif not any(t in true for t in SETTLED):
        true["Reconciling"] = current
    result = []
    for type_ in CONDITION_TYPES:
        if type_ in true:
            status, (reason, message) = "True", true[type_]
        elif type_ in old:
            status, reason, message = "False", current_reason, ""
        else:
            continue
        before = old.get(type_, {})
        flipped = before.get("status") != status
        result.append(
            {
                "type": type_,
                "status": status,
                "reason": reason,
                "message": message,
                "lastTransitionTime": timestamp(now)
                if flipped
                else before.get("lastTransitionTime", timestamp(now)),
                "observedGeneration": generation,
            }
        )
    return result


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _by_name(instance: Instance) -> str:
    return instance.name
