"""Run routes: describe, stop, delete; the live socket; results, metrics and logs.

The live socket subscribes before it replays the stored history after `after`, then sends
what comes, skipping seqs it already sent: a client that reconnects with the last seq it
saw gets everything after it exactly once.
"""

from __future__ import annotations

import asyncio
import json
import tarfile
from collections.abc import Iterator

from fastapi import (
    APIRouter,
    Depends,
    Header,
    Query,
    Request,
    Response,
    WebSocket,
    WebSocketDisconnect,
)
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse

from .. import catalog, names, runs
from ..domain.run_state import run_roles
from ..store import Store
from .artifacts import ranged, valid_project
from .auth import Caller, caller
from .schemas import ERRORS, MetricPoint, ResultFile, RunOut

CALLER = Depends(caller)
PROJECT = Depends(valid_project)
PAGE = 1000
BLOCK = 512


def valid_run(run: str) -> str:
    return names.slug(run, "run")


RUN = Depends(valid_run)


def run_row(request_or_ws, project: str, name: str):
    with request_or_ws.app.state.sessions() as s:
        return runs.get(s, project, name)


def described(st, api, project: str, name: str) -> dict:
    """runs.describe, each role with what it waits for (from the run's own manifest)."""
    out = runs.describe(st.sessions, st.history, api, project, name)
    with st.sessions() as s:
        spec = runs.get(s, project, name).manifest["spec"]
    return {**out, "roles": run_roles(spec, out["roles"])}


def result_files(store: Store, prefix: str) -> list[tuple[str, str, int]]:
    """(path under the run's prefix, key, size) of each result object."""
    return [(key.removeprefix(prefix), key, size) for key, size in store.sizes(prefix)]


def metric_points(entries: list[dict]) -> list[dict]:
    return [
        {"step": e["step"], "name": k, "value": v, "time": e["time"], "pod": e["pod"]}
        for e in entries
        for k, v in e["values"].items()
    ]


def pages(history, run_id: int, types: tuple[str, ...]) -> Iterator[dict]:
    after = 0
    while batch := history.stored(run_id, after, types, PAGE):
        yield from batch
        after = batch[-1]["seq"]


def tar_member(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mode = size, 0o644
    return info.tobuf(format=tarfile.PAX_FORMAT)


def padding(size: int) -> bytes:
    return b"\0" * (-size % BLOCK)


def router() -> APIRouter:
    r = APIRouter(prefix="/projects/{project}/runs", tags=["runs"], responses=ERRORS)

    @r.get("/{run}", response_model=RunOut, summary="A run: phase, pods, timings, events")
    async def get_run(request: Request, project: str = PROJECT, run: str = RUN, who=CALLER):
        st = request.app.state
        return await run_in_threadpool(described, st, who.api_client, project, run)

    @r.post("/{run}/stop", response_model=RunOut, summary="Stop a run (its job is suspended)")
    async def stop_run(request: Request, project: str = PROJECT, run: str = RUN, who=CALLER):
        st = request.app.state
        if not await run_in_threadpool(runs.stop, st.sessions, who.api_client, project, run):
            raise catalog.Conflict(f"run {run!r} has no TrainingJob any more")
        return await run_in_threadpool(described, st, who.api_client, project, run)

    @r.delete("/{run}", status_code=204, summary="Delete a run: its job, results and history")
    async def delete_run(request: Request, project: str = PROJECT, run: str = RUN, who=CALLER):
        st = request.app.state
        await run_in_threadpool(
            runs.remove, st.sessions, st.history, who.api_client, st.store, project, run
        )
        return Response(status_code=204)

    @r.get("/{run}/results", response_model=list[ResultFile], summary="The run's result files")
    def list_results(request: Request, project: str = PROJECT, run: str = RUN):
        st = request.app.state
        prefix = runs.output_prefix(run_row(request, project, run), st.store.bucket)
        return [ResultFile(path=p, size=n) for p, _, n in result_files(st.store, prefix)]

    @r.get(
        "/{run}/results.tar",
        summary="The whole run as one streamed tar: results, metrics.json, logs",
        response_class=StreamingResponse,
        responses={200: {"content": {"application/x-tar": {}}}},
    )
    def results_tar(request: Request, project: str = PROJECT, run: str = RUN):
        st = request.app.state
        row = run_row(request, project, run)
        files = result_files(st.store, runs.output_prefix(row, st.store.bucket))
        metrics = json.dumps(metric_points(list(pages(st.history, row.id, ("metric",))))).encode()

        def body() -> Iterator[bytes]:
            for path, key, size in files:
                yield tar_member(f"{row.name}/{path}", size)
                yield from st.store.read(key) if size else ()
                yield padding(size)
            yield tar_member(f"{row.name}/studio/metrics.json", len(metrics))
            yield metrics + padding(len(metrics))
            logs: dict[str, list[bytes]] = {}
            for e in pages(st.history, row.id, ("log",)):
                logs.setdefault(e["pod"], []).append(e["line"].encode() + b"\n")
            for pod, lines in sorted(logs.items()):
                text = b"".join(lines)
                yield tar_member(f"{row.name}/studio/logs/{pod}.log", len(text))
                yield text + padding(len(text))
            yield b"\0" * (2 * BLOCK)

        headers = {"Content-Disposition": f'attachment; filename="{row.name}.tar"'}
        return StreamingResponse(body(), media_type="application/x-tar", headers=headers)

    @r.get(
        "/{run}/results/{path:path}",
        summary="One result file (HTTP Range: one byte range)",
        response_class=StreamingResponse,
        responses={200: {"content": {"application/octet-stream": {}}}, 206: {}, 416: {}},
    )
    def get_result(
        request: Request,
        path: str,
        project: str = PROJECT,
        run: str = RUN,
        range_: str | None = Header(None, alias="range"),
    ):
        st = request.app.state
        if ".." in path.split("/") or path.startswith("/"):
            raise names.Invalid("path", "path: no '..' or leading '/'", "path")
        prefix = runs.output_prefix(run_row(request, project, run), st.store.bucket)
        found = {p: (k, n) for p, k, n in result_files(st.store, prefix)}
        if path not in found:
            raise catalog.NotFound(f"run {run!r} has no result {path!r}")
        key, size = found[path]
        return ranged(st.store, key, size, range_, path.rsplit("/", 1)[-1])

    @r.get("/{run}/metrics", response_model=list[MetricPoint], summary="Every metric point")
    def get_metrics(request: Request, project: str = PROJECT, run: str = RUN):
        row = run_row(request, project, run)
        return metric_points(list(pages(request.app.state.history, row.id, ("metric",))))

    @r.get(
        "/{run}/logs/{pod}",
        summary="A pod's log, as the service followed it",
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    def get_log(request: Request, pod: str, project: str = PROJECT, run: str = RUN):
        row = run_row(request, project, run)
        if pod not in row.pods:
            raise catalog.NotFound(f"run {run!r} has no pod {pod!r}")
        lines = (
            e["line"] + "\n"
            for e in pages(request.app.state.history, row.id, ("log",))
            if e["pod"] == pod
        )
        return PlainTextResponse("".join(lines))

    @r.websocket("/{run}/live")
    async def live(
        websocket: WebSocket,
        project: str,
        run: str,
        after: int = Query(0, ge=0),
        _who: Caller = CALLER,
    ):
        try:
            project, run = names.slug(project, "project"), names.slug(run, "run")
            row = await run_in_threadpool(run_row, websocket, project, run)
        except (names.Invalid, catalog.NotFound) as exc:
            # refused as HTTP, before the upgrade, so clients see the status and the detail (a
            # close before accept would reach them as a bare 403)
            status = 404 if isinstance(exc, catalog.NotFound) else 422
            await websocket.send_denial_response(
                JSONResponse({"detail": str(exc)}, status_code=status)
            )
            return
        await websocket.accept()
        await follow(websocket, websocket.app.state.history, row.id, after)

    return r


async def follow(ws: WebSocket, history, run_id: int, after: int) -> None:
    viewer = history.subscribe(run_id)
    closed = asyncio.ensure_future(_closed(ws))
    try:
        last = after
        while batch := await run_in_threadpool(history.stored, run_id, last, (), PAGE):
            for item in batch:
                await ws.send_json(item)
            last = batch[-1]["seq"]
        while True:
            got = asyncio.ensure_future(viewer.queue.get())
            done, _ = await asyncio.wait({got, closed}, return_when=asyncio.FIRST_COMPLETED)
            if closed in done:
                got.cancel()
                return
            item = got.result()
            if viewer.overflowed:
                await ws.close(code=1013, reason=f"too far behind; reconnect with after={last}")
                return
            if item["seq"] > last:
                await ws.send_json(item)
                last = item["seq"]
    except (WebSocketDisconnect, RuntimeError, OSError):  # the client went mid-send
        return
    finally:
        closed.cancel()
        history.unsubscribe(run_id, viewer)


async def _closed(ws: WebSocket) -> None:
    """Returns when the client goes (what it sends is ignored)."""
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
    except (WebSocketDisconnect, RuntimeError):
        return
