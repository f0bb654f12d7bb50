"""`troupe dag`: the role dependency graph, with the framework's default dependencies."""

from __future__ import annotations

from troupe.api.errors import UnknownFramework
from troupe.api.spec import validate_spec
from troupe.cli.kubeconfig import clients, namespace
from troupe.cli.manifest import load_manifest
from troupe.core.framework import get_framework
from troupe.core.naming import GROUP, PLURAL, VERSION


def with_default_dependencies(spec: dict) -> dict:
    """The spec with the framework's dependencies on every role that states none, as the
    controller runs it (pytorch workers wait for a Ready master). A spec that does not
    parse, or names no installed framework, is drawn as written."""
    parsed, _ = validate_spec(spec)
    if parsed is None:
        return spec
    try:
        defaults = get_framework(parsed.framework).default_dependencies(parsed)
    except UnknownFramework:
        return spec
    roles = [
        {
            **role,
            "dependsOn": role.get("dependsOn") or [d.model_dump() for d in defaults.get(name, [])],
        }
        for role, name in ((r, r.get("name")) for r in spec.get("roles", []))
    ]
    return {**spec, "roles": roles}


def dag_lines(spec: dict) -> list[str]:
    """The role dependency graph as an indented tree (a role under what it waits for)."""
    roles = {r["name"]: r for r in spec.get("roles", [])}
    children: dict[str, list[tuple[str, str]]] = {name: [] for name in roles}
    for name, role in roles.items():
        for dep in role.get("dependsOn", []):
            if dep["role"] in children:
                children[dep["role"]].append((name, dep.get("condition", "Ready")))
    lines: list[str] = []

    def walk(name: str, depth: int, via: str | None, path: tuple[str, ...]) -> None:
        role = roles[name]
        label = f"{name} x{role.get('replicas', 1)}"
        if via:
            label += f"  (after {path[-1]} {via})"
        lines.append("    " * depth + ("└── " if depth else "") + label)
        if name in path:
            lines[-1] += "  <- cycle"
            return
        for child, condition in sorted(children[name]):
            walk(child, depth + 1, condition, (*path, name))

    for name in roles:
        if not roles[name].get("dependsOn"):
            walk(name, 0, None, ())
    if not lines and roles:
        lines.append("every role waits for another: the graph has a cycle")
    return lines


def cmd_dag(args) -> int:
    if args.file:
        spec = load_manifest(args.file)["spec"]
    else:
        _, custom, _ = clients(args)
        spec = custom.get_namespaced_custom_object(
            GROUP, VERSION, namespace(args), PLURAL, args.name
        )["spec"]
    print("\n".join(dag_lines(with_default_dependencies(spec))))
    return 0
