"""Who runs a job, and when: managedBy, and the built-in queue's admission decision."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from troupe.api.spec import TrainingJobSpec, validate_spec
from troupe.core import kueue
from troupe.core.status import conditions, timestamp

CONTROLLER_NAME = "troupe.dev/trainingjob-controller"


def managed_by_troupe(body: Mapping) -> bool:
    """spec.managedBy unset or naming Troupe; any other value (MultiKueue) is not ours."""
    owner = (body.get("spec") or {}).get("managedBy")
    return owner in (None, "", CONTROLLER_NAME)


# --- the built-in queue ------------------------------------------------------------------
# A TrainingQueue (cluster-scoped) limits the jobs that hold an admission at once. The
# decision below is a pure function of the queue and every job in it, re-run on each pass;
# an admission, once recorded in a job's status, holds until the job finishes or is
# suspended, so re-deciding never takes one back.

TRACKED = ("pods", "cpu", "memory", "nvidia.com/gpu")
STRATEGIES = ("BestEffortFIFO", "StrictFIFO")
_SUFFIXES = {
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12),
    "P": Decimal(10**15), "E": Decimal(10**18),
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40),
    "Pi": Decimal(2**50), "Ei": Decimal(2**60),
}  # fmt: skip
_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$")

Key = tuple[str, str]


def parse_quantity(value: object) -> Decimal:
    """A Kubernetes quantity ("500m", "4Gi", 2) as a number of base units."""
    match = _QUANTITY.match(str(value).strip())
    if not match or match.group(2) not in _SUFFIXES:
        raise ValueError(f"not a quantity: {value!r}")
    return Decimal(match.group(1)) * _SUFFIXES[match.group(2)]


@dataclass(frozen=True)
class QueueLimits:
    max_running_jobs: int | None = None
    resources: Mapping[str, Decimal] = field(default_factory=dict)  # of TRACKED
    strategy: str = "BestEffortFIFO"

    @classmethod
    def from_spec(cls, spec: Mapping) -> QueueLimits:
        return cls(
            max_running_jobs=spec.get("maxRunningJobs"),
            resources={k: parse_quantity(v) for k, v in (spec.get("resources") or {}).items()},
            strategy=spec.get("strategy") or "BestEffortFIFO",
        )


@dataclass(frozen=True)
class QueuedJob:
    key: Key  # (namespace, name)
    priority: int  # PriorityClass value
    created: datetime
    demand: Mapping[str, Decimal]
    admitted: bool  # holds an admission (recorded in status; not finished, not suspended)


@dataclass(frozen=True)
class Decision:
    admitted: bool
    reason: str  # Admitted | Waiting | ExceedsQueueLimits
    message: str
    position: int | None = None  # 1-based among the jobs still waiting


def pod_requests(template: Mapping) -> dict[str, Decimal]:
    """One pod's requests (limits where no request): containers add up, init containers max."""
    spec = template.get("spec") or {}

    def of(container: Mapping) -> dict[str, Decimal]:
        res = container.get("resources") or {}
        merged = {**(res.get("limits") or {}), **(res.get("requests") or {})}
        return {k: parse_quantity(v) for k, v in merged.items() if k in TRACKED}

    total: dict[str, Decimal] = {}
    for c in spec.get("containers") or []:
        for k, v in of(c).items():
            total[k] = total.get(k, Decimal(0)) + v
    for c in spec.get("initContainers") or []:
        for k, v in of(c).items():
            total[k] = max(total.get(k, Decimal(0)), v)
    return total


def job_demand(spec: TrainingJobSpec) -> dict[str, Decimal]:
    """What the whole job asks for while it runs: every role's replicas times its pod."""
    demand = {"pods": Decimal(sum(r.replicas for r in spec.roles))}
    for role in spec.roles:
        for k, v in pod_requests(role.template).items():
            demand[k] = demand.get(k, Decimal(0)) + v * role.replicas
    return demand


def decide(limits: QueueLimits | None, jobs: list[QueuedJob]) -> dict[Key, Decision]:
    """Admission for every job of one queue; no queue object means no limits.

    Waiting jobs are taken by PriorityClass value, then creation time. BestEffortFIFO: a job
    that does not fit now is passed over, so a large job never blocks smaller ones behind
    it; StrictFIFO: nothing behind it is admitted until it is. A job larger than the
    queue's limits can never run: it waits as ExceedsQueueLimits and blocks nothing.
    """
    if limits is None:
        return {
            j.key: Decision(True, "Admitted", "no TrainingQueue limits this queue") for j in jobs
        }
    held = [j for j in jobs if j.admitted]
    used = _add({}, *(j.demand for j in held))
    running = len(held)
    result = {j.key: Decision(True, "Admitted", "admitted") for j in held}
    waiting = sorted(
        (j for j in jobs if not j.admitted), key=lambda j: (-j.priority, j.created, j.key)
    )
    blocked = False
    position = 0
    for job in waiting:
        too_big = _over(job.demand, limits.resources)
        if too_big or limits.max_running_jobs == 0:
            what = too_big or "maxRunningJobs is 0"
            result[job.key] = Decision(
                False, "ExceedsQueueLimits", f"can never fit the queue: {what}"
            )
            continue
        room = limits.max_running_jobs is None or running < limits.max_running_jobs
        after = _add(used, job.demand)
        if not blocked and room and not _over(after, limits.resources):
            used, running = after, running + 1
            result[job.key] = Decision(True, "Admitted", "admitted")
            continue
        position += 1
        why = "maxRunningJobs reached" if not room else "waiting for resources"
        if blocked:
            why = "behind a job that does not fit yet (StrictFIFO)"
        result[job.key] = Decision(
            False, "Waiting", f"position {position} in the queue: {why}", position
        )
        blocked = blocked or limits.strategy == "StrictFIFO"
    return result


def _add(base: Mapping[str, Decimal], *more: Mapping[str, Decimal]) -> dict[str, Decimal]:
    total = dict(base)
    for demand in more:
        for k, v in demand.items():
            total[k] = total.get(k, Decimal(0)) + v
    return total


def _over(demand: Mapping[str, Decimal], limits: Mapping[str, Decimal]) -> str:
    """The first resource over its limit, described; '' when everything fits."""
    for k in TRACKED:
        if k in limits and demand.get(k, Decimal(0)) > limits[k]:
            return f"{k} {demand[k]} > {limits[k]}"
    return ""


# --- from the API to the decision and back -----------------------------------------------
# Whether a job holds an admission is read from its phase alone (the API server is the one
# record): Queued, no phase yet or Suspended: it does not; Pending, Running, Restarting: it
# does (jobs that ran before their queue had limits keep running); Succeeded, Failed: done.

HOLDING_PHASES = ("Pending", "Running", "Restarting")
FINISHED_PHASES = ("Succeeded", "Failed")


@dataclass(frozen=True)
class QueueEntry:
    """What the decision needs of one job, taken from its body (kept in a kopf index)."""

    key: Key
    queue: str
    priority_class: str | None
    created: datetime
    demand: Mapping[str, Decimal]
    holds: bool
    waiting: bool  # wants an admission: not finished, not suspended, not holding one


def queue_of(body: Mapping) -> str:
    """The queue a job names, read from the raw body (no validation: cheap on every pass)."""
    return ((body.get("spec") or {}).get("scheduling") or {}).get("queue") or "default"


def queue_entry(body: Mapping, spec: TrainingJobSpec | None = None) -> QueueEntry | None:
    """None for jobs no queue considers: invalid specs, other controllers' jobs.
    `spec`: the body's spec already validated (a caller that keeps them per generation)."""
    meta = body.get("metadata") or {}
    if spec is None:
        spec, _ = validate_spec(dict(body.get("spec") or {}))
    if spec is None or not managed_by_troupe(body) or kueue.queue_name(meta.get("labels")):
        return None  # Kueue queues a labelled job instead
    phase = (body.get("status") or {}).get("phase")
    holds = phase in HOLDING_PHASES
    created = meta.get("creationTimestamp") or "1970-01-01T00:00:00Z"
    return QueueEntry(
        key=(meta.get("namespace", ""), meta.get("name", "")),
        queue=spec.scheduling.queue,
        priority_class=spec.scheduling.priority_class_name,
        created=datetime.fromisoformat(str(created).replace("Z", "+00:00")),
        demand=job_demand(spec),
        holds=holds,
        waiting=not holds and phase not in FINISHED_PHASES and not spec.run_policy.suspend,
    )


def priority_value(name: str | None, classes: Mapping[str, tuple[int, bool]]) -> int:
    """`classes`: PriorityClass name -> (value, globalDefault); unknown or none: default, 0."""
    if name:
        return classes.get(name, (0, False))[0]
    return next((value for value, default in classes.values() if default), 0)


def decide_for(
    key: Key,
    queue_spec: Mapping | None,
    entries: list[QueueEntry],
    classes: Mapping[str, tuple[int, bool]],
    just_admitted: set[Key] = frozenset(),
) -> Decision | None:
    """The decision for one job of a queue (None: no TrainingQueue limits it);
    `just_admitted`: admissions made by this process that the index may not show yet."""
    if queue_spec is None:
        return None  # no TrainingQueue of this name: the queue is not limited
    limits = QueueLimits.from_spec(queue_spec)
    jobs = [
        QueuedJob(
            e.key,
            priority_value(e.priority_class, classes),
            e.created,
            e.demand,
            e.holds or e.key in just_admitted,
        )
        for e in entries
        if e.holds or e.waiting or e.key in just_admitted
    ]
    if key not in {j.key for j in jobs}:
        return None
    return decide(limits, jobs)[key]


# --- status while waiting, and the pass that records an admission ------------------------


def queued_status(stored: Mapping, decision: Decision, now: datetime, generation: int) -> dict:
    """Phase Queued; the Queued condition carries the reason and the position."""
    status = {
        k: v
        for k, v in stored.items()
        if k not in ("startTime", "completionTime", "phase", "conditions", "message")
    }
    status.update(
        phase="Queued",
        conditions=conditions(
            list(stored.get("conditions") or []),
            {"Queued": (decision.reason, decision.message)},
            now,
            generation,
        ),
        message=decision.message,
        observedGeneration=generation,
        readyPods=0,
    )
    if decision.position is not None:
        status["queuePosition"] = decision.position
    else:
        status.pop("queuePosition", None)
    return status


def admitted_status(stored: Mapping, queue: str, now: datetime, generation: int) -> dict:
    """Phase Pending before any pod exists, so an admission survives a restart."""
    status = {k: v for k, v in stored.items() if k not in ("queuePosition", "message")}
    olds = list(stored.get("conditions") or [])
    updated = [
        {
            **c,
            "status": "False",
            "reason": "Admitted",
            "message": f"admitted by queue {queue}",
            "lastTransitionTime": timestamp(now),
            "observedGeneration": generation,
        }
        if c.get("type") == "Queued"
        else c
        for c in olds
    ]
    status.update(
        phase="Pending",
        conditions=updated,
        message=f"admitted by queue {queue}",
        observedGeneration=generation,
    )
    return status
