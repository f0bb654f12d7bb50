"""Tasks: a project's training recipes, each naming the artifact versions it trains with.

A task's references are pinned to versions when it is saved (a reference without a version
takes the newest one then), and `uses` rows hold those versions, so they cannot be deleted
under the task. The rows and the task change in one transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from . import catalog
from .db import Run, Task, Use, Version, now
from .domain.run_state import SETTLED
from .names import Invalid

REFERENCE_KINDS = {"dataset": "datasets", "algorithm": "algorithms", "model": "models"}


def holder(project: str, name: str) -> str:
    return f"task:{project}/{name}"


def resolve(s, project: str, references: dict[str, Any]) -> tuple[dict, dict[str, Version]]:
    """References with their version numbers filled in, and the versions they name; a
    missing artifact or version is a 422 naming the reference."""
    pinned, versions = {}, {}
    for ref, kind in REFERENCE_KINDS.items():
        given = references.get(ref)
        if given is None:
            continue
        field = f"references.{ref}"
        try:
            art = catalog.artifact(s, project, kind, given["name"])
            if given.get("version") is None:
                if not art.versions:
                    raise catalog.NotFound(f"{kind[:-1]} {given['name']!r} has no versions")
                v = art.versions[-1]
            else:
                v = catalog.version(s, project, kind, given["name"], given["version"])
        except catalog.NotFound as exc:
            raise Invalid(field, f"{field}: {exc}", "body") from exc
        pinned[ref] = {"name": given["name"], "version": v.number}
        versions[ref] = v
    return pinned, versions


def get(s, project: str, name: str) -> Task:
    task = s.scalar(select(Task).where(Task.project == project, Task.name == name))
    if task is None:
        raise catalog.NotFound(f"no task named {name!r} in project {project!r}")
    return task


def listing(sessions, project: str) -> list[Task]:
    with sessions() as s:
        return list(s.scalars(select(Task).where(Task.project == project).order_by(Task.name)))


def _hold(s, task: Task, versions: list[Version]) -> None:
    s.execute(delete(Use).where(Use.holder == holder(task.project, task.name)))
    for v in versions:
        s.add(
            Use(artifact_id=v.artifact_id, version_id=v.id, holder=holder(task.project, task.name))
        )


def save(sessions, project: str, name: str, spec: dict, description: str, create: bool) -> Task:
    """Create (409 if the name is taken) or replace a task; its uses rows with it."""
    with sessions() as s:
        pinned, versions = resolve(s, project, spec.get("references") or {})
        spec = {**spec, "references": pinned}
        if create:
            task = Task(project=project, name=name, description=description, spec=spec)
            s.add(task)
            try:
                s.flush()
            except IntegrityError as exc:
                raise catalog.Conflict(f"a task named {name!r} exists in {project!r}") from exc
        else:
            task = get(s, project, name)
            task.spec, task.description, task.updated_at = spec, description, now()
        _hold(s, task, list(versions.values()))
        s.commit()
        return task


def remove(sessions, project: str, name: str) -> None:
    """Delete a task and its uses; 409 while one of its runs has not finished. The runs'
    history stays (a run keeps its task's name)."""
    with sessions() as s:
        task = get(s, project, name)
        active = s.scalars(
            select(Run.name).where(
                Run.task_id == task.id,
                Run.job_exists,
                Run.phase.not_in(SETTLED),
            )
        ).all()
        if active:
            raise catalog.Conflict(f"task {name!r} has runs still going: {', '.join(active)}")
        s.execute(delete(Use).where(Use.holder == holder(project, name)))
        s.delete(task)
        s.commit()
