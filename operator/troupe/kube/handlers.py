"""kopf wiring, and the only module that imports kopf.

Every event only updates a cache and wakes the job's worker (see workers.py); the
decision is made by the pure planner. No handler here keeps state in the object, so kopf
adds no finalizers or annotations: deleting a job never waits for the operator.
"""

from __future__ import annotations

import functools
import logging

import kopf

from troupe.api.spec import TrainingJobSpec, validate_spec
from troupe.core import kueue, naming, queueing
from troupe.core.admission import review_spec, sample_pods
from troupe.kube.childwatch import ChildWatch
from troupe.kube.workers import JobWorkers

log = logging.getLogger(__name__)
WORKERS: JobWorkers | None = None
CHILDREN: ChildWatch | None = None  # our pods and Services, watched apart from kopf
WEBHOOK: dict | None = None  # kopf.WebhookServer arguments + "managed"; None: no webhook
NAMESPACED = False
KUEUE = False  # Kueue's Workload CRD was served when the operator started


def install(
    workers: JobWorkers,
    children: ChildWatch,
    webhook: dict | None = None,
    namespaced: bool = False,
    with_kueue: bool = False,
) -> None:
    global WORKERS, CHILDREN, WEBHOOK, NAMESPACED, KUEUE
    WORKERS, CHILDREN, WEBHOOK, NAMESPACED = workers, children, webhook, namespaced
    KUEUE = with_kueue
    if with_kueue:  # watching a resource the API server does not serve would fail startup
        kopf.index(kueue.GROUP, kueue.VERSION, "workloads", id="kueue_workloads")(kueue_workloads)
        kopf.index(kueue.GROUP, kueue.VERSION, "resourceflavors", id="kueue_flavors")(kueue_flavors)
        kopf.on.event(kueue.GROUP, kueue.VERSION, "workloads", id="kueue-workload-changed")(
            workload_changed
        )
    if webhook:  # kopf refuses to start with admission handlers but no webhook server
        kopf.on.validate(  # never DELETE: a stored job must always be removable
            naming.GROUP,
            naming.VERSION,
            naming.PLURAL,
            id="validate-trainingjob",
            operations=["CREATE", "UPDATE"],
        )(validate_job)


class NoDiffBase(kopf.DiffBaseStorage):
    """Troupe registers no on.create/update/delete handlers, so kopf's diffs go unused; its
    default storage still deep-copies every pod body on every event to compute them."""

    def build(self, *, body, extra_fields=None):
        return {}

    def fetch(self, *, body):
        return None

    def store(self, *, body, patch, essence) -> None:
        pass


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_) -> None:
    settings.posting.enabled = False  # our Events are written by the adapter, on purpose
    settings.persistence.diffbase_storage = NoDiffBase()
    settings.watching.server_timeout = 300
    settings.watching.client_timeout = 330
    settings.networking.request_timeout = 60
    # Watching named namespaces needs no cluster-wide discovery (and no RBAC for it).
    settings.scanning.disabled = NAMESPACED
    if WEBHOOK:
        options = dict(WEBHOOK)
        managed = options.pop("managed", None)
        settings.admission.server = kopf.WebhookServer(**options)
        if managed:  # kopf keeps a ValidatingWebhookConfiguration of this name up to date
            settings.admission.managed = managed


@kopf.on.startup()
async def watch_children(**_) -> None:
    """Jobs are reconciled only once every pod and Service of theirs is in the cache:
    planning from a partial list would try to create pods that exist."""
    await CHILDREN.start()


@kopf.on.cleanup()
async def shutdown(**_) -> None:
    CHILDREN.stop()
    if WORKERS:
        await WORKERS.stop_all()


@kopf.index(naming.GROUP, naming.VERSION, "trainingqueues")
async def training_queues(name, spec, **_):
    return {name: dict(spec)}


@kopf.index("scheduling.k8s.io", "v1", "priorityclasses")
async def priority_classes(name, body, **_):
    return {name: (int(body.get("value") or 0), bool(body.get("globalDefault")))}


# uid -> (generation, spec) of every job that exists; a deleted job's entry goes with it
_SPECS: dict[str, tuple[int, TrainingJobSpec | None]] = {}


def _spec_of(body) -> TrainingJobSpec | None:
    """Validated once per generation: every status write of ours re-indexes the job."""
    meta = body.get("metadata") or {}
    uid, generation = meta.get("uid", ""), meta.get("generation") or 0
    known = _SPECS.get(uid)
    if known is None or known[0] != generation:
        known = _SPECS[uid] = (generation, validate_spec(dict(body.get("spec") or {}))[0])
    return known[1]


@kopf.index(naming.GROUP, naming.VERSION, naming.PLURAL)
async def queued_jobs(body, **_):
    """Jobs by queue name, as the small records queueing.decide_for reads."""
    spec = _spec_of(body)
    entry = queueing.queue_entry(body, spec) if spec is not None else None
    return {entry.queue: entry} if entry else None


@kopf.on.event(naming.GROUP, naming.VERSION, "trainingqueues")
async def queue_changed(name, **_) -> None:
    WORKERS.wake_queue(name)


def _owner_job(body) -> str | None:
    """The TrainingJob that controls a Workload (Troupe creates it with that reference)."""
    for ref in (body.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("kind") == naming.KIND and ref.get("apiVersion") == naming.API_VERSION:
            return ref.get("name")
    return None


async def kueue_workloads(namespace, body, **_):
    """Kueue Workloads by (namespace, owning job); registered only when Kueue is installed."""
    job = _owner_job(body)
    return {(namespace, job): dict(body)} if job else None


async def kueue_flavors(name, spec, **_):
    return {name: dict(spec)}


async def workload_changed(namespace, body, **_) -> None:
    job = _owner_job(body)
    if job:
        WORKERS.wake((namespace, job))


def _kueue_state(key, kueue_workloads, kueue_flavors) -> kueue.Observed:
    if kueue_workloads is None or kueue_flavors is None:
        return kueue.Observed(available=False)
    flavors = {n: v for n, values in kueue_flavors.items() for v in values}
    return kueue.Observed(True, tuple(kueue_workloads.get(key, [])), flavors)


def _admission(key, body, queued_jobs, training_queues, priority_classes):
    """The built-in queue's decision for one job, from the indexes plus its newest body."""
    spec = next(iter(training_queues.get(queueing.queue_of(body), [])), None)
    if spec is None:
        return None  # an unlimited queue: no entries to build (O(jobs) per pass)
    parsed = _spec_of(body)
    entry = queueing.queue_entry(body, parsed) if parsed is not None else None
    if entry is None:
        return None
    entries = [e for e in queued_jobs.get(entry.queue, []) if e.key != key] + [entry]
    classes = {n: v for n, values in priority_classes.items() for v in values}
    return queueing.decide_for(key, spec, entries, classes, WORKERS.just_admitted())


@kopf.on.startup()
async def read_indexes(
    queued_jobs,
    training_queues,
    priority_classes,
    kueue_workloads=None,
    kueue_flavors=None,
    **_,
) -> None:
    """Give the workers their view of kopf's indexes, once: kopf keeps each index one
    object for the operator's life and updates it in place."""
    WORKERS.queue_limited = lambda queue: bool(training_queues.get(queue))
    WORKERS.admission_for = functools.partial(
        _admission,
        queued_jobs=queued_jobs,
        training_queues=training_queues,
        priority_classes=priority_classes,
    )
    WORKERS.kueue_for = functools.partial(
        _kueue_state, kueue_workloads=kueue_workloads, kueue_flavors=kueue_flavors
    )


@kopf.on.event(naming.GROUP, naming.VERSION, naming.PLURAL)
async def job_changed(type, body, namespace, name, **_) -> None:
    key = (namespace, name)
    if type == "DELETED":
        _SPECS.pop((body.get("metadata") or {}).get("uid", ""), None)
    if type == "DELETED" or not queueing.managed_by_troupe(body):
        WORKERS.forget(key)  # a job another controller manages (MultiKueue) is left alone
        return
    WORKERS.observe(key, dict(body))


async def validate_job(body, old, name, namespace, uid, operation, **_) -> None:
    """Reject what can never run, naming the field: the same rules as `troupe submit`.

    An update that leaves the spec alone (labels, a deletion in progress) is always
    allowed: a stored job must never become impossible to change or clean up.
    """
    spec_dict = dict(body.get("spec") or {})
    if operation == "UPDATE" and old is not None and dict(old.get("spec") or {}) == spec_dict:
        return
    spec, framework, errors = review_spec(name or "", spec_dict)
    if errors:
        raise kopf.AdmissionError("; ".join(str(e) for e in errors), code=422)
    pods = sample_pods(name or "", namespace, uid, spec, framework)
    rejected = await WORKERS.adapter.dry_run_pods(namespace, pods)
    if rejected:
        raise kopf.AdmissionError(
            "; ".join(
                f"spec.roles[{i}].template: the API server would reject the pod: {msg}"
                for i, msg in sorted(rejected.items())
            ),
            code=422,
        )
