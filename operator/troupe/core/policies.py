"""Status policies: named rules "given N of M done, is the whole done?".

The same rules judge a role over its pods and a job over its roles. Plugins add rules
through the entry-point group `troupe.status_policies` (name -> callable(count, total,
n) -> bool), so a site can encode "90% of workers" without forking Troupe.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points

from troupe.api.errors import FieldError
from troupe.api.spec import TrainingJobSpec

ENTRY_POINT_GROUP = "troupe.status_policies"

Policy = Callable[[int, int, int | None], bool]


def every(count: int, total: int, n: int | None) -> bool:
    return count >= total


def any_one(count: int, total: int, n: int | None) -> bool:
    return count >= 1


def at_least(count: int, total: int, n: int | None) -> bool:
    return n is not None and count >= n


_BUILT_IN: dict[str, Policy] = {"All": every, "Any": any_one, "AtLeast": at_least}
_registered: dict[str, Policy] = {}


def register_policy(name: str, policy: Policy) -> None:
    _registered[name] = policy


def unregister_policy(name: str) -> None:
    _registered.pop(name, None)


def policy_names() -> list[str]:
    return sorted(set(_BUILT_IN) | set(_registered) | {ep.name for ep in _entry_points()})


def _entry_points():
    return entry_points(group=ENTRY_POINT_GROUP)


def get_policy(name: str) -> Policy | None:
    """The rule with this name, or None when no installed plugin provides it."""
    if name in _BUILT_IN:
        return _BUILT_IN[name]
    if name in _registered:
        return _registered[name]
    found = [ep for ep in _entry_points() if ep.name == name]
    if not found:
        return None
    _registered[name] = found[0].load()
    return _registered[name]


def met(name: str, count: int, total: int, n: int | None) -> bool:
    """Whether the named rule holds; an unknown rule never holds (validation reports it)."""
    policy = get_policy(name)
    return bool(policy and policy(count, total, n))


def unknown_policy_errors(spec: TrainingJobSpec) -> list[FieldError]:
    """Rules named in the spec that no built-in or installed plugin provides."""
    rules = [
        (f"spec.roles[{i}].statusPolicy.{side}.policy", getattr(r.status_policy, side).policy)
        for i, r in enumerate(spec.roles)
        if r.status_policy
        for side in ("success", "failure")
    ]
    if spec.status_policy:
        rules += [
            (f"spec.statusPolicy.{side}.policy", getattr(spec.status_policy, side).policy)
            for side in ("success", "failure")
        ]
    return [
        FieldError(path, f'unknown status policy "{name}"; known: {", ".join(policy_names())}')
        for path, name in rules
        if get_policy(name) is None
    ]
