"""What happens to an instance whose pod has finished, per the role's restart policy.

OnFailure and Always leave in-place restarts to the kubelet; Troupe only sees pods that
ended for good (evicted, node lost, or exited under Never/ExitCode pods).
"""

from __future__ import annotations

from enum import Enum

from troupe.api.spec import Role
from troupe.core.observed import Instance

DEFAULT_RETRYABLE_FROM = 128  # signals and OOM kills, as Kubeflow's ExitCode policy


class Outcome(Enum):
    RUNNING = "running"  # not finished: nothing to decide
    DONE = "done"  # succeeded and stays succeeded
    FAILED = "failed"  # failed for good
    RECREATE = "recreate"  # delete and create again under the same name
    RESTART_JOB = "restart-job"  # restart every pod under a new generation


def outcome(instance: Instance, role: Role) -> Outcome:
    """Decide for one instance; `role` must have its restart policy resolved."""
    if not instance.finished:
        return Outcome.RUNNING
    policy = role.restart_policy
    if instance.phase == "Succeeded":
        return _retry(role) if policy == "Always" else Outcome.DONE
    if policy == "Never":
        return Outcome.FAILED
    if policy == "ExitCode" and not is_retryable(instance.exit_code, role.retryable_exit_codes):
        return Outcome.FAILED
    return _retry(role)


def is_retryable(exit_code: int | None, retryable: list[int] | None) -> bool:
    """No exit code means the pod was lost (evicted, node gone), not that the program erred."""
    if exit_code is None:
        return True
    if retryable is None:
        return exit_code >= DEFAULT_RETRYABLE_FROM
    return exit_code in retryable


def _retry(role: Role) -> Outcome:
    return Outcome.RESTART_JOB if role.restart_scope == "Job" else Outcome.RECREATE
