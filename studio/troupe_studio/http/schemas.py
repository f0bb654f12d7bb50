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
