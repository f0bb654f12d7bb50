"""Cleanup: cleanPodPolicy on a finished job."""

from __future__ import annotations

from troupe.api.spec import TrainingJobSpec
from troupe.core.observed import Instance
from troupe.core.plan import by_name


def cleanup(spec: TrainingJobSpec, instances: list[Instance]) -> list[tuple[str, str]]:
    """Running deletes the unfinished pods, All every pod, None none."""
    policy = spec.run_policy.clean_pod_policy
    doomed = [
        i
        for i in sorted(instances, key=by_name)
        if not i.deleting and (policy == "All" or (policy == "Running" and not i.finished))
    ]
    return [("Pod", i.name) for i in doomed]
