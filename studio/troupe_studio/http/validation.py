"""Validation routes: a model version built with torch and run forward once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from .. import catalog, runs, validation
from ..domain import samples
from .artifacts import valid_name, valid_project
from .auth import Caller, caller
from .schemas import BODY_ERRORS, ERRORS, Ref, RunBrief
from .tasks import run_brief

CALLER = Depends(caller)


class LayerShape(BaseModel):
    id: str
    type: str
    outputShape: list[Any] | None  # noqa: N815 - the contract's name


class ModelIssue(BaseModel):
    node: str
    param: str
    message: str


class ModelValidation(BaseModel):
    ok: bool
    parameters: int | None
    layers: list[LayerShape]
    issues: list[ModelIssue]
    torch: str | None = None


class AlgorithmCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataset: Ref
    steps: int = Field(default=10, ge=1, le=10_000, description="TROUPE_MAX_STEPS for the code")
    sample: int | None = Field(
        default=None,
        ge=1,
        le=samples.MAX_RECORDS,
        description="the run gets the dataset's first `sample` rows (csv, tsv, jsonl, txt) or "
        f"files (tar, tar.gz, zip), {samples.DEFAULT_RECORDS} if not given; other formats go "
        "whole; TROUPE_SAMPLE_SIZE says how many",
    )


class SampleOut(BaseModel):
    unit: str = Field(description="rows or files")
    count: int = Field(description="how many the sample holds (TROUPE_SAMPLE_SIZE)")
    size: int = Field(description="bytes")
    complete: bool = Field(description="the dataset has no more: the sample is all of it")


class AlgorithmRun(BaseModel):
    """The validation run: follow it on `live`; the outcome is stored with the version."""

    run: RunBrief
    live: str
    sample: SampleOut | None = Field(description="null: the format is not sampled, it goes whole")


def router() -> APIRouter:
    r = APIRouter(prefix="/projects/{project}/models", tags=["models"], responses=ERRORS)
    a = APIRouter(
        prefix="/projects/{project}/algorithms",
        tags=["algorithms"],
        responses={**ERRORS, **BODY_ERRORS},
    )

    @r.post(
        "/{name}/versions/{number}/validate",
        response_model=ModelValidation,
        summary="Build a model graph with torch and run a forward pass on its input shape",
    )
    async def validate_model(
        request: Request,
        number: int = Path(ge=1, le=2**31 - 1),
        project: str = Depends(valid_project),
        name: str = Depends(valid_name),
    ):
        st = request.app.state
        return await run_in_threadpool(
            validation.validate_model, st.sessions, st.store, project, name, number
        )

    @a.post(
        "/{name}/versions/{number}/validate",
        status_code=202,
        response_model=AlgorithmRun,
        summary="Run an algorithm version briefly on the cluster (TROUPE_MAX_STEPS)",
    )
    async def validate_algorithm(
        request: Request,
        body: AlgorithmCheck,
        number: int = Path(ge=1, le=2**31 - 1),
        project: str = Depends(valid_project),
        name: str = Depends(valid_name),
        who: Caller = CALLER,
    ):
        st = request.app.state
        run, sample = await run_in_threadpool(
            runs.start_validation, st.sessions, st.history, who.api_client, st.store,
            st.settings, project, name, number, body.dataset.model_dump(), body.steps,
            body.sample or samples.DEFAULT_RECORDS,
        )  # fmt: skip
        return AlgorithmRun(
            run=run_brief(run),
            live=f"/api/v1/projects/{project}/runs/{run.name}/live",
            sample=sample
            and SampleOut(
                unit=sample.unit, count=sample.count, size=sample.size, complete=sample.complete
            ),
        )

    for kind, rt in (("models", r), ("algorithms", a)):
        add_latest(rt, kind)
    return [r, a]


def add_latest(r: APIRouter, kind: str) -> None:
    @r.get(
        "/{name}/versions/{number}/validation",
        response_model=dict[str, Any],
        summary=f"The last validation stored with a {kind[:-1]} version",
    )
    def latest(
        request: Request,
        number: int = Path(ge=1, le=2**31 - 1),
        project: str = Depends(valid_project),
        name: str = Depends(valid_name),
    ):
        st = request.app.state
        with st.sessions() as s:
            v = catalog.version(s, project, kind, name, number)
        found = validation.latest(st.sessions, v)
        if found is None:
            raise catalog.NotFound(f"{kind[:-1]} {name!r} version {number} was not validated")
        return found
