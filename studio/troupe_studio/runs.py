"""Runs: a task's TrainingJob created in its project, stopped, described and deleted.

The run number comes from the task's counter, taken with a compare-and-set, so two starts
at once get two numbers; the row and the job are made together (the job is deleted again
if the row cannot be committed). What a run looks like is read from the cluster while its
job exists, and from the history the watcher kept once it is gone.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from . import catalog, kinds, kube, tasks
from .db import Run, RunEntry, Task
from .domain import render, run_state, samples
from .history import History
from .settings import Settings
from .store import ObjectReader, Store

SECRET = "troupe-studio-store"  # the store's credentials in each project, for the pods
RETRIES = 20


def secret_data(settings: Settings) -> dict[str, str]:
    return {
        "endpoint": settings.job_store_endpoint or settings.store_endpoint,
        "region": settings.store_region,
        "accessKey": settings.store_access_key,
        "secretKey": settings.store_secret_key,
    }


def manifest(
    task: Task, number: int, versions: dict, settings: Settings, kind: str = "training"
) -> dict:
    """The TrainingJob of run `number`: the task rendered with its versions' URIs and
    checksums in, the run's prefix out, the deployment's pod placement merged in."""
    spec = task.spec
    bucket = settings.bucket
    algorithm = versions.get("algorithm")
    command = spec.get("command") or (
        ["python3", algorithm.meta.get("entry_point") or algorithm.filename] if algorithm else []
    )
    rendered = render.Task(
        name=task.name,
        framework=spec.get("framework", "generic"),
        roles=spec["roles"],
        image=spec.get("image"),
        command=command,
        working_dir=spec.get("working_dir"),
        hyperparameters=spec.get("hyperparameters") or {},
    )
    name = render.job_name(task.name, number)
    inputs = {"dataset": "dataset", "code": "algorithm", "model": "model"}
    uris = {k: f"s3://{bucket}/{versions[r].key}" for k, r in inputs.items() if r in versions}
    artifacts = render.RunArtifacts(
        secret_name=SECRET,
        **uris,
        output=render.default_output_uri(bucket, task.project, name),
        sha256={k: versions[r].sha256 for k, r in inputs.items() if r in versions},
    )
    job = render.render_job(rendered, number, task.project, artifacts)
    job["metadata"]["labels"]["studio.troupe.dev/kind"] = kind
    return render.with_pod_spec(job, settings.job_pod_spec)


def preview(sessions, settings: Settings, project: str, name: str) -> dict:
    """The manifest the next run would get (for validation)."""
    with sessions() as s:
        task = tasks.get(s, project, name)
        _, versions = tasks.resolve(s, project, task.spec.get("references") or {})
        return manifest(task, task.runs_started + 1, versions, settings)


def start(sessions, history: History, api, settings: Settings, project: str, name: str) -> Run:
    for _ in range(RETRIES):
        with sessions() as s:
            task = tasks.get(s, project, name)
            _, versions = tasks.resolve(s, project, task.spec.get("references") or {})
            number = task.runs_started + 1
            taken = s.execute(
                update(Task)
                .where(Task.id == task.id, Task.runs_started == task.runs_started)
                .values(runs_started=number)
            )
            if taken.rowcount != 1:
                s.rollback()  # a concurrent start took the number
                continue
            job = manifest(task, number, versions, settings)
            run = _new_run(project, task.id, task.name, number, job)
            s.add(run)
            s.flush()
            _launch(s, api, settings, run)
        history.record(run.id, [("phase", {"phase": "Pending", "message": "TrainingJob created"})])
        return run
    raise catalog.Conflict(f"task {name!r}: too many concurrent starts, try again")


VALIDATES = "studio.troupe.dev/validates"  # annotation: the version id a validation run checks


@dataclass(frozen=True)
class DatasetSample:
    """What a validation run gets in place of its dataset version (key and sha256, as a
    version has them), and how much of it: `unit` rows or files, `count` of them."""

    key: str
    sha256: str
    unit: str
    count: int
    size: int
    complete: bool


def dataset_sample(store: Store, version, records: int) -> DatasetSample | None:
    """The first `records` rows or files of a dataset version, stored beside it (same bytes
    for the same version and size, so a rerun overwrites it with itself); None for a format
    that is not sampled (the run gets the whole version)."""
    fmt = kinds.DATASET_FORMATS[kinds.extension(version.filename, "datasets")]
    if samples.sample_unit(fmt) is None:
        return None
    with ObjectReader(store, version.key) as source:
        sample = samples.sample_dataset(io.BufferedReader(source, 1 << 20), fmt, records)
    key = catalog.sample_key(version.key, records)
    store.put(key, io.BytesIO(sample.data), len(sample.data))
    digest = hashlib.sha256(sample.data).hexdigest()
    return DatasetSample(key, digest, sample.unit, sample.count, len(sample.data), sample.complete)


def start_validation(
    sessions,
    history: History,
    api,
    store: Store,
    settings: Settings,
    project: str,
    name: str,
    number: int,
    dataset: dict,
    steps: int,
    records: int = samples.DEFAULT_RECORDS,
) -> tuple[Run, DatasetSample | None]:
    """A short run of an algorithm version on a sample of a dataset (its first `records`
    rows or files): its framework's image and first role, TROUPE_MAX_STEPS=steps for the
    code to honour, TROUPE_SAMPLE_SIZE=how many it got; the outcome is stored with the
    version when the run ends (watcher)."""
    with sessions() as s:
        catalog.version(s, project, "algorithms", name, number)  # a 404 before any sampling
        _, picked = tasks.resolve(s, project, {"dataset": dataset})
    sample = dataset_sample(store, picked["dataset"], records)
    env = {"TROUPE_MAX_STEPS": str(steps)}
    if sample is not None:
        env["TROUPE_SAMPLE_SIZE"] = str(sample.count)
    for _ in range(RETRIES):
        with sessions() as s:
            algo = catalog.version(s, project, "algorithms", name, number)
            versions = {"algorithm": algo, "dataset": sample or picked["dataset"]}
            framework = algo.meta.get("framework", "generic")
            check = f"check-{name}-v{number}"
            count = s.query(Run).filter(Run.project == project, Run.task_name == check).count()
            role = {"name": render.VALIDATION_ROLE[framework], "cpu": "500m", "memory": "1Gi"}
            probe = Task(
                project=project, name=check, spec={"framework": framework, "roles": [role]}
            )
            job = manifest(probe, count + 1, versions, settings, kind="validation")
            job = render.with_env(job, env)
            job = render.without_restarts(job)
            job["metadata"].setdefault("annotations", {})[VALIDATES] = str(algo.id)
            run = _new_run(project, None, check, count + 1, job)
            s.add(run)
            try:
                s.flush()
            except IntegrityError:
                s.rollback()  # a concurrent validation took the number
                continue
            _launch(s, api, settings, run)
        history.record(run.id, [("phase", {"phase": "Pending", "message": "validation created"})])
        return run, sample
    raise catalog.Conflict(f"algorithm {name!r}: too many concurrent validations, try again")


def _new_run(project: str, task_id: int | None, task_name: str, number: int, job: dict) -> Run:
    return Run(
        project=project,
        task_id=task_id,
        task_name=task_name,
        number=number,
        name=job["metadata"]["name"],
        manifest=job,
        output_uri=job["spec"]["artifacts"]["output"]["uri"],
        phase="Pending",
        message="",
        status={},
        pods={},
        job_exists=True,
    )


def _launch(s, api, settings: Settings, run: Run) -> None:
    """Create the run's TrainingJob, then commit its row; a row that can't be committed takes
    the job back, so no job runs that the service does not know."""
    kube.ensure_secret(api, run.project, SECRET, secret_data(settings))
    kube.create_job(api, run.manifest)
    try:
        s.commit()
    except BaseException:
        kube.delete_job(api, run.project, run.name)
        raise


def get(s, project: str, name: str) -> Run:
    run = s.scalar(select(Run).where(Run.project == project, Run.name == name))
    if run is None:
        raise catalog.NotFound(f"no run named {name!r} in project {project!r}")
    return run


def describe(sessions, history: History, api, project: str, name: str) -> dict:
    """A run as Kubernetes has it now (its job and pods), or as it was last seen."""
    with sessions() as s:
        run = get(s, project, name)
    job = kube.read_job(api, project, run.name) if run.job_exists else None
    seen_uid = run.status.get("uid")
    if job is not None and seen_uid and job["metadata"].get("uid") != seen_uid:
        job = None  # a later job of the same name, not this run's
    container = run.manifest["spec"]["roles"][0]["template"]["spec"]["containers"][0]["name"]
    if job is not None:
        summary = run_state.job_summary(job)
        found = kube.job_pods(api, project, f"troupe.dev/job-name={run.name}")
        pods = [run_state.pod_state(p, container) for p in found]
        for p in pods:
            p.pop("started")
        pods.sort(key=lambda p: p["pod"])
    else:
        summary = {k: v for k, v in (run.status or {}).items() if k != "uid"}
        summary.setdefault("phase", run.phase)
        summary.setdefault("message", run.message)
        pods = [run.pods[k] for k in sorted(run.pods)]
    events = history.stored(run.id, types=("event",))
    return {
        "name": run.name,
        "task": run.task_name,
        "number": run.number,
        "kind": run.manifest["metadata"]["labels"].get("studio.troupe.dev/kind", "training"),
        "exists": job is not None,
        "phase": summary.get("phase") or run.phase,
        "message": summary.get("message") or "",
        "conditions": summary.get("conditions") or [],
        "roles": summary.get("roles") or [],
        "artifacts": summary.get("artifacts") or {},
        "pods": pods,
        "timings": {
            "created": run.created_at.isoformat(),
            "started": summary.get("startTime"),
            "finished": summary.get("completionTime"),
        },
        "events": [
            {k: e[k] for k in ("seq", "time", "reason", "message", "object")} for e in events
        ],
        "output_uri": run.output_uri,
    }


def listing(sessions, project: str, task: str | None = None) -> list[Run]:
    with sessions() as s:
        q = select(Run).where(Run.project == project)
        if task is not None:
            tasks.get(s, project, task)
            q = q.where(Run.task_name == task)
        return list(s.scalars(q.order_by(Run.id)))


def stop(sessions, api, project: str, name: str) -> bool:
    """Suspend the run's job (see kube.suspend_job); False if the job is already gone."""
    with sessions() as s:
        run = get(s, project, name)
    return kube.suspend_job(api, project, run.name) if run.job_exists else False


def remove(sessions, history: History, api, store, project: str, name: str) -> None:
    """The job (if still there), the run's results in the store, its history and row."""
    with sessions() as s:
        run = get(s, project, name)
    if run.job_exists:
        kube.delete_job(api, project, run.name)
    prefix = output_prefix(run, store.bucket)
    if prefix:
        for key, _ in list(store.listing(prefix)):
            store.delete(key)
    with sessions() as s:
        s.execute(delete(RunEntry).where(RunEntry.run_id == run.id))
        s.execute(delete(Run).where(Run.id == run.id))
        s.commit()
    history.forget(run.id)


def output_prefix(run: Run, bucket: str) -> str:
    """The key prefix of the run's results in our bucket ("" if they are elsewhere)."""
    head = f"s3://{bucket}/"
    return run.output_uri.removeprefix(head) if run.output_uri.startswith(head) else ""
