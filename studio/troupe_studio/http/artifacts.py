"""The routes of the four kinds: list/get/delete artifacts, upload/get/delete/download versions.

Thin: names are checked here, the rules live in `catalog` and `kinds`. Uploads are the raw
request body (application/octet-stream) with the file name and metadata in the query, so a
file streams straight into the spool without a multipart parser holding it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.requests import ClientDisconnect

from .. import catalog, kinds, names
from ..db import KINDS, Artifact, Version
from .auth import Caller, caller
from .schemas import ERRORS, UPLOAD_ERRORS, ArtifactDetail, ArtifactOut, VersionOut

BINARY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def valid_name(name: str = Path(description="a DNS label: a-z, 0-9, '-'", max_length=256)) -> str:
    return names.slug(name)


CALLER = Depends(caller)


def valid_project(
    project: str = Path(description="a namespace: a DNS label", max_length=256),
    _who: Caller = CALLER,
) -> str:
    """The project, checked as a DNS label, once the caller may use it (auth.caller)."""
    return names.slug(project, "project")


def version_out(request: Request, v: Version) -> VersionOut:
    bucket = request.app.state.store.bucket
    return VersionOut(
        number=v.number,
        filename=v.filename,
        size=v.size,
        sha256=v.sha256,
        uri=f"s3://{bucket}/{v.key}",
        metadata=v.meta,
        created_at=v.created_at,
    )


def artifact_out(request: Request, a: Artifact, detail: bool = False):
    base = dict(
        kind=a.kind,
        name=a.name,
        description=a.description,
        created_at=a.created_at,
        version_count=len(a.versions),
        latest=version_out(request, a.versions[-1]) if a.versions else None,
    )
    if detail:
        return ArtifactDetail(**base, versions=[version_out(request, v) for v in a.versions])
    return ArtifactOut(**base)


async def receive(
    request: Request,
    project: str,
    kind: str,
    name: str,
    filename: str,
    inspect: Callable,
    description: str,
):
    """Spool the body, inspect it, store it, record it; the version's number comes last."""
    state = request.app.state
    limit = state.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise catalog.TooLarge(limit)
    spool = catalog.Spool(state.settings.data_dir / "uploads", limit)
    try:
        async for chunk in request.stream():
            spool.write(chunk)
        spooled = spool.finish()
        meta = await run_in_threadpool(inspect, spooled.path)
        meta = {"size": spooled.size, **meta}
        if not state.bucket_ready:
            await run_in_threadpool(state.store.ensure_bucket)
            state.bucket_ready = True
        v = await run_in_threadpool(
            catalog.store_and_record,
            state.sessions,
            state.store,
            project,
            kind,
            name,
            filename,
            spooled,
            meta,
            description,
        )
    except ClientDisconnect:
        spool.discard()
        return Response(status_code=400)  # nobody reads it; nothing was stored
    finally:
        spool.discard()
    return version_out(request, v)


def ranged(store, key: str, size: int, range_: str | None, filename: str, etag: str = ""):
    """The object streamed, whole (200) or the one byte range asked for (206; 416 outside)."""
    start, end, status = 0, size - 1, 200
    m = RANGE.match(range_.strip()) if range_ else None
    if m and (m[1] or m[2]):
        if m[1]:
            start, end = int(m[1]), min(int(m[2]), size - 1) if m[2] else size - 1
        else:
            start = max(0, size - int(m[2]))
        if start >= size or start > end:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        status = 206
    length = end - start + 1
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(max(length, 0)),
        "Content-Disposition": f'attachment; filename="{filename}"',
    }
    if etag:
        headers["ETag"] = f'"{etag}"'
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    body = store.read(key, start, length) if length > 0 else iter(())
    return StreamingResponse(
        body, status_code=status, headers=headers, media_type="application/octet-stream"
    )


def router(kind: str) -> APIRouter:
    """List, get, delete and download routes for one kind (uploads are added per kind)."""
    r = APIRouter(prefix=f"/projects/{{project}}/{kind}", tags=[kind], responses=ERRORS)
    one = kind[:-1]

    @r.get("", response_model=list[ArtifactOut], summary=f"List {kind}")
    def list_all(request: Request, project: str = Depends(valid_project)):
        with request.app.state.sessions() as s:
            rows = s.scalars(
                select(Artifact)
                .where(Artifact.project == project, Artifact.kind == kind)
                .options(selectinload(Artifact.versions))
                .order_by(Artifact.name)
            )
            return [artifact_out(request, a) for a in rows]

    @r.get("/{name}", response_model=ArtifactDetail, summary=f"Get a {one} and its versions")
    def get_one(
        request: Request, project: str = Depends(valid_project), name: str = Depends(valid_name)
    ):
        with request.app.state.sessions() as s:
            return artifact_out(request, catalog.artifact(s, project, kind, name), detail=True)

    @r.delete(
        "/{name}", status_code=204, summary=f"Delete a {one} and every version (409 if in use)"
    )
    def delete_one(
        request: Request, project: str = Depends(valid_project), name: str = Depends(valid_name)
    ):
        st = request.app.state
        catalog.delete_artifact(st.sessions, st.store, project, kind, name)
        return Response(status_code=204)

    @r.get("/{name}/versions/{number}", response_model=VersionOut, summary=f"Get a {one} version")
    def get_version(
        request: Request,
        number: int = Path(ge=1, le=2**31 - 1),
        project: str = Depends(valid_project),
        name: str = Depends(valid_name),
    ):
        with request.app.state.sessions() as s:
            return version_out(request, catalog.version(s, project, kind, name, number))

    @r.delete(
        "/{name}/versions/{number}",
        status_code=204,
        summary=f"Delete a {one} version (409 if in use)",
    )
    def delete_version(
        request: Request,
        number: int = Path(ge=1, le=2**31 - 1),
        project: str = Depends(valid_project),
        name: str = Depends(valid_name),
    ):
        st = request.app.state
        catalog.delete_version(st.sessions, st.store, project, kind, name, number)
        return Response(status_code=204)

    @r.get(
        "/{name}/versions/{number}/file",
        summary=f"Download a {one} version's file (HTTP Range: one byte range)",
        responses={
            200: {"content": {"application/octet-stream": {}}},
            206: {"description": "The range asked for"},
            416: {"description": "A range outside the file"},
        },
        response_class=StreamingResponse,
    )
    def download(
        request: Request,
        number: int = Path(ge=1, le=2**31 - 1),
        project: str = Depends(valid_project),
        name: str = Depends(valid_name),
        range_: str | None = Header(None, alias="range"),
    ):
        st = request.app.state
        with st.sessions() as s:
            v = catalog.version(s, project, kind, name, number)
        return ranged(st.store, v.key, v.size, range_, v.filename, v.sha256)

    return r


def uploads() -> list[APIRouter]:
    """One upload route per kind: each kind's query parameters are its metadata."""
    rs = {
        k: APIRouter(
            prefix=f"/projects/{{project}}/{k}", tags=[k], responses={**ERRORS, **UPLOAD_ERRORS}
        )
        for k in KINDS
    }
    common = dict(status_code=201, response_model=VersionOut, openapi_extra=BINARY)
    fname = Query(description="the file's name; its extension picks the format", max_length=256)
    desc = Query("", max_length=2000, description="replaces the artifact's description")

    def checked(filename: str, kind: str) -> str:
        filename = names.filename(filename)
        kinds.extension(filename, kind)
        return filename

    @rs["datasets"].post("/{name}/versions", summary="Upload a dataset version", **common)
    async def upload_dataset(
        request: Request,
        project: str = Depends(valid_project),
        name: str = Depends(valid_name),
        filename: str = fname,
        description: str = desc,
    ):
        filename = checked(filename, "datasets")
        return await receive(
            request,
            project,
            "datasets",
            name,
            filename,
            lambda p: kinds.dataset_details(p, filename),
            names.clean(description, "description"),
        )

    @rs["algorithms"].post(
        "/{name}/versions", summary="Upload training code (.py, .zip, .tar.gz)", **common
    )
    async def upload_algorithm(
        request: Request,
        project: str = Depends(valid_project),
        name: str = Depends(valid_name),
        filename: str = fname,
        description: str = desc,
        entry_point: str | None = Query(None, max_length=256, description="the script to run"),
        framework: str = Query("generic", description=", ".join(kinds.FRAMEWORKS)),
        requirements: Annotated[
            list[str] | None, Query(description="pip requirements (repeat the parameter)")
        ] = None,
    ):
        filename = checked(filename, "algorithms")
        if entry_point is not None:
            entry_point = names.clean(entry_point, "entry_point")
        reqs = [names.clean(r, "requirements") for r in requirements or []]
        return await receive(
            request,
            project,
            "algorithms",
            name,
            filename,
            lambda p: kinds.algorithm_details(p, filename, entry_point, framework, reqs),
            names.clean(description, "description"),
        )

    @rs["layers"].post("/{name}/versions", summary="Upload a user-defined layer (.py)", **common)
    async def upload_layer(
        request: Request,
        project: str = Depends(valid_project),
        name: str = Depends(valid_name),
        filename: str = fname,
        description: str = desc,
        layer_name: str | None = Query(None, max_length=200, description="the layer's class"),
    ):
        filename = checked(filename, "layers")
        if layer_name is not None:
            layer_name = names.clean(layer_name, "layer_name")
        return await receive(
            request,
            project,
            "layers",
            name,
            filename,
            lambda p: kinds.layer_details(p, filename, layer_name),
            names.clean(description, "description"),
        )

    @rs["models"].post(
        "/{name}/versions", summary="Upload a model (troupe.graph/v1 JSON or ONNX)", **common
    )
    async def upload_model(
        request: Request,
        project: str = Depends(valid_project),
        name: str = Depends(valid_name),
        filename: str = fname,
        description: str = desc,
    ):
        filename = checked(filename, "models")
        layers = await run_in_threadpool(
            catalog.latest_metadata, request.app.state.sessions, project, "layers"
        )
        return await receive(
            request,
            project,
            "models",
            name,
            filename,
            lambda p: kinds.model_details(p, filename, layers),
            names.clean(description, "description"),
        )

    return list(rs.values())
