"""Manifests of the job's children: a headless Service per role and a Pod per instance.

Hooks run in the order fixed in framework.py: Troupe's env, the framework's
`instance_env`, then `adjust_pod`; env a user set in the template wins over both. The
artifact containers and volumes (artifacts.py) come last, so they reach every container.
"""

from __future__ import annotations

import copy

from troupe.api.spec import RestartPolicy
from troupe.core import artifacts, naming
from troupe.core.framework import Framework, InstanceContext, JobContext

# Troupe decides about failed pods for Never and ExitCode, so the kubelet must not retry.
POD_RESTART_POLICY: dict[RestartPolicy, str] = {
    "Never": "Never",
    "ExitCode": "Never",
    "OnFailure": "OnFailure",
    "Always": "Always",
}


def owner_reference(job: JobContext) -> dict:
    """The controlling reference to the job; anything with its name and uid will do."""
    return {
        "apiVersion": naming.API_VERSION,
        "kind": naming.KIND,
        "name": job.name,
        "uid": job.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def render_service(job: JobContext, role: str) -> dict:
    """Headless, publishing not-ready pods: peers resolve each other before they are Ready."""
    framework = job.spec.framework
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": naming.service_name(job.name, role),
            "namespace": job.namespace,
            "labels": naming.service_labels(job.name, role, framework),
            "ownerReferences": [owner_reference(job)],
        },
        "spec": {
            "clusterIP": "None",
            "publishNotReadyAddresses": True,
            "selector": {naming.JOB_LABEL: job.name, naming.ROLE_LABEL: role},
        },
    }


def render_extra_objects(job: JobContext, framework: Framework) -> list[dict]:
    """The framework's extra objects, owned by the job and placed in its namespace."""
    objects = []
    for obj in framework.extra_objects(job):
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        meta.setdefault("namespace", job.namespace)
        meta.setdefault("ownerReferences", [owner_reference(job)])
        objects.append(obj)
    return objects


def troupe_env(ctx: InstanceContext) -> dict[str, str]:
    job = ctx.job
    env = {
        "TROUPE_JOB_NAME": job.name,
        "TROUPE_JOB_UID": job.uid,
        "TROUPE_NAMESPACE": job.namespace,
        "TROUPE_ROLE": ctx.role,
        "TROUPE_INDEX": str(ctx.index),
        "TROUPE_REPLICAS": str(ctx.role_spec.replicas),
    }
    for role, hosts in job.hosts.items():
        env[naming.hosts_env_name(role)] = ",".join(hosts)
    return env


def render_pod(ctx: InstanceContext, framework: Framework) -> dict:
    job, role = ctx.job, ctx.role_spec
    template = copy.deepcopy(role.template)
    meta = {k: v for k, v in (template.get("metadata") or {}).items() if k != "generateName"}
    spec = template.get("spec") or {}
    name = naming.pod_name(job.name, ctx.role, ctx.index)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            **meta,
            "name": name,
            "namespace": job.namespace,
            "labels": {
                **(meta.get("labels") or {}),
                **naming.pod_labels(
                    job.name, ctx.role, ctx.index, job.restart_generation, job.spec.framework
                ),
            },
            "ownerReferences": [owner_reference(job)],
        },
        "spec": {
            **spec,
            "hostname": name,
            "subdomain": naming.service_name(job.name, ctx.role),
            "restartPolicy": POD_RESTART_POLICY[role.restart_policy],
        },
    }
    _add_env(pod, troupe_env(ctx))
    _add_env(pod, framework.instance_env(ctx))
    pod = framework.adjust_pod(ctx, pod)
    return artifacts.add_artifacts(pod, job.spec.artifacts, ctx.role)


def _add_env(pod: dict, env: dict[str, str]) -> None:
    """Into every container and init container; a name already set is left alone."""
    spec = pod["spec"]
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or []:
            current = container.setdefault("env", [])
            present = {e.get("name") for e in current}
            current.extend({"name": k, "value": v} for k, v in env.items() if k not in present)
