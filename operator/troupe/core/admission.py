"""Every rule a TrainingJob must pass before it is stored, in one pure function.

The validating webhook, `troupe submit` and the planner (for objects that bypassed the
webhook) all call `review_job`, so a job is judged the same way everywhere.
"""

from __future__ import annotations

from troupe.api.errors import FieldError, UnknownFramework
from troupe.api.spec import TrainingJobSpec, validate_spec
from troupe.core.dag import cycle_errors
from troupe.core.framework import (
    Framework,
    InstanceContext,
    JobContext,
    apply_defaults,
    get_framework,
)
from troupe.core.naming import name_errors, role_hosts
from troupe.core.render import render_pod


def review_spec(
    name: str, raw_spec: dict
) -> tuple[TrainingJobSpec | None, Framework | None, list[FieldError]]:
    """Parse and judge a spec; the spec and its framework come back only when it can run."""
    spec, errors = validate_spec(raw_spec or {})
    if spec is None:
        return None, None, errors
    try:
        framework = get_framework(spec.framework)
    except UnknownFramework as exc:
        return None, None, [FieldError("spec.framework", str(exc))]
    errors = framework.validate(spec) + cycle_errors(spec) + name_errors(name, spec)
    if errors:
        return None, None, sorted(set(errors))
    return spec, framework, []


def review_job(manifest: dict) -> list[FieldError]:
    name = (manifest.get("metadata") or {}).get("name", "")
    return review_spec(name, manifest.get("spec") or {})[2]


def sample_pods(
    name: str, namespace: str, uid: str, spec: TrainingJobSpec, framework: Framework
) -> dict[int, dict]:
    """Instance 0 of every role, rendered exactly as the controller would create it.

    The webhook asks the API server to dry-run these, so a template the server would
    reject (a typo in a field, a bad quantity) fails at `kubectl apply`, not at runtime.
    """
    spec = apply_defaults(spec, framework)
    job = JobContext(
        name=name,
        namespace=namespace,
        uid=uid or "00000000-dry-run",
        spec=spec,
        hosts=role_hosts(name, namespace, spec),
    )
    return {
        i: render_pod(InstanceContext(job=job, role=role.name, index=0), framework)
        for i, role in enumerate(spec.roles)
        if role.replicas > 0
    }
