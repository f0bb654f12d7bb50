"""The whole controller decision, as a pure function of the job and what is observed.

`plan` is level-triggered: called again on the same observed state it asks for nothing
new, and a pod name that is still present (even terminating, even of an older restart
generation) is never created again until it is gone. Steps, in order: validate, finished
jobs (cleanup, TTL), suspend, deadline, restarts and backoff, whole-job restart, gating
and creates, role and job status, cleanPodPolicy on finishing.
"""

from __future__ import annotations

import collections
import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from troupe.api.errors import FieldError, UnknownFramework
from troupe.api.spec import TrainingJobSpec, validate_spec
from troupe.core import dag, elastic, gang, kueue, naming, policies, queueing
from troupe.core.framework import Framework, InstanceContext, JobContext, apply_defaults
from troupe.core.observed import Instance
from troupe.core.render import owner_reference, render_extra_objects, render_pod, render_service
from troupe.core.restarts import Outcome, outcome
from troupe.core.status import (
    TERMINAL_PHASES,
    RoleState,
    conditions,
    describe_failure,
    failure_message,
    job_verdict,
    parse_timestamp,
    role_state,
    timestamp,
)

FrameworkLookup = Callable[[str], Framework]


@dataclass(frozen=True)
class JobView:
    """The parts of a TrainingJob the planner reads; `spec` is None when it is invalid."""

    name: str
    namespace: str
    uid: str
    generation: int
    creation: datetime | None
    spec: TrainingJobSpec | None
    status: dict
    spec_errors: tuple[FieldError, ...] = ()
    framework_name: str = "generic"
    labels: Mapping[str, str] = field(default_factory=dict)
    # what the planner derived from this generation's spec (see _prepare); kept across views
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_body(cls, body: Mapping, previous: JobView | None = None) -> JobView:
        """`previous`: this job's last view; its parsed spec is reused while the generation
        (which the API server bumps on every spec change) stays the same."""
        meta = body.get("metadata") or {}
        raw = body.get("spec") or {}
        uid, generation = meta.get("uid", ""), meta.get("generation") or 0
        memo: dict = {}
        if previous and generation and (previous.uid, previous.generation) == (uid, generation):
            spec, errors, memo = previous.spec, list(previous.spec_errors), previous.memo
        else:
            spec, errors = validate_spec(dict(raw))
        return cls(
            name=meta.get("name", ""),
            namespace=meta.get("namespace", ""),
            uid=uid,
            generation=generation,
            creation=parse_timestamp(meta.get("creationTimestamp")),
            spec=spec,
            status=dict(body.get("status") or {}),
            spec_errors=tuple(errors),
            framework_name=str(raw.get("framework", "generic")),
            labels=dict(meta.get("labels") or {}),
            memo=memo,
        )


@dataclass(frozen=True)
class Event:
    type: str  # Normal | Warning
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
    delete_job: bool = False
    requeue_after: float | None = None  # seconds until a time-based rule fires


@dataclass(frozen=True)
class _Verdict:
    """The phase this pass arrives at and the condition that explains it."""

    phase: str
    reason: str
    message: str


def plan(
    job: JobView,
    instances: list[Instance],
    services: set[str],
    now: datetime,
    framework: Framework | FrameworkLookup,
    admission: queueing.Decision | None = None,
    kueue_state: kueue.Observed | None = None,
) -> Plan:
    """Decide every action for one job. `framework` may be the plugin or a lookup by id.

    `admission`: the queue's decision (queueing.py); None runs the job without one.
    `kueue_state`: the job's Workloads and the ResourceFlavors, for a job labelled
    `kueue.x-k8s.io/queue-name` (Kueue then decides instead of the built-in queue);
    None: the operator runs without Kueue.
    """
    stored = job.status or {}
    resolved, errors, spec = _prepare(job, framework)
    if errors:
        return _invalid(job, errors, now)
    queue = kueue.queue_name(job.labels)
    state = kueue_state or kueue.Observed(available=False)
    if stored.get("phase") in TERMINAL_PHASES and not _was_invalid(stored):
        result = _finished(job, spec, instances, now, stored)
        return _finish_workload(result, job, state, now) if queue else result
    if spec.run_policy.suspend:
        result = _suspended(job, instances, now)
        if queue and not instances:  # stopped: the quota goes back, resuming queues again
            result.deletes += [("Workload", kueue.name_of(w)) for w in state.workloads]
        return result
    placement: dict = {}
    if queue:
        gate = kueue.gate(
            job.name, job.namespace, job.uid, queue, spec, state, bool(instances), now
        )
        if not gate.admitted:
            return _kueue_wait(job, instances, gate, now)
        spec, placement = kueue.admitted_spec(spec, gate.counts), gate.placement
        deletes = [("Workload", n) for n in gate.delete]
    elif admission is not None and stored.get("phase") not in queueing.HOLDING_PHASES:
        return _queue_gate(job, spec, instances, admission, now)
    result = _Reconcile(job, spec, resolved, instances, services, now, placement).run()
    if queue:
        result.deletes += deletes
        result = _finish_workload(result, job, state, now)
    return result


def _prepare(
    job: JobView, framework
) -> tuple[Framework | None, list[FieldError], TrainingJobSpec | None]:
    """The plugin, the errors and the defaulted spec: the same for every pass over one
    generation, so worked out once (a pass per pod event would redo them)."""
    if "prepared" not in job.memo:
        resolved, errors = _resolve(job, framework)
        spec = None if errors else apply_defaults(elastic.resolve(job.spec), resolved)
        job.memo["prepared"] = (resolved, errors, spec)
    return job.memo["prepared"]


def _resolve(job: JobView, framework) -> tuple[Framework | None, list[FieldError]]:
    """The plugin and every reason the job cannot run (schema, framework, graph, names)."""
    if job.spec is None:
        return None, list(job.spec_errors) or [FieldError("spec", "missing")]
    if isinstance(framework, Framework):
        plugin = framework
    else:
        try:
            plugin = framework(job.spec.framework)
        except UnknownFramework as exc:
            return None, [FieldError("spec.framework", str(exc))]
    errors = (
        plugin.validate(job.spec)
        + dag.cycle_errors(job.spec)
        + policies.unknown_policy_errors(job.spec)
        + naming.name_errors(job.name, job.spec)
    )
    return plugin, errors


def _was_invalid(stored: dict) -> bool:
    """An InvalidSpec failure is re-judged: the user may have fixed the spec since."""
    return any(
        c.get("type") == "Failed" and c.get("reason") == "InvalidSpec"
        for c in stored.get("conditions") or []
    )


def _invalid(job: JobView, errors: list[FieldError], now: datetime) -> Plan:
    message = "invalid spec: " + "; ".join(str(e) for e in errors)
    verdict = _Verdict("Failed", "InvalidSpec", message)
    stored = job.status or {}
    status = {
        "phase": "Failed",
        "conditions": conditions(
            stored.get("conditions") or [],
            {"Failed": ("InvalidSpec", message)},
            now,
            job.generation,
        ),
        "message": message,
        "observedGeneration": job.generation,
        "completionTime": stored.get("completionTime") or timestamp(now),
    }
    return Plan(status=status, events=_phase_events(stored, verdict))


def _finished(
    job: JobView, spec: TrainingJobSpec, instances: list[Instance], now: datetime, stored: dict
) -> Plan:
    """A finished job stays finished: only cleanup and its TTL remain to be done."""
    status = {**stored, "observedGeneration": job.generation}  # an edit after the end is seen
    status["conditions"] = [
        {**c, "observedGeneration": job.generation} for c in stored.get("conditions") or []
    ]
    result = Plan(status=status)
    result.deletes = _cleanup(spec, instances)
    result.events = _deletion_events(result.deletes)
    _apply_ttl(result, spec, stored, now)
    return result


def _suspended(job: JobView, instances: list[Instance], now: datetime) -> Plan:
    """Suspend removes every pod; resuming starts over, deadline clock included."""
    stored = job.status or {}
    verdict = _Verdict("Suspended", "Suspended", "job is suspended")
    deletes = [("Pod", i.name) for i in sorted(instances, key=_by_name) if not i.deleting]
    status = {
        k: v
        for k, v in stored.items()
        if k not in ("startTime", "completionTime", "phase", "conditions", "message")
    }
    status.update(
        phase="Suspended",
        conditions=conditions(
            stored.get("conditions") or [],
            {"Created": ("Created", ""), "Suspended": ("Suspended", verdict.message)},
            now,
            job.generation,
        ),
        message=verdict.message,
        observedGeneration=job.generation,
        readyPods=0,
    )
    return Plan(
        deletes=deletes,
        status=status,
        events=_deletion_events(deletes) + _phase_events(stored, verdict),
    )


def _queue_gate(job, spec, instances, admission, now) -> Plan:
    """Not yet admitted: wait Queued (no pods); just admitted: record it, pods next pass."""
    stored = job.status or {}
    if admission.admitted:
        status = queueing.admitted_status(stored, spec.scheduling.queue, now, job.generation)
        verdict = _Verdict("Pending", "Admitted", status["message"])
        return Plan(status=status, events=_phase_events(stored, verdict), requeue_after=0)
    deletes = [("Pod", i.name) for i in sorted(instances, key=_by_name) if not i.deleting]
    verdict = _Verdict("Queued", admission.reason, admission.message)
    return Plan(
        deletes=deletes,
        status=queueing.queued_status(stored, admission, now, job.generation),
        events=_deletion_events(deletes) + _phase_events(stored, verdict),
    )


def _kueue_wait(job: JobView, instances: list[Instance], gate: kueue.Gate, now) -> Plan:
    """Not admitted by Kueue (or evicted): no pods, phase Queued with Kueue's reason;
    the Workload created, replaced or released as the gate says."""
    stored = job.status or {}
    deletes = [("Pod", i.name) for i in sorted(instances, key=_by_name) if not i.deleting]
    decision = queueing.Decision(False, gate.reason, gate.message)
    verdict = _Verdict("Queued", gate.reason, gate.message)
    result = Plan(
        deletes=deletes + [("Workload", n) for n in gate.delete],
        status=queueing.queued_status(stored, decision, now, job.generation),
        events=_deletion_events(deletes) + _phase_events(stored, verdict),
    )
    if gate.create is not None:
        manifest = copy.deepcopy(gate.create)
        manifest["metadata"]["ownerReferences"] = [owner_reference(job)]
        result.creates.append(manifest)
        result.events.append(
            Event("Normal", "CreatedWorkload", f"created workload {manifest['metadata']['name']}")
        )
    if gate.release is not None:
        name, patch = gate.release
        result.status_patches.append((kueue.API_VERSION, "Workload", name, patch))
    return result


def _finish_workload(result: Plan, job: JobView, state: kueue.Observed, now) -> Plan:
    """A finished job marks its Workloads Finished: Kueue gives their quota back."""
    phase = (result.status or {}).get("phase")
    if phase not in TERMINAL_PHASES:
        return result
    message = result.status.get("message") or phase
    for body in state.workloads:
        patch = kueue.finish_patch(body, phase == "Succeeded", message, now)
        if patch is not None:
            result.status_patches.append(
                (kueue.API_VERSION, "Workload", kueue.name_of(body), patch)
            )
    return result


class _Reconcile:
    """One pass over a valid, running job; fields hold what the steps share."""

    def __init__(self, job, spec, framework, instances, services, now, placement=None):
        self.job, self.spec, self.framework, self.now = job, spec, framework, now
        self.placement = placement or {}  # role -> Kueue's (nodeSelector, tolerations)
        self.services = services
        self.stored = job.status or {}
        self.generation = self.stored.get("restartGeneration", 0)
        self.settled = self.stored.get("settledRestarts", 0)
        self.start = parse_timestamp(self.stored.get("startTime")) or now
        self.instances = sorted(instances, key=_by_name)
        self.roles = {r.name: r for r in spec.roles}
        self.wanted = {
            naming.pod_name(job.name, r.name, i): r.name
            for r in spec.roles
            for i in range(r.replicas)
        }
        self.result = Plan()
        self.gang: dict | None = self.stored.get("gang")
        # role -> pods this pass creates: Pending from now on, so the status says so at once
        # (else a first start would take a second write just to count its master)
        self.creating: collections.Counter[str] = collections.Counter()

    def run(self) -> Plan:
        ctx = self._context()
        live = self._live()
        outcomes = {i.name: outcome(i, self.roles[i.role]) for i in live}
        retries = [i for i in live if outcomes[i.name] in (Outcome.RECREATE, Outcome.RESTART_JOB)]
        in_place = sum(i.container_restarts for i in live)
        restarting = {i.role for i in retries}

        verdict = self._deadline() or self._backoff(self.settled + in_place, retries)
        if verdict is None:
            whole_job = [i for i in retries if outcomes[i.name] is Outcome.RESTART_JOB]
            if whole_job:
                self._restart_job(whole_job[0], in_place)
                live = []
                ctx = self._context()
            else:
                self._recreate(retries)
                live = [i for i in live if i not in retries]
        failed_for_good = {n for n, o in outcomes.items() if o is Outcome.FAILED}
        states = self._role_states(live, failed_for_good, ctx)
        self.elastic = self._elastic_step(live, ctx)

        if verdict is None:
            verdict = self._job_verdict(states)
        if verdict is None and self.elastic and self.elastic.failed:
            verdict = _Verdict("Failed", "BelowMinReplicas", self.elastic.failed)
        if verdict is None:
            self._delete_strays()
            self._create(ctx, states)
            verdict = self._progress_verdict(states, restarting)
        total_restarts = self.settled + sum(i.container_restarts for i in live)
        self._finish_status(verdict, states, total_restarts)
        return self.result

    # --- what exists ---------------------------------------------------------------------

    def _context(self) -> JobContext:
        return JobContext(
            name=self.job.name,
            namespace=self.job.namespace,
            uid=self.job.uid,
            spec=self.spec,
            hosts=naming.role_hosts(self.job.name, self.job.namespace, self.spec),
            restart_generation=self.generation,
        )

    def _live(self) -> list[Instance]:
        """Pods this generation counts: wanted, of the current generation, not terminating."""
        return [
            i
            for i in self.instances
            if i.generation == self.generation
            and not i.deleting
            and self.wanted.get(i.name) == i.role
        ]

    def _role_states(self, live, failed_for_good, ctx) -> dict[str, RoleState]:
        return {
            r.name: role_state(
                r, [i for i in live if i.role == r.name], failed_for_good, ctx.hosts[r.name]
            )
            for r in self.spec.roles
        }

    # --- time and backoff ----------------------------------------------------------------

    def _deadline(self) -> _Verdict | None:
        seconds = self.spec.run_policy.active_deadline_seconds
        if seconds is None:
            return None
        left = (self.start + timedelta(seconds=seconds) - self.now).total_seconds()
        if left > 0:
            self._requeue(left)
            return None
        return _Verdict("Failed", "DeadlineExceeded", f"job ran longer than {seconds}s")

    def _backoff(self, restarts: int, retries: list[Instance]) -> _Verdict | None:
        """Every restart counts, in place or by recreation; one more than allowed fails."""
        limit = self.spec.run_policy.backoff_limit
        if limit is None or (restarts <= limit and not (retries and restarts >= limit)):
            return None
        cause = f"; last: {describe_failure(retries[0])}" if retries else ""
        return _Verdict("Failed", "BackoffLimitExceeded", f"backoff limit {limit} reached{cause}")

    # --- restarts ------------------------------------------------------------------------

    def _recreate(self, retries: list[Instance]) -> None:
        """Delete now; the same name is created again once the pod is gone."""
        for instance in retries:
            self.settled += 1 + instance.container_restarts
            self._delete("Pod", instance.name)
            self._event("Warning", "RecreatingPod", f"{describe_failure(instance)}; recreating it")

    def _restart_job(self, cause: Instance, in_place: int) -> None:
        """Bump the generation: every pod is now stale, deleted, and recreated once gone."""
        self.generation += 1
        self.settled += 1 + in_place
        self._event(
            "Warning",
            "RestartingJob",
            f"{describe_failure(cause)}; restarting every pod as generation {self.generation}",
        )

    def _delete_strays(self) -> None:
        """Pods of older generations, of removed roles or beyond replicas."""
        for i in self.instances:
            stale = i.generation != self.generation or self.wanted.get(i.name) != i.role
            if stale and not i.deleting:
                self._delete("Pod", i.name)

    # --- creation ------------------------------------------------------------------------

    def _create(self, ctx: JobContext, states: dict[str, RoleState]) -> None:
        """A role's pods once its needs hold, and its Service with its first pods.

        A headless Service only resolves pods that exist, so one made earlier buys nothing;
        it would only queue ahead of the pods that everything after them waits for.
        """
        present = {i.name for i in self.instances} | {n for k, n in self.result.deletes}
        progress = {name: s.progress for name, s in states.items()}
        missing = [
            InstanceContext(ctx, name, index)
            for name in dag.topological_order(self.spec)
            if dag.ready_to_start(self.roles[name], progress)
            for index in range(self.roles[name].replicas)
            if naming.pod_name(ctx.name, name, index) not in present
        ]
        with_pods = {i.role for i in self.instances} | {m.role for m in missing}
        creates = [
            render_service(ctx, r.name)
            for r in self.spec.roles
            if r.name in with_pods and naming.service_name(ctx.name, r.name) not in self.services
        ]
        if creates or missing:
            creates = render_extra_objects(ctx, self.framework) + creates
        creates = self._gang(ctx, progress, bool(missing)) + creates
        if self.elastic:
            creates = render_extra_objects(ctx, _Objects(self.elastic.creates)) + creates
        pods = [
            gang.schedule_pod(self._render_pod(instance), ctx.name, self.spec)
            for instance in missing
        ]
        self.result.creates += creates + pods
        self.creating.update(instance.role for instance in missing)
        if self.stored.get("phase") in (None, "Pending", "Queued"):
            return  # a first start: its Running Event tells it, one write instead of three
        for manifest in creates + pods:
            kind, name = manifest["kind"], manifest["metadata"]["name"]
            self._event("Normal", f"Created{kind}", f"created {kind.lower()} {name}")

    def _render_pod(self, instance: InstanceContext) -> dict:
        pod = render_pod(instance, self.framework)
        if instance.role in self.placement:
            kueue.place_pod(pod, *self.placement[instance.role])
        return elastic.mount_membership(pod, self.job.name) if self.elastic else pod

    def _elastic_step(self, live: list[Instance], ctx: JobContext) -> elastic.ElasticStep | None:
        """Membership, its ConfigMap and the below-minimum clock (elastic.py)."""
        role = elastic.elastic_role(self.spec)
        if role is None:
            return None
        own = [i for i in live if i.role == role.name]
        result = elastic.step(ctx, role, own, self.stored, self.now)
        self.result.patches += result.patches
        if result.requeue_after is not None:
            self._requeue(result.requeue_after)
        return result

    def _gang(self, ctx: JobContext, progress, creating_pods: bool) -> list[dict]:
        """The PodGroup (gang.py): created with the first pods, patched when a stage opens."""
        group = gang.pod_group(ctx.name, ctx.namespace, self.spec, progress)
        record = gang.gang_record(group)
        if group is None or (record == self.gang and not creating_pods):
            return []
        group["metadata"]["ownerReferences"] = [owner_reference(ctx)]
        if self.gang is not None and record != self.gang:
            self.result.updates.append(group)
        self.gang = record
        return [group] if creating_pods else []

    # --- verdicts ------------------------------------------------------------------------

    def _job_verdict(self, states: dict[str, RoleState]) -> _Verdict | None:
        match job_verdict(self.spec, states):
            case "Failed":
                return _Verdict("Failed", "RoleFailed", failure_message(states))
            case "Succeeded":
                return _Verdict("Succeeded", "Succeeded", "job succeeded")
        return None

    def _progress_verdict(self, states: dict[str, RoleState], restarting: set[str]) -> _Verdict:
        """Running means every role has the pods it needs up, as a gang scheduler sees it:
        a master running while its workers wait is still Pending. Once a job has run it
        shows Restarting, not Pending, until all its pods run again."""
        wanted = set(self.wanted)
        steady = {self.elastic.role} if self.elastic and self.elastic.steady else set()
        coming_back = bool(restarting - steady) or any(
            i.name in wanted
            and i.role not in steady
            and (i.deleting or i.generation != self.generation)
            for i in self.instances
        )
        running = all(s.running + s.succeeded + s.failed >= s.needed for s in states.values())
        ran_before = self.stored.get("phase") in ("Running", "Restarting")
        if self.elastic and self.elastic.below_min:
            return _Verdict("Restarting", "BelowMinReplicas", self.elastic.below_min)
        if coming_back or (ran_before and not running):
            return _Verdict("Restarting", "Restarting", "pods are being restarted")
        if running:
            ready = sum(s.ready for s in states.values())
            return _Verdict("Running", "Running", f"{ready}/{self._total_pods()} pods ready")
        return _Verdict("Pending", "Pending", self._waiting_message(states))

    def _waiting_message(self, states: dict[str, RoleState]) -> str:
        progress = {name: s.progress for name, s in states.items()}
        up = sum(s.running + s.succeeded for s in states.values())
        waits = [
            f"{r.name} waits for {d.role} {d.condition}"
            for r in self.spec.roles
            for d in dag.unmet(r, progress)
        ]
        return "; ".join([f"{up}/{self._total_pods()} pods running", *waits])

    # --- status --------------------------------------------------------------------------

    def _finish_status(self, verdict: _Verdict, states: dict[str, RoleState], restarts: int):
        stored, now = self.stored, self.now
        finished = verdict.phase in TERMINAL_PHASES
        true = {"Created": ("Created", "")}
        true[verdict.phase] = (verdict.reason, verdict.message)
        if verdict.phase == "Pending":
            del true["Pending"]
        status = {
            "phase": verdict.phase,
            "conditions": conditions(
                stored.get("conditions") or [], true, now, self.job.generation
            ),
            "roles": [self._role_status(states[r.name]) for r in self.spec.roles],
            "restarts": restarts,
            "settledRestarts": self.settled,
            "restartGeneration": self.generation,
            "readyPods": sum(s.ready for s in states.values()),
            "totalPods": self._total_pods(),
            "startTime": timestamp(self.start),
            "message": verdict.message,
            "observedGeneration": self.job.generation,
        }
        if self.gang:
            status["gang"] = self.gang
        if self.elastic:
            status.update(self.elastic.status)
        if finished:
            status["completionTime"] = stored.get("completionTime") or timestamp(now)
            for kind, name in _cleanup(self.spec, self.instances):
                if (kind, name) not in self.result.deletes:
                    self._delete(kind, name)
            _apply_ttl(self.result, self.spec, status, now)
        self.result.status = status
        self.result.events += _phase_events(stored, verdict)

    def _role_status(self, state: RoleState) -> dict:
        role = state.as_status()
        role["pending"] += self.creating[state.name]
        return role

    def _total_pods(self) -> int:
        return sum(r.replicas for r in self.spec.roles)

    # --- plan building -------------------------------------------------------------------

    def _delete(self, kind: str, name: str) -> None:
        self.result.deletes.append((kind, name))
        self._event("Normal", f"Deleted{kind}", f"deleted {kind.lower()} {name}")

    def _event(self, type_: str, reason: str, message: str) -> None:
        self.result.events.append(Event(type_, reason, message))

    def _requeue(self, seconds: float) -> None:
        current = self.result.requeue_after
        self.result.requeue_after = seconds if current is None else min(current, seconds)


class _Objects(Framework):
    """Troupe's own extra objects, owned and placed like a framework's (render.py)."""

    def __init__(self, objects: list[dict]):
        self.objects = objects

    def extra_objects(self, ctx: JobContext) -> list[dict]:
        return self.objects


def _cleanup(spec: TrainingJobSpec, instances: list[Instance]) -> list[tuple[str, str]]:
    """cleanPodPolicy on a finished job: Running deletes unfinished pods, All every pod."""
    policy = spec.run_policy.clean_pod_policy
    doomed = [
        i
        for i in sorted(instances, key=_by_name)
        if not i.deleting and (policy == "All" or (policy == "Running" and not i.finished))
    ]
    return [("Pod", i.name) for i in doomed]


def _apply_ttl(result: Plan, spec: TrainingJobSpec, status: dict, now: datetime) -> None:
    ttl = spec.run_policy.ttl_seconds_after_finished
    completed = parse_timestamp(status.get("completionTime"))
    if ttl is None or completed is None:
        return
    left = (completed + timedelta(seconds=ttl) - now).total_seconds()
    if left <= 0:
        result.delete_job = True
    else:
        result.requeue_after = (
            left if result.requeue_after is None else min(left, result.requeue_after)
        )


def _deletion_events(deletes: list[tuple[str, str]]) -> list[Event]:
    return [Event("Normal", f"Deleted{k}", f"deleted {k.lower()} {n}") for k, n in deletes]


def _phase_events(stored: dict, verdict: _Verdict) -> list[Event]:
    """Pending is where every job starts: the creation Events already say so."""
    if stored.get("phase") == verdict.phase or verdict.phase == "Pending":
        return []
    warning = verdict.phase in ("Failed", "Restarting")
    return [Event("Warning" if warning else "Normal", verdict.reason, verdict.message)]


def _by_name(instance: Instance) -> str:
    return instance.name
