"""Backoff: backoffLimit counts every restart, in place or by recreation."""

from __future__ import annotations

from troupe.core.observed import Instance
from troupe.core.plan import Verdict
from troupe.core.status import describe_failure


def backoff(
    limit: int | None, restarts: int, retries: list[Instance], live: list[Instance]
) -> Verdict | None:
    """Failed once the restarts exceed `limit`: those done so far (`restarts`) or the one a
    pod in `retries` would need. The message names the pod that went past it."""
    if limit is None or (restarts <= limit and not (retries and restarts >= limit)):
        return None
    if retries:
        cause = describe_failure(retries[0])
    elif live:
        cause = restarted_in_place(max(live, key=lambda i: (i.container_restarts, i.name)))
    else:  # the limit was lowered below the restarts already made
        cause = f"{restarts} restarts made"
    return Verdict("Failed", "BackoffLimitExceeded", f"backoff limit {limit} exceeded: {cause}")


def restarted_in_place(instance: Instance) -> str:
    times = "once" if instance.container_restarts == 1 else f"{instance.container_restarts} times"
    text = f"pod {instance.name} restarted in place {times}"
    if instance.last_exit_code is not None:
        text += f", last with exit code {instance.last_exit_code}"
    return text
