"""The operator's cache of the pods and Services it made, grouped by job.

Fed by the label-selected watch (childwatch.py) with whole watch events; keeps only the
small Instance records the planner reads. Each change reports which job and which child it
touched, so the job's worker can wake and settle its expectations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from troupe.core import naming
from troupe.core.observed import Instance, instance_from_pod

Key = tuple[str, str]  # (namespace, job name)


@dataclass(frozen=True)
class Change:
    key: Key
    child: str  # the pod's name, or "svc/NAME" for a Service
    deleted: bool


def child_id(kind: str, name: str) -> str:
    return name if kind == "Pod" else f"svc/{name}"


def is_pod(child: str) -> bool:
    """Whether a child_id names a pod."""
    return not child.startswith("svc/")


def _key(obj: Mapping) -> Key | None:
    meta = obj.get("metadata") or {}
    job = (meta.get("labels") or {}).get(naming.JOB_LABEL)
    return (meta.get("namespace") or "", job) if job else None


@dataclass
class ChildCache:
    _pods: dict[Key, dict[str, Instance]] = field(default_factory=dict)
    _services: dict[Key, set[str]] = field(default_factory=dict)

    def pods(self, key: Key) -> list[Instance]:
        return list(self._pods.get(key, {}).values())

    def services(self, key: Key) -> set[str]:
        return set(self._services.get(key, ()))

    def apply(self, kind: str, event_type: str, obj: Mapping) -> Change | None:
        """One watch event (ADDED, MODIFIED, DELETED) of a Pod or Service."""
        key = _key(obj)
        if key is None:
            return None
        name = (obj.get("metadata") or {}).get("name", "")
        deleted = event_type == "DELETED"
        if kind == "Pod":
            pods = self._pods.setdefault(key, {})
            if deleted:
                pods.pop(name, None)
            else:
                pods[name] = instance_from_pod(obj)
            if not pods:
                del self._pods[key]
        else:
            services = self._services.setdefault(key, set())
            (services.discard if deleted else services.add)(name)
            if not services:
                del self._services[key]
        return Change(key, child_id(kind, name), deleted)

    def replace(self, kind: str, namespace: str | None, objs: Iterable[Mapping]) -> list[Change]:
        """A full list of `kind` in `namespace` (None: every namespace), as after a relist.

        Children missing from the list are gone: their jobs hear of it like a DELETED event.
        """
        listed: set[tuple[Key, str]] = set()
        changes = []
        for obj in objs:
            change = self.apply(kind, "ADDED", obj)
            if change:
                listed.add((change.key, change.child))
                changes.append(change)
        store = self._pods if kind == "Pod" else self._services
        for key in [k for k in store if namespace is None or k[0] == namespace]:
            for name in list(store[key]):
                if (key, child_id(kind, name)) not in listed:
                    changes.append(
                        self.apply(kind, "DELETED", _stub(key, name))  # type: ignore[arg-type]
                    )
        return changes


def _stub(key: Key, name: str) -> dict:
    """The little of an object a DELETED event needs, for a child a relist no longer shows."""
    return {"metadata": {"namespace": key[0], "name": name, "labels": {naming.JOB_LABEL: key[1]}}}
