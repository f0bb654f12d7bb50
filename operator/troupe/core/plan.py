"""What one pass asks for: the Plan the adapter carries out, and the Events that tell it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from troupe.core.observed import Instance


@dataclass(frozen=True)
class Event:
    type: str  # Normal | Warning
    reason: str
    message: str


@dataclass(frozen=True)
class Verdict:
    """The phase a pass arrives at and the condition that explains it."""

    phase: str
    reason: str
    message: str


@dataclass
class Plan:
    creates: list[dict] = field(default_factory=list)
    deletes: list[tuple[str, str]] = field(default_factory=list)  # (kind, name)
    patches: list[tuple[str, str, dict]] = field(default_factory=list)  # (kind, name, merge)
    updates: list[dict] = field(default_factory=list)  # merged onto objects that exist
    # (apiVersion, kind, name, merge patch) on a custom object's status subresource
    status_patches: list[tuple[str, str, str, dict]] = field(default_factory=list)
    status: dict = field(default_factory=dict)  # the complete desired status
    events: list[Event] = field(default_factory=list)
    # the logs to archive (reconcile/results.py LogArchive): the kube layer's to do
    archive_logs: list = field(default_factory=list)
    delete_job: bool = False
    requeue_after: float | None = None  # seconds until a time-based rule fires

    def delete(self, kind: str, name: str) -> None:
        self.deletes.append((kind, name))
        self.event("Normal", f"Deleted{kind}", f"deleted {kind.lower()} {name}")

    def event(self, type_: str, reason: str, message: str) -> None:
        self.events.append(Event(type_, reason, message))

    def requeue(self, seconds: float) -> None:
        """Come back after `seconds`, or sooner if another rule asks for it."""
        current = self.requeue_after
        self.requeue_after = seconds if current is None else min(current, seconds)


def pod_deletes(instances: Iterable[Instance]) -> list[tuple[str, str]]:
    """Every pod not already going, by name: what stopping a job deletes."""
    return [("Pod", i.name) for i in sorted(instances, key=by_name) if not i.deleting]


def deletion_events(deletes: list[tuple[str, str]]) -> list[Event]:
    return [Event("Normal", f"Deleted{k}", f"deleted {k.lower()} {n}") for k, n in deletes]


def phase_events(stored: dict, verdict: Verdict) -> list[Event]:
    """Pending is where every job starts: the creation Events already say so."""
    if stored.get("phase") == verdict.phase or verdict.phase == "Pending":
        return []
    warning = verdict.phase in ("Failed", "Restarting")
    return [Event("Warning" if warning else "Normal", verdict.reason, verdict.message)]


def by_name(instance: Instance) -> str:
    return instance.name
