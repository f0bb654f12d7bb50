"""Framework plugins: the narrow hooks through which a framework shapes a job.

Troupe calls them in one fixed order per reconcile: `validate` -> role defaults
(`apply_defaults`) -> `extra_objects` (created before any pod) -> for each instance:
Troupe's env, `instance_env`, `adjust_pod`. Plugins are found through the entry-point
group `troupe.frameworks`, so a pip package can add one without touching Troupe.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points

from troupe.api.errors import FieldError, UnknownFramework
from troupe.api.spec import (
    Dependency,
    JobStatusPolicy,
    RestartPolicy,
    Role,
    RoleStatusPolicy,
    TrainingJobSpec,
)

ENTRY_POINT_GROUP = "troupe.frameworks"
FALLBACK_RESTART_POLICY: RestartPolicy = "OnFailure"


@dataclass(frozen=True)
class RoleDefaults:
    """What a framework knows about one of its roles."""

    restart_policy: RestartPolicy | None = None
    status_policy: RoleStatusPolicy | None = None
    max_replicas: int | None = None  # e.g. one master, one MPI launcher


@dataclass(frozen=True)
class JobContext:
    name: str
    namespace: str
    uid: str
    spec: TrainingJobSpec
    hosts: dict[str, list[str]]  # role -> DNS host of each pod, by index
    restart_generation: int = 0


@dataclass(frozen=True)
class InstanceContext:
    job: JobContext
    role: str
    index: int

    @property
    def role_spec(self) -> Role:
        return self.job.spec.role(self.role)

    @property
    def host(self) -> str:
        return self.job.hosts[self.role][self.index]


class Framework:
    """Base plugin: any role names, no extra env. Subclasses override only what they need."""

    name: str = ""
    roles: dict[str, RoleDefaults] = {}  # empty: any role name is allowed

    def validate(self, spec: TrainingJobSpec) -> list[FieldError]:
        """Role names the framework knows and their replica limits."""
        errors = []
        for i, role in enumerate(spec.roles):
            if not self.roles:
                break
            known = self.roles.get(role.name)
            if known is None:
                errors.append(
                    FieldError(
                        f"spec.roles[{i}].name",
                        f'framework {self.name} has no role "{role.name}"; '
                        f"known roles: {', '.join(sorted(self.roles))}",
                    )
                )
            elif known.max_replicas is not None and role.replicas > known.max_replicas:
                errors.append(
                    FieldError(
                        f"spec.roles[{i}].replicas",
                        f"{self.name} allows at most {known.max_replicas} {role.name}",
                    )
                )
        return errors

    def default_dependencies(self, spec: TrainingJobSpec) -> dict[str, list[Dependency]]:
        """What each role waits for when the job states no `dependsOn` for it."""
        return {}

    def default_status_policy(self, spec: TrainingJobSpec) -> JobStatusPolicy:
        """Succeed when every counted role succeeds; fail when any fails."""
        return JobStatusPolicy()

    def instance_env(self, ctx: InstanceContext) -> dict[str, str]:
        return {}

    def adjust_pod(self, ctx: InstanceContext, pod: dict) -> dict:
        return pod

    def extra_objects(self, ctx: JobContext) -> list[dict]:
        """Objects (ConfigMaps, Secrets, ...) that must exist before any pod is created."""
        return []


def apply_defaults(spec: TrainingJobSpec, framework: Framework) -> TrainingJobSpec:
    """Fill every unset policy and dependency, so the rest of Troupe never looks them up again.

    A role that states its own `dependsOn` keeps exactly that; one that states none gets the
    framework's (e.g. pytorch workers wait for a Ready master).
    """
    dependencies = framework.default_dependencies(spec)
    roles = []
    for role in spec.roles:
        known = framework.roles.get(role.name, RoleDefaults())
        roles.append(
            role.model_copy(
                update={
                    "restart_policy": role.restart_policy
                    or known.restart_policy
                    or FALLBACK_RESTART_POLICY,
                    "status_policy": role.status_policy
                    or known.status_policy
                    or RoleStatusPolicy(),
                    "depends_on": role.depends_on or dependencies.get(role.name, []),
                }
            )
        )
    return spec.model_copy(
        update={
            "roles": roles,
            "status_policy": spec.status_policy or framework.default_status_policy(spec),
        }
    )


# --- registry ------------------------------------------------------------------------------

_registered: dict[str, Framework] = {}
_loaded: dict[str, Framework] = {}


def register_framework(framework: Framework) -> Framework:
    """Install a plugin without packaging it (tests, embedding); wins over entry points."""
    _registered[framework.name] = framework
    return framework


def unregister_framework(name: str) -> None:
    _registered.pop(name, None)


def installed_frameworks() -> list[str]:
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)} | set(_registered))


def get_framework(name: str) -> Framework:
    """The plugin with this id; raises UnknownFramework listing the installed ones."""
    if name in _registered:
        return _registered[name]
    if name not in _loaded:
        found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
        if not found:
            raise UnknownFramework(name, installed_frameworks())
        plugin = found[0].load()()
        plugin.name = plugin.name or name
        _loaded[name] = plugin
    return _loaded[name]
