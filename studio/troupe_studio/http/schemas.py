"""The API's response bodies (pydantic): what the OpenAPI schema and the web app see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


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
UPLOAD_ERRORS = {413: {"model": Error, "description": "Larger than max_upload_bytes"}}
