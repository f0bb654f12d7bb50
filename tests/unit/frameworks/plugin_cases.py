"""Jobs for plugin tests, built the way the operator builds them: YAML spec -> hosts -> pods."""

from __future__ import annotations

from unit.builders import spec_from_yaml

from troupe.core import naming, render
from troupe.core.framework import (
    Framework,
    InstanceContext,
    JobContext,
    apply_defaults,
    get_framework,
)

JOB, NAMESPACE, UID = "demo", "ns", "0b6c1e0e-5b8a-4c7e-9a11-3f1d2c4b5a69"


def job_context(framework: str, roles_yaml: str) -> JobContext:
    """A job of `framework` with the given `roles:` YAML, defaults applied as the planner does."""
    plugin = get_framework(framework)
    spec = spec_from_yaml(f"spec:\n  framework: {framework}\n  roles: {roles_yaml}")
    spec = apply_defaults(spec, plugin)
    return JobContext(
        name=JOB,
        namespace=NAMESPACE,
        uid=UID,
        spec=spec,
        hosts=naming.role_hosts(JOB, NAMESPACE, spec),
    )


def host(role: str, index: int) -> str:
    return naming.host(JOB, role, index, NAMESPACE)


def env(job: JobContext, role: str, index: int) -> dict[str, str]:
    return get_framework(job.spec.framework).instance_env(InstanceContext(job, role, index))


def pod(job: JobContext, role: str, index: int) -> dict:
    plugin: Framework = get_framework(job.spec.framework)
    return render.render_pod(InstanceContext(job, role, index), plugin)


def pod_env(pod: dict, container: int = 0) -> dict[str, dict]:
    """name -> env entry of one container of a rendered pod."""
    return {e["name"]: e for e in pod["spec"]["containers"][container].get("env", [])}


def errors(framework: str, roles_yaml: str) -> list[tuple[str, str]]:
    spec = spec_from_yaml(f"spec:\n  framework: {framework}\n  roles: {roles_yaml}")
    return [(e.path, e.message) for e in get_framework(framework).validate(spec)]


def container(name: str = "main", **extra) -> dict:
    return {"name": name, "image": "python:3.11-slim", **extra}
