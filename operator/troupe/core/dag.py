"""The roles' dependency graph: which roles may start, and in what order.

A dependency names a condition on another role (see `is_met`); pods of a role are created
only once every dependency holds, so a worker never starts before the master it needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from troupe.api.errors import FieldError
from troupe.api.spec import Dependency, Role, TrainingJobSpec


@dataclass(frozen=True)
class RoleProgress:
    """How far a role has come, in the terms dependencies are written in."""

    needed: int  # pods that must reach a condition (replicas; elastic: minReplicas)
    created: int  # pods that exist and are not being deleted
    running: int  # Running or Succeeded
    ready: int  # Ready or Succeeded
    succeeded: bool  # the role succeeded per its status policy


def is_met(dependency: Dependency, progress: RoleProgress) -> bool:
    """Created: every pod exists. Running: every pod Running or Succeeded. Ready: every pod
    Ready or Succeeded. Succeeded: the role succeeded. A role with no pods meets all."""
    if progress.needed == 0:
        return True
    match dependency.condition:
        case "Created":
            return progress.created >= progress.needed
        case "Running":
            return progress.running >= progress.needed
        case "Ready":
            return progress.ready >= progress.needed
        case _:
            return progress.succeeded


def unmet(role: Role, progress: Mapping[str, RoleProgress]) -> list[Dependency]:
    return [d for d in role.depends_on if not is_met(d, progress[d.role])]


def ready_to_start(role: Role, progress: Mapping[str, RoleProgress]) -> bool:
    return not unmet(role, progress)


def topological_order(spec: TrainingJobSpec) -> list[str]:
    """Roles with dependencies after the roles they need; ties keep the spec's order."""
    done: list[str] = []
    remaining = list(spec.roles)
    while remaining:
        free = [r for r in remaining if all(d.role in done for d in r.depends_on)]
        if not free:  # a cycle: cycle_errors reports it, keep the rest in spec order
            free = remaining
        done += [r.name for r in free]
        remaining = [r for r in remaining if r not in free]
    return done


def cycle_errors(spec: TrainingJobSpec) -> list[FieldError]:
    """One error per dependency cycle, naming its roles in order (`a -> b -> a`)."""
    edges = {r.name: [d.role for d in r.depends_on] for r in spec.roles}
    position = {r.name: i for i, r in enumerate(spec.roles)}
    errors, seen_cycles, finished = [], set(), set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = path[path.index(name) :]
            if frozenset(cycle) not in seen_cycles:
                seen_cycles.add(frozenset(cycle))
                errors.append(
                    FieldError(
                        f"spec.roles[{position[cycle[0]]}].dependsOn",
                        "dependency cycle: " + " -> ".join([*cycle, name]),
                    )
                )
            return
        if name in finished or name not in edges:
            return
        for target in edges[name]:
            visit(target, [*path, name])
        finished.add(name)

    for role in spec.roles:
        visit(role.name, [])
    return errors
