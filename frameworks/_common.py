"""What every built-in framework shares: ranks over roles, ports, addresses, pod edits.

Each framework file states only its contract (which roles, which variables); the mechanics
of finding the main container, a role's port or a global rank live here once.

`RoleDefaults` adds `depends_on` to the core's role defaults, and `KnownRoles` exposes
them through the `default_dependencies(spec)` hook, which the core's `apply_defaults`
uses for every role that states no `dependsOn` of its own.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from troupe.api.errors import FieldError
from troupe.api.spec import (
    Dependency,
    DependencyCondition,
    JobRule,
    JobStatusPolicy,
    RoleRule,
    RoleStatusPolicy,
    TrainingJobSpec,
)
from troupe.core import framework as core
from troupe.core.framework import InstanceContext, JobContext

IGNORED_FOR_JOB = RoleStatusPolicy(ignore_for_job=True)
ANY_SUCCEEDS = RoleStatusPolicy(success=RoleRule(policy="Any"))
GPU_RESOURCE = "nvidia.com/gpu"


@dataclass(frozen=True)
class RoleDefaults(core.RoleDefaults):
    """Core role defaults plus the roles this one waits for, when they are in the job."""

    depends_on: tuple[tuple[str, DependencyCondition], ...] = field(default=())


class KnownRoles(core.Framework):
    """A framework with a fixed set of roles, each with its port and defaults."""

    roles: dict[str, RoleDefaults] = {}
    container: str = ""  # the container the framework's variables are meant for
    port_name: str = ""  # the named container port peers connect to ("" = none)
    default_port: int = 0
    # Roles the framework cannot run without: one tuple per alternative set, e.g.
    # (("master", "worker"),) means "a master or a worker".
    required_roles: tuple[tuple[str, ...], ...] = ()

    def validate(self, spec: TrainingJobSpec) -> list[FieldError]:
        errors = super().validate(spec)
        for alternatives in self.required_roles:
            if not any(replicas(spec, r) for r in alternatives):
                errors.append(missing_role_error(self.name, alternatives))
        return errors

    def default_dependencies(self, spec: TrainingJobSpec) -> dict[str, list[Dependency]]:
        """Dependencies of each role present, on roles present."""
        present = {r.name for r in spec.roles if r.replicas}
        result = {}
        for role in spec.roles:
            known = self.roles.get(role.name)
            deps = [
                Dependency(role=on, condition=condition)
                for on, condition in (known.depends_on if known else ())
                if on in present
            ]
            if deps:
                result[role.name] = deps
        return result

    def port(self, spec: TrainingJobSpec, role: str) -> int:
        return role_port(spec, role, self.port_name, self.default_port)

    def adjust_pod(self, ctx: InstanceContext, pod: dict) -> dict:
        if not self.port_name:
            return pod
        return with_container_port(
            pod, self.container, self.port_name, self.port(ctx.job.spec, ctx.role)
        )


class MasterWorker(KnownRoles):
    """Frameworks ranked master first, then workers; workers wait for a Ready master and the
    job succeeds with the master (with every worker when there is no master)."""

    rank_order = ("master", "worker")
    roles = {
        "master": RoleDefaults(max_replicas=1),
        "worker": RoleDefaults(depends_on=(("master", "Ready"),)),
    }
    required_roles = (("master", "worker"),)

    def default_status_policy(self, spec: TrainingJobSpec) -> JobStatusPolicy:
        return succeeds_with(spec, "master")

    def world(self, job: JobContext) -> list[tuple[str, int, str]]:
        return ranked_hosts(job, self.rank_order)

    def coordinator(self, job: JobContext) -> tuple[str, int]:
        """Host and port of rank 0, the instance that hosts the rendezvous."""
        role, _, host = self.world(job)[0]
        return host, self.port(job.spec, role)


def missing_role_error(framework: str, alternatives: Sequence[str]) -> FieldError:
    wanted = " or ".join(f'"{r}"' for r in alternatives)
    return FieldError("spec.roles", f"{framework} needs a {wanted} role with replicas >= 1")


def replicas(spec: TrainingJobSpec, role: str) -> int:
    """Replicas of a role; 0 when the job does not have it."""
    return next((r.replicas for r in spec.roles if r.name == role), 0)


def first_present(spec: TrainingJobSpec, roles: Sequence[str]) -> str | None:
    return next((r for r in roles if replicas(spec, r)), None)


def succeeds_with(spec: TrainingJobSpec, role: str) -> JobStatusPolicy:
    """The job succeeds when `role` does, if the job has it; otherwise when all roles do."""
    if replicas(spec, role):
        return JobStatusPolicy(success=JobRule(policy="All", roles=[role]))
    return JobStatusPolicy()


# --- ranks and addresses --------------------------------------------------------------------


def ranked_hosts(job: JobContext, roles: Sequence[str]) -> list[tuple[str, int, str]]:
    """(role, index, host) of every instance of `roles`, in rank order (role order, then index)."""
    return [(role, i, host) for role in roles for i, host in enumerate(job.hosts.get(role, []))]


def rank(ctx: InstanceContext, roles: Sequence[str]) -> int:
    """This instance's global rank over `roles`, e.g. master 0, worker i -> i + 1."""
    order = [(role, i) for role, i, _ in ranked_hosts(ctx.job, roles)]
    return order.index((ctx.role, ctx.index))


def first_host(job: JobContext, roles: Sequence[str]) -> str:
    """Host of instance 0 of the first role present: the coordinator of most frameworks."""
    return ranked_hosts(job, roles)[0][2]


def address(host: str, port: int) -> str:
    return f"{host}:{port}"


def addresses(hosts: Iterable[str], port: int) -> list[str]:
    return [address(h, port) for h in hosts]


# --- containers, ports, resources -------------------------------------------------------------


def main_container(pod_spec: dict, name: str) -> dict | None:
    """The container named `name`, else the first one; None for a pod without containers."""
    containers = pod_spec.get("containers") or []
    named = [c for c in containers if c.get("name") == name]
    return (named or containers or [None])[0]


def role_port(spec: TrainingJobSpec, role: str, port_name: str, default: int) -> int:
    """The containerPort named `port_name` in any container of the role's template, else default."""
    template_spec = (spec.role(role).template or {}).get("spec") or {}
    for container in template_spec.get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == port_name and port.get("containerPort"):
                return int(port["containerPort"])
    return default


def with_container_port(pod: dict, container: str, port_name: str, port: int) -> dict:
    """Declare the framework's port on the main container unless some container declares it."""
    pod = copy.deepcopy(pod)
    spec = pod.get("spec") or {}
    declared = {p.get("name") for c in spec.get("containers") or [] for p in c.get("ports") or []}
    target = main_container(spec, container)
    if target is not None and port_name not in declared:
        target.setdefault("ports", []).append({"name": port_name, "containerPort": port})
    return pod


def container_env(spec: TrainingJobSpec, role: str, container: str, name: str) -> str | None:
    """A plain env value the user set on the role's main container (it wins over ours)."""
    target = main_container((spec.role(role).template or {}).get("spec") or {}, container)
    for env in (target or {}).get("env") or []:
        if env.get("name") == name and "value" in env:
            return str(env["value"])
    return None


def resource_count(spec: TrainingJobSpec, role: str, container: str, resource: str) -> int | None:
    """A whole-number resource limit (GPUs, CPUs) of the role's main container, if set."""
    target = main_container((spec.role(role).template or {}).get("spec") or {}, container)
    resources = (target or {}).get("resources") or {}
    value = (resources.get("limits") or {}).get(resource) or (resources.get("requests") or {}).get(
        resource
    )
    if value is None:
        return None
    text = str(value)
    if text.isdigit():
        return int(text)
    if text.endswith("m") and text[:-1].isdigit():  # millicores: whole CPUs only
        return int(text[:-1]) // 1000 or None
    return None


def with_startup_probe(pod: dict, container: str, port: int) -> dict:
    """Not Ready until `port` accepts connections, unless the user gave the container a probe
    that decides readiness. Probed every second for up to ten minutes, then never again."""
    pod = copy.deepcopy(pod)
    target = main_container(pod.get("spec") or {}, container)
    if target is not None and not {"startupProbe", "readinessProbe"} & target.keys():
        target["startupProbe"] = {
            "tcpSocket": {"port": port},
            "periodSeconds": 1,
            "failureThreshold": 600,
        }
    return pod


def with_env_from_field(pod: dict, name: str, field_path: str) -> dict:
    """Add `name` from the downward API (e.g. status.podIP) to every container lacking it."""
    pod = copy.deepcopy(pod)
    for container in (pod.get("spec") or {}).get("containers") or []:
        env = container.setdefault("env", [])
        if all(e.get("name") != name for e in env):
            env.append({"name": name, "valueFrom": {"fieldRef": {"fieldPath": field_path}}})
    return pod
