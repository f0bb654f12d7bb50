"""One asyncio task per TrainingJob: a level-triggered reconcile loop.

Events (the job, its pods, its Services) only wake the loop; each pass reads the latest
cached state, asks the pure planner what to do, and hands the plan to the adapter. The loop
also runs on a period, so status is re-evaluated even when nothing happens.

Watch caches lag behind our own writes. Like Kubernetes' own controllers, a worker keeps
"expectations" — names it created or deleted and has not yet seen reflected — and does not
plan again until they are met (or expire), so it never creates the same pod twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from troupe.core import kueue, naming
from troupe.core.children import Change, ChildCache, child_id, is_pod
from troupe.core.events import coalesce
from troupe.core.framework import get_framework
from troupe.core.planner import JobView, plan
from troupe.core.queueing import Decision, queue_of
from troupe.core.throttle import ProgressPace
from troupe.kube.adapter import DEFAULT_CONCURRENCY, Adapter, Refusal
from troupe.kube.logarchive import LogArchiver
from troupe.runtime import metrics, priority
from troupe.runtime.priority import PrioritySemaphore

log = logging.getLogger(__name__)
# How long a write of ours may stay unseen before the cache is trusted again. Long, as in
# Kubernetes' own controllers: racing a lagging watch with creates is a storm of 409s. The
# watch events themselves settle expectations (observed()), so a child created and deleted
# before a pass looked still counts as seen.
EXPECTATION_TTL = 300.0
ADMISSION_TTL = 30.0  # a queue admission the index may not show yet
MAX_BACKOFF = 60.0

Key = tuple[str, str]


class JobWorkers:
    def __init__(
        self,
        adapter: Adapter,
        children: ChildCache,
        period: float = 30.0,
        progress_quiet: float = 30.0,
        normal_events: bool = True,
        batch_window: float = 0.05,
        max_passes: int = 8 * DEFAULT_CONCURRENCY,  # as __main__ sets it
    ):
        self.adapter = adapter
        self.archiver = LogArchiver(adapter)
        self.children = children
        self.period = period
        # progress (pod counts, role breakdown) still this long is written; it is what people
        # read on a job that is stuck, and a job that moves gets there with its next phase
        self.progress_quiet = progress_quiet
        # Normal Events (a job ran, succeeded, its pods were created or deleted) repeat what
        # its conditions say; a site counting every write can keep the Warnings alone
        self.normal_events = normal_events
        self.batch_window = batch_window  # after a wake-up, before the pass
        # Passes under way at once. A pass renders its job's manifests and holds them until
        # the API server has taken them; when a thousand jobs arrive together, passes beyond
        # what the API calls can drain only hold memory.
        self.passes = PrioritySemaphore(max_passes)  # a job's first pods first (priority.py)
        self._workers: dict[Key, _Worker] = {}
        self._phases: dict[Key, str] = {}
        # (key, body) -> the queue's Decision, or None when no queue limits the job
        self.admission_for: Callable[[Key, dict], Decision | None] = lambda key, body: None
        # whether a TrainingQueue limits this queue: only then do its jobs wait on each other
        self.queue_limited: Callable[[str], bool] = lambda queue: False
        self._just_admitted: dict[Key, float] = {}  # admissions the index may not show yet
        # key -> the job's Kueue Workloads and the ResourceFlavors (handlers.py)
        self.kueue_for: Callable[[Key], kueue.Observed] = lambda key: kueue.Observed(False)

    def observe(self, key: Key, body: dict) -> None:
        worker = self._workers.get(key)
        if worker is None:
            worker = self._workers[key] = _Worker(self, key, body)
            worker.task = asyncio.get_running_loop().create_task(worker.run(), name=f"job/{key}")
        else:
            worker.update_body(body)
        worker.wake.set()

    def child_changed(self, change: Change) -> None:
        self.wake(change.key, change.child, change.deleted)

    def wake(self, key: Key, child: str | None = None, deleted: bool = False) -> None:
        """`child`: the pod (or "svc/NAME") a watch event was about."""
        worker = self._workers.get(key)
        if worker:
            if child:
                worker.observed(child, deleted)
            worker.wake.set()

    def just_admitted(self) -> set[Key]:
        now = time.monotonic()
        self._just_admitted = {k: t for k, t in self._just_admitted.items() if t > now}
        return set(self._just_admitted)

    def wake_queue(self, queue: str | None) -> None:
        """A job of `queue` took or gave back room: the others may now be admitted."""
        for worker in self._workers.values():
            if queue is None or queue_of(worker.body) == queue:
                worker.wake.set()

    def forget(self, key: Key) -> None:
        worker = self._workers.pop(key, None)
        if worker and worker.task:
            worker.task.cancel()
        self._set_phase(key, None)

    async def stop_all(self) -> None:
        tasks = [w.task for w in self._workers.values() if w.task]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._workers.clear()

    def _set_phase(self, key: Key, phase: str | None) -> None:
        old = self._phases.pop(key, None)
        if old:
            metrics.JOBS_BY_PHASE.labels(old).dec()
        if phase:
            self._phases[key] = phase
            metrics.JOBS_BY_PHASE.labels(phase).inc()


class _Worker:
    def __init__(self, owner: JobWorkers, key: Key, body: dict):
        self.owner = owner
        self.key = key
        self.body = body
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.expect_present: dict[str, float] = {}
        self.expect_gone: dict[str, float] = {}
        self.view: JobView | None = None  # the last pass's, for its parsed spec
        self.refusals = 0  # passes in a row the API server refused a creation
        self.last_refusal = ""  # its message, posted as an Event once
        self.pace = ProgressPace(owner.progress_quiet, 2 * owner.progress_quiet)

    def update_body(self, body: dict) -> None:
        """Keep the newest version: a watch event may trail our own status patch."""
        if _version(body) >= _version(self.body):
            self.body = body

    async def run(self) -> None:
        failures = 0
        while True:
            self.wake.clear()
            try:
                urgency = self._priority()
                waited = metrics.PASS_QUEUE_SECONDS.labels(priority.NAMES[urgency])
                queued = time.monotonic()
                async with self.owner.passes.hold(urgency):
                    waited.observe(time.monotonic() - queued)
                    priority.current.set(urgency)
                    with metrics.RECONCILE_SECONDS.time():
                        wait = await self.reconcile()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                wait = min(MAX_BACKOFF, 0.5 * 2**failures)
                log.exception("reconcile of %s/%s failed; retrying in %.1fs", *self.key, wait)
            timeout = self.owner.period if wait is None else min(wait, self.owner.period)
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=max(timeout, 0.05))
            except TimeoutError:
                continue
            # Pod events come in bursts (a node's pods start together, kwok/kubelet status
            # updates): a moment's wait lets one pass see them all instead of one each.
            await asyncio.sleep(self.owner.batch_window)

    def _priority(self) -> int:
        """Where this pass queues (priority.py): by the pods that exist, those the cache
        holds and those this worker created and the watch has not shown yet. (Counting only
        the cache, the pass woken by a job's first new pods queued as a creating one, and
        its `Running` waited a minute behind other jobs' creations.)"""
        names = {i.name for i in self.owner.children.pods(self.key)}
        names.update(filter(is_pod, self.expect_present))
        total = (self.body.get("status") or {}).get("totalPods") or 0
        if not names:
            return priority.FIRST_PODS
        return priority.SETTLED if total and len(names) >= total else priority.NORMAL

    def _observed(self):
        children = self.owner.children
        return children.pods(self.key), children.services(self.key)

    def observed(self, child: str, deleted: bool) -> None:
        """Any event shows a child exists (or existed); only a DELETED one shows it gone."""
        self.expect_present.pop(child, None)
        if deleted:
            self.expect_gone.pop(child, None)

    def _expectations_met(self, instances, services) -> bool:
        now = time.monotonic()
        seen = {i.name for i in instances} | {child_id("Service", s) for s in services}
        still_there = {i.name for i in instances if not i.deleting}
        self.expect_present = {
            n: t for n, t in self.expect_present.items() if n not in seen and t > now
        }
        self.expect_gone = {
            n: t for n, t in self.expect_gone.items() if n in still_there and t > now
        }
        return not self.expect_present and not self.expect_gone

    async def reconcile(self) -> float | None:
        instances, services = self._observed()
        if not self._expectations_met(instances, services):
            return 0.5
        body = self.body
        namespace, name = self.key
        job = self.view = JobView.from_body(body, self.view)
        admission = self.owner.admission_for(self.key, body)
        if admission is not None and admission.admitted:  # before any await: no double admit
            self.owner._just_admitted[self.key] = time.monotonic() + ADMISSION_TTL
        result = plan(
            job,
            instances,
            services,
            datetime.now(UTC),
            get_framework,
            admission,
            self.owner.kueue_for(self.key),
        )

        deadline = time.monotonic() + EXPECTATION_TTL
        pod_deletes = [(k, n) for k, n in result.deletes if k == "Pod"]
        self.expect_gone.update({n: deadline for _, n in pod_deletes})
        await self.owner.adapter.delete_all(namespace, result.deletes)
        await self.owner.adapter.update_all(namespace, result.updates)
        for manifest in result.creates:
            kind, child = manifest["kind"], manifest["metadata"]["name"]
            labels = manifest["metadata"].get("labels") or {}
            if labels.get(naming.JOB_LABEL) != name:
                continue  # not in our indexes (e.g. a rendezvous Service): nothing to await
            if kind in ("Pod", "Service"):
                self.expect_present[child_id(kind, child)] = deadline
        refused = await self.owner.adapter.create_all(namespace, result.creates)
        if refused:
            await self._refused(body, refused)
        await self.owner.adapter.patch_all(namespace, result.patches)
        written = await self.owner.adapter.patch_custom_status_all(namespace, result.status_patches)

        old_status = body.get("status") or {}
        wait = result.requeue_after if written else 0.5  # a stale Workload: read, redo
        due = self.pace.due(time.monotonic(), old_status, result.status)
        if due > 0:  # progress alone: it rides along with what follows
            wait = due if wait is None else min(wait, due)  # the resync period caps an inf
        else:
            updated = await self.owner.adapter.patch_status(
                namespace, name, old_status, result.status
            )
            if updated:
                self.update_body(updated)
        self._record(job, old_status, result.status)
        await asyncio.gather(
            *(
                self.owner.adapter.post_event(body, type_, reason, message)
                for type_, reason, message in coalesce(result.events, self.owner.normal_events)
            )
        )
        self.owner.archiver.submit(namespace, result.archive_logs)
        if result.delete_job:
            await self.owner.adapter.delete_job(namespace, name)
        if refused:  # try again, less and less often, as after a failed pass
            self.refusals += 1
            return min(MAX_BACKOFF, 0.5 * 2**self.refusals)
        self.refusals = 0
        return wait

    async def _refused(self, body: dict, refused: list[Refusal]) -> None:
        """Children the API server would not create: never expected, told once per cause."""
        for kind, child, _ in refused:
            self.expect_present.pop(child_id(kind, child), None)
        message = "; ".join(f"{kind.lower()} {child}: {why}" for kind, child, why in refused)
        if message != self.last_refusal:
            self.last_refusal = message
            await self.owner.adapter.post_event(body, "Warning", "FailedCreate", message)

    def _record(self, job: JobView, old: dict, new: dict) -> None:
        """Metrics on phase changes only, so a resync never counts twice."""
        phase, before = new.get("phase"), old.get("phase")
        self.owner._set_phase(self.key, phase)
        framework = job.framework_name
        if before is None and phase:
            metrics.JOBS_CREATED.labels(framework).inc()
        if phase == before:
            return
        if phase in ("Succeeded", "Failed", "Suspended", "Queued"):
            self.owner._just_admitted.pop(self.key, None)
        queue = queue_of(self.body)
        if self.owner.queue_limited(queue):  # else no job of it waits: waking all is O(jobs)
            self.owner.wake_queue(queue)
        if phase == "Succeeded":
            metrics.JOBS_SUCCEEDED.labels(framework).inc()
        elif phase == "Failed":
            reason = next(
                (
                    c.get("reason", "")
                    for c in new.get("conditions", [])
                    if c.get("type") == "Failed"
                ),
                "",
            )
            metrics.JOBS_FAILED.labels(framework, reason).inc()
        elif phase == "Restarting":
            metrics.JOBS_RESTARTED.labels(framework).inc()
        if phase == "Running" and before in (None, "Pending"):
            started = job.creation
            if started:
                metrics.TIME_TO_RUNNING.observe((datetime.now(UTC) - started).total_seconds())


def _version(body: dict) -> int:
    try:
        return int(body.get("metadata", {}).get("resourceVersion", 0))
    except (TypeError, ValueError):
        return 0
