"""What Troupe sees of its pods, reduced to plain Instance records.

Only these few facts drive decisions, so the operator's cache holds them instead of whole
pod bodies, and the planner can be tested with pods shaped exactly like the API's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from troupe.core import artifacts, naming
from troupe.core.artifacts import Report


@dataclass(frozen=True, slots=True)
class Instance:
    name: str
    role: str
    index: int
    generation: int  # whole-job restart generation the pod was created for
    phase: str  # Pending | Running | Succeeded | Failed
    ready: bool
    exit_code: int | None  # of the first failing container, when the pod failed
    reason: str  # why it failed: OOMKilled, Error, Evicted, ...
    message: str
    container_restarts: int  # in-place restarts by the kubelet
    ip: str
    deleting: bool  # has a deletionTimestamp: terminating, about to be gone
    node: str
    joined: int | None = None  # elastic: membership generation the pod joined at
    last_exit_code: int | None = None  # of the last container exit the kubelet restarted
    stuck_reason: str = ""  # a container that cannot start: ErrImageNeverPull, ...
    stuck_message: str = ""  # the kubelet's words for it (they name the image)
    fetched: Report | None = None  # what the inputs' fetcher said when it ended
    uploaded: Report | None = None  # what the results' uploader said when it ended
    logs: str = ""  # where the operator archived the containers' logs, or why it could not

    @property
    def finished(self) -> bool:
        return self.phase in ("Succeeded", "Failed")


def instance_from_pod(pod: Mapping) -> Instance:
    meta = pod.get("metadata") or {}
    labels = meta.get("labels") or {}
    status = pod.get("status") or {}
    phase = status.get("phase") or "Pending"
    containers = list(status.get("initContainerStatuses") or []) + list(
        status.get("containerStatuses") or []
    )
    exit_code, container_reason, container_message = _first_failure(containers)
    stuck_reason, stuck_message = _stuck(containers) if phase == "Pending" else ("", "")
    return Instance(
        name=meta.get("name", ""),
        role=labels.get(naming.ROLE_LABEL, ""),
        index=_int(labels.get(naming.INDEX_LABEL), -1),
        generation=_int(labels.get(naming.GENERATION_LABEL), 0),
        phase=phase,
        ready=phase == "Running" and _condition_true(status, "Ready"),
        exit_code=exit_code if phase == "Failed" else None,
        reason=(status.get("reason") or container_reason) if phase == "Failed" else "",
        message=(status.get("message") or container_message) if phase == "Failed" else "",
        container_restarts=sum(c.get("restartCount") or 0 for c in containers),
        ip=status.get("podIP") or "",
        deleting=bool(meta.get("deletionTimestamp")),
        node=(pod.get("spec") or {}).get("nodeName") or "",
        joined=_int(labels.get(naming.JOINED_LABEL), None),
        last_exit_code=_last_exit_code(containers),
        stuck_reason=stuck_reason,
        stuck_message=stuck_message,
        fetched=_report(status, artifacts.FETCH),
        uploaded=_report(status, artifacts.UPLOAD),
        logs=(meta.get("annotations") or {}).get(naming.LOGS_ANNOTATION, ""),
    )


def _report(status: Mapping, container: str) -> Report | None:
    """The artifact container's termination message: of its current run, else of its last
    one (an init container the kubelet retries under OnFailure)."""
    for c in status.get("initContainerStatuses") or []:
        if c.get("name") == container:
            for state in (c.get("state"), c.get("lastState")):
                terminated = (state or {}).get("terminated") or {}
                if terminated:
                    return artifacts.read_report(
                        terminated.get("message") or "", terminated.get("exitCode")
                    )
    return None


# Waiting reasons of the kubelet that no wait will cure: the image is absent, cannot be
# pulled, or the container cannot be made as specified. (ContainerCreating and
# PodInitializing pass by themselves; CrashLoopBackOff is a restart, counted as one.)
STUCK_REASONS = frozenset(
    {
        "ErrImagePull",
        "ImagePullBackOff",
        "ErrImageNeverPull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
    }
)


def _stuck(containers: list) -> tuple[str, str]:
    """Reason and message of the first container that waits for what will not come."""
    for container in containers:
        waiting = (container.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in STUCK_REASONS:
            return waiting["reason"], waiting.get("message") or ""
    return "", ""


def _first_failure(containers: list) -> tuple[int | None, str, str]:
    """Exit code, reason and message of the first container that terminated non-zero."""
    for container in containers:
        terminated = (container.get("state") or {}).get("terminated") or {}
        if terminated.get("exitCode"):
            return (
                terminated["exitCode"],
                terminated.get("reason") or "",
                terminated.get("message") or "",
            )
    return None, "", ""


def _last_exit_code(containers: list) -> int | None:
    """Exit code of the first container whose last run, restarted in place, failed."""
    for container in containers:
        terminated = (container.get("lastState") or {}).get("terminated") or {}
        if terminated.get("exitCode"):
            return terminated["exitCode"]
    return None


def _condition_true(status: Mapping, type_: str) -> bool:
    return any(
        c.get("type") == type_ and c.get("status") == "True" for c in status.get("conditions") or []
    )


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
