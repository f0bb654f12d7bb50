"""What a run's TrainingJob, pods, events and log lines say, as the history records it.

Pure functions over the API server's objects as plain dicts (camelCase, as the API sends
them): the watcher compares what they return with what it recorded last and stores only
the changes, so a relisted object never records the same thing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from troupe.api.errors import UnknownFramework
from troupe.api.spec import validate_spec
from troupe.core.framework import apply_defaults, get_framework
from troupe_studio.domain.metrics import Metric, MetricLineError, parse_line

TERMINAL = ("Succeeded", "Failed")
SETTLED = (*TERMINAL, "Suspended")  # nothing runs: a stopped run is suspended
ROLE_LABEL = "troupe.dev/role"


def job_phase(job: dict[str, Any]) -> tuple[str, str]:
    """(phase, message) of a TrainingJob; "Pending" before the operator wrote a status."""
    status = job.get("status") or {}
    return status.get("phase") or "Pending", status.get("message") or ""


def job_summary(job: dict[str, Any]) -> dict[str, Any]:
    """The parts of the status a run shows: phase, message, conditions, roles, timings."""
    status = job.get("status") or {}
    phase, message = job_phase(job)
    return {
        "phase": phase,
        "message": message,
        "conditions": status.get("conditions") or [],
        "roles": status.get("roles") or [],
        "startTime": status.get("startTime"),
        "completionTime": status.get("completionTime"),
        "artifacts": status.get("artifacts") or {},
    }


def run_roles(spec: dict[str, Any], status_roles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each role of the job, its status (Pending before the operator wrote one) and what it
    waits for: its own dependsOn, else the framework's default, as the controller runs it
    (the status carries no dependencies, and a pytorch worker states none yet waits)."""
    depends = {r.get("name"): r.get("dependsOn") or [] for r in spec.get("roles") or []}
    parsed, _ = validate_spec(spec)
    if parsed is not None:
        try:
            full = apply_defaults(parsed, get_framework(parsed.framework))
        except UnknownFramework:
            full = parsed
        depends = {
            r.name: [d.model_dump(by_alias=True, mode="json") for d in r.depends_on]
            for r in full.roles
        }
    status = {r.get("name"): r for r in status_roles if isinstance(r.get("name"), str)}
    names = [n for n in depends if isinstance(n, str)] + [n for n in status if n not in depends]
    return [
        {
            **status.get(n, {}),
            "name": n,
            "phase": status.get(n, {}).get("phase") or "Pending",
            "dependsOn": depends.get(n, []),
        }
        for n in names
    ]


def pod_state(pod: dict[str, Any], container: str) -> dict[str, Any]:
    """A pod as a run lists it: its phase, and the training container's exit code, restarts
    and whether it has started (so its log can be followed)."""
    meta, status = pod.get("metadata") or {}, pod.get("status") or {}
    main = next(
        (c for c in status.get("containerStatuses") or [] if c.get("name") == container), {}
    )
    state = main.get("state") or {}
    deleting = meta.get("deletionTimestamp") is not None
    return {
        "pod": meta.get("name", ""),
        "role": (meta.get("labels") or {}).get(ROLE_LABEL, ""),
        "phase": "Terminating" if deleting and status.get("phase") == "Running" else
        status.get("phase") or "Pending",
        "exitCode": (state.get("terminated") or {}).get("exitCode"),
        "restarts": main.get("restartCount", 0),
        "started": "running" in state or "terminated" in state,
    }  # fmt: skip


def pod_done(state: dict[str, Any]) -> bool:
    return state["phase"] in TERMINAL


def event_entry(event: dict[str, Any]) -> dict[str, Any]:
    """An Event as the history keeps it; `key` tells a new occurrence from a repeat."""
    obj = event.get("involvedObject") or {}
    meta = event.get("metadata") or {}
    return {
        "reason": event.get("reason") or "",
        "message": event.get("message") or event.get("note") or "",
        "object": f"{obj.get('kind', '')}/{obj.get('name', '')}",
        "eventType": event.get("type") or "",
        "key": f"{meta.get('uid', '')}:{event.get('count') or 1}",
    }


def split_timestamp(raw: str) -> tuple[str, str]:
    """("2026-01-02T03:04:05.123456789Z", text) of a line read with timestamps=true."""
    stamp, _, text = raw.partition(" ")
    if len(stamp) >= 20 and stamp[4] == "-" and stamp.endswith("Z"):
        return normal_stamp(stamp), text
    return "", raw


def normal_stamp(stamp: str) -> str:
    """RFC 3339 with exactly nine fraction digits (the kubelet drops trailing zeros), so
    stamps compare as strings in time order."""
    whole, _, frac = stamp.removesuffix("Z").partition(".")
    return f"{whole}.{(frac + '000000000')[:9]}Z"


def line_metric(text: str) -> Metric | None:
    """The metric a log line carries by the TROUPE_METRIC convention, if a valid one."""
    try:
        return parse_line(text)
    except MetricLineError:
        return None


@dataclass
class LogCursor:
    """Where a pod's stored log ends: its newest stamp and how many stored lines carry it.

    A runtime stamps a burst of lines with one time, and a resumed stream (`sinceSeconds`
    is whole seconds) starts early: skipping by stamp alone would drop the new lines that
    share the last stamp, and skipping nothing would store the old ones twice. So a resumed
    stream skips what is older, then exactly `same` lines at `last`, then nothing more."""

    last: str = ""
    same: int = 0
    _skip: int | None = field(default=None, repr=False)  # lines at `last` yet to skip

    def resume(self) -> None:
        """A new stream starts: it may resend what is stored."""
        self._skip = self.same if self.last else None

    def take(self, stamp: str) -> bool:
        """Whether the line stamped `stamp` is new (and, if so, count it as stored)."""
        if self._skip is not None:
            if stamp and stamp < self.last:
                return False
            if stamp == self.last and self._skip > 0:
                self._skip -= 1
                return False
            self._skip = None
        if stamp and stamp == self.last:
            self.same += 1
        elif stamp > self.last:
            self.last, self.same = stamp, 1
        return True
