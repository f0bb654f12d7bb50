"""Task routes: create, read, replace, delete; validate (server-side dry-run); start a run."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool

from .. import kube, runs, tasks
from ..db import Run, Task
from ..names import Invalid, slug
from .artifacts import valid_project
from .auth import Caller, caller
from .schemas import BODY_ERRORS, ERRORS, RunBrief, TaskIn, TaskOut, TaskValidation

CALLER = Depends(caller)
PROJECT = Depends(valid_project)


def task_out(t: Task) -> TaskOut:
    return TaskOut(
        name=t.name,
        description=t.description,
        spec=t.spec,
        runs=t.runs_started,
        created_at=t.created_at,
        updated_at=t.updated_at,
    )


def run_brief(r: Run) -> RunBrief:
    return RunBrief(
        name=r.name,
        task=r.task_name,
        number=r.number,
        phase=r.phase,
        message=r.message,
        exists=r.job_exists,
        created_at=r.created_at,
        started_at=r.started_at,
        finished_at=r.finished_at,
    )


def valid_task(task: str) -> str:
    return slug(task, "task")


TASK = Depends(valid_task)


def router() -> APIRouter:
    r = APIRouter(
        prefix="/projects/{project}/tasks", tags=["tasks"], responses={**ERRORS, **BODY_ERRORS}
    )

    @r.get("", response_model=list[TaskOut], summary="List the project's tasks")
    def list_tasks(request: Request, project: str = PROJECT):
        return [task_out(t) for t in tasks.listing(request.app.state.sessions, project)]

    @r.post("", status_code=201, response_model=TaskOut, summary="Create a task")
    def create_task(request: Request, body: TaskIn, project: str = PROJECT):
        if body.name is None:
            raise Invalid("name", "name: a task needs a name", "body")
        spec = body.model_dump(exclude={"name", "description"}, mode="json")
        t = tasks.save(request.app.state.sessions, project, body.name, spec, body.description, True)
        return task_out(t)

    @r.get("/{task}", response_model=TaskOut, summary="Get a task")
    def get_task(request: Request, project: str = PROJECT, task: str = TASK):
        with request.app.state.sessions() as s:
            return task_out(tasks.get(s, project, task))

    @r.put("/{task}", response_model=TaskOut, summary="Replace a task's fields and references")
    def put_task(request: Request, body: TaskIn, project: str = PROJECT, task: str = TASK):
        if body.name not in (None, task):
            raise Invalid("name", f"name: {body.name!r} is not the task's name {task!r}", "body")
        spec = body.model_dump(exclude={"name", "description"}, mode="json")
        t = tasks.save(request.app.state.sessions, project, task, spec, body.description, False)
        return task_out(t)

    @r.delete("/{task}", status_code=204, summary="Delete a task (409 while a run is going)")
    def delete_task(request: Request, project: str = PROJECT, task: str = TASK):
        tasks.remove(request.app.state.sessions, project, task)
        return Response(status_code=204)

    @r.post(
        "/{task}/validate",
        response_model=TaskValidation,
        summary="Check the next run's TrainingJob with the API server (dry-run)",
    )
    async def validate_task(
        request: Request, project: str = PROJECT, task: str = TASK, who: Caller = CALLER
    ):
        st = request.app.state
        job = await run_in_threadpool(runs.preview, st.sessions, st.settings, project, task)
        issues = await run_in_threadpool(kube.validate_job, who.api_client, job)
        return TaskValidation(ok=not issues, issues=issues, manifest=job)

    @r.post("/{task}/runs", status_code=201, response_model=RunBrief, summary="Start a run")
    async def start_run(
        request: Request, project: str = PROJECT, task: str = TASK, who: Caller = CALLER
    ):
        st = request.app.state
        run = await run_in_threadpool(
            runs.start, st.sessions, st.history, who.api_client, st.settings, project, task
        )
        return run_brief(run)

    @r.get("/{task}/runs", response_model=list[RunBrief], summary="The task's runs")
    def list_runs(request: Request, project: str = PROJECT, task: str = TASK):
        return [run_brief(x) for x in runs.listing(request.app.state.sessions, project, task)]

    return r
