"""Model routes beside the artifact ones: an ONNX version's graph, drawn by the model viewer."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request

from .. import catalog
from ..domain.onnx_graph import OnnxError, onnx_view
from ..names import Invalid
from .artifacts import valid_name, valid_project
from .schemas import ERRORS, OnnxGraphOut

NOT_READABLE = {422: {"description": "The version is not ONNX, or its file does not parse"}}


def onnx_graph(store, version) -> dict:
    if version.meta.get("format") != "onnx":
        kind = version.meta.get("format") or "not ONNX"
        raise Invalid(
            "file",
            f"{version.filename} is {kind}, not an ONNX model: its file is its graph",
            "version",
        )
    try:
        return onnx_view(b"".join(store.read(version.key)), version.filename)
    except OnnxError as exc:
        raise Invalid("file", f"{version.filename}: {exc}", "version") from exc


def router() -> APIRouter:
    r = APIRouter(
        prefix="/projects/{project}/models", tags=["models"], responses={**ERRORS, **NOT_READABLE}
    )

    @r.get(
        "/{name}/versions/{number}/onnx-graph",
        response_model=OnnxGraphOut,
        response_model_exclude_none=True,
        summary="An ONNX model version's graph: ops, attributes, output shapes, edges",
    )
    def get_onnx_graph(
        request: Request,
        number: int = Path(ge=1, le=2**31 - 1),
        project: str = Depends(valid_project),
        name: str = Depends(valid_name),
    ):
        st = request.app.state
        with st.sessions() as s:
            v = catalog.version(s, project, "models", name, number)
        return onnx_graph(st.store, v)

    return r
