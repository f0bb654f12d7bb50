"""The API's response bodies (pydantic): what the OpenAPI schema and the web app see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..domain.render import Framework, TaskRole, validate_task
from ..names import Invalid, slug


class VersionOut(BaseModel):
    number: int = Field(description="1, 2, ... in upload order; a version never changes")
    filename: str
    size: int
    sha256: str
    uri: str = Field(description="s3://bucket/key of the file, for a TrainingJob's inputs")
    metadata: dict[str, Any]
    created_at: dt.datetime


class ArtifactOut(BaseModel):
    kind: str
    name: str
    description: str
    created_at: dt.datetime
    version_count: int
    latest: VersionOut | None


class ArtifactDetail(ArtifactOut):
    versions: list[VersionOut]


class Health(BaseModel):
    database: str
    store: str


class Error(BaseModel):
    """Every refusal but 422 (whose detail lists the fields, as FastAPI's own do)."""

    detail: str


ERRORS = {
    404: {"model": Error, "description": "No such artifact or version"},
    409: {"model": Error, "description": "In use, or taken by concurrent uploads"},
    503: {"model": Error, "description": "The database or the store is down (named)"},
}
BODY_ERRORS = {400: {"model": Error, "description": "A body that is not JSON"}}
UPLOAD_ERRORS = {413: {"model": Error, "description": "Larger than max_upload_bytes"}}


class Ref(BaseModel):
    """An artifact of the project by name; no version: the newest, pinned when saved."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=63)
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        return _slug_or_raise(v)


class References(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataset: Ref
    algorithm: Ref
    model: Ref | None = None


class TaskIn(BaseModel):
    """A task: domain.render.Task's fields, a description and the references it trains with.
    `command` defaults to running the algorithm's entry point with python3."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=63, description="required to create")
    description: str = Field(default="", max_length=2000)
    framework: Framework = "generic"
    roles: list[TaskRole] = Field(min_length=1, max_length=16)
    image: str | None = Field(default=None, max_length=512, pattern=r"^[^\s]+$")
    command: list[str] | None = Field(default=None, min_length=1, max_length=256)
    working_dir: str | None = Field(default=None, max_length=1024, pattern=r"^/[^\x00-\x1f]*$")
    hyperparameters: dict[str, str | int | float | bool] = Field(default_factory=dict)
    references: References

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str | None) -> str | None:
        return None if v is None else _slug_or_raise(v)

    @field_validator("hyperparameters")
    @classmethod
    def _hp_names(cls, v: dict) -> dict:
        probe = {"name": "t", "roles": [{"name": "r"}], "command": ["c"], "hyperparameters": v}
        _, issues = validate_task(probe)
        if issues:
            raise ValueError(issues[0].message)
        return v


class TaskOut(BaseModel):
    name: str
    description: str
    spec: dict[str, Any] = Field(description="the task's fields and pinned references")
    runs: int = Field(description="how many runs were started")
    created_at: dt.datetime
    updated_at: dt.datetime


class FieldIssue(BaseModel):
    field: str
    message: str


class TaskValidation(BaseModel):
    ok: bool
    issues: list[FieldIssue]
    manifest: dict[str, Any] = Field(description="the TrainingJob the next run would create")


class RunBrief(BaseModel):
    name: str
    task: str
    number: int
    phase: str
    message: str
    exists: bool = Field(description="its TrainingJob is still in the cluster")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class PodOut(BaseModel):
    pod: str
    role: str
    phase: str
    exitCode: int | None  # noqa: N815 - the contract's name
    restarts: int


class EventOut(BaseModel):
    seq: int
    time: str
    reason: str
    message: str
    object: str


class RoleDependency(BaseModel):
    role: str
    condition: str = Field(description="Created, Running, Ready or Succeeded")


class RoleOut(BaseModel):
    """A role of the run: the job status's counts for it, and what it waits for."""

    model_config = ConfigDict(extra="allow")  # the status's counts, addresses, ...
    name: str
    phase: str = Field(description="Pending until the operator reports the role")
    dependsOn: list[RoleDependency] = Field(  # noqa: N815 - the contract's name
        description="its own dependsOn, else the framework's default, as the operator runs it"
    )


class RunOut(BaseModel):
    name: str
    task: str
    number: int
    kind: str
    exists: bool
    phase: str
    message: str
    conditions: list[dict[str, Any]]
    roles: list[RoleOut]
    artifacts: dict[str, Any]
    pods: list[PodOut]
    timings: dict[str, str | None]
    events: list[EventOut]
    output_uri: str


class ResultFile(BaseModel):
    path: str = Field(description="<pod>/<file> under the run's output prefix")
    size: int


class MetricPoint(BaseModel):
    step: int
    name: str
    value: float
    time: str
    pod: str


def _slug_or_raise(v: str) -> str:
    try:
        return slug(v, "name", "body")
    except Invalid as exc:
        raise ValueError(exc.message) from None


class GraphInputOut(BaseModel):
    name: str
    shape: list[int | None] = Field(description="None: a dimension without a fixed size")
    dtype: str


class OnnxNodeOut(BaseModel):
    id: str = Field(description="the node's id in the graph: its ONNX name made safe, or op_N")
    layer: str = Field(description='"onnx:<OpType>", as the viewer labels it')
    op_type: str
    domain: str = Field(description='the op set\'s domain ("" for the standard ops)')
    name: str = Field(description="the node's ONNX name (may be empty)")
    params: dict[str, Any] = Field(
        description="the attributes; the shapes of its weights under initializers"
    )
    output_shapes: list[list[int | None] | None] = Field(
        description="per output, its shape where the model or shape inference knows it"
    )


class GraphEdgeOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    source: str = Field(alias="from")
    to: str
    port: int | None = Field(default=None, description="the input's position, if it has several")


class OnnxGraphOut(BaseModel):
    """An ONNX model as a view-only troupe.graph/v1 graph (domain.onnx_graph), its nodes
    telling their op, attributes and output shapes."""

    format: str
    name: str
    view_only: bool
    inputs: list[GraphInputOut]
    nodes: list[OnnxNodeOut]
    edges: list[GraphEdgeOut]
    outputs: list[str]
