"""An ONNX model as a view-only troupe.graph/v1 graph, so the page can draw any model.

Nodes are the ONNX ops (layer `onnx:<OpType>`, attributes as params, weight shapes under
params.initializers); edges follow tensor names from producer to consumer, the port being
the tensor's position among the consumer's inputs. Needs only the `onnx` package.
"""

from __future__ import annotations

import re
from typing import Any

from troupe_studio.domain.graph import FORMAT, VIEW_PREFIX

MAX_BYTES = 512 * 1024 * 1024
MAX_ATTRIBUTE_ITEMS = 64


class OnnxError(ValueError):
    """The bytes are not a readable ONNX model; the message says why."""


def graph_from_onnx(data: bytes, name: str = "onnx model") -> dict[str, Any]:
    """Parse ONNX bytes into a view-only graph dict (validate_graph accepts it)."""
    return _graph(_load(data), name)


def onnx_view(data: bytes, name: str = "onnx model") -> dict[str, Any]:
    """graph_from_onnx's graph, each node also with its ONNX op type, domain and name, and
    the shape of each of its outputs where the model or ONNX shape inference knows it (None
    for a tensor of unknown shape, and in a shape for a dimension without a fixed size)."""
    model = _load(data)
    graph = _graph(model, name)
    shapes = _tensor_shapes(model)
    for node, out in zip(model.graph.node, graph["nodes"], strict=True):
        out["op_type"], out["domain"], out["name"] = node.op_type, node.domain, node.name
        out["output_shapes"] = [shapes.get(t) for t in node.output]
    return graph


def _load(data: bytes):
    import onnx
    from google.protobuf.message import DecodeError

    if len(data) > MAX_BYTES:
        raise OnnxError(f"model is {len(data)} bytes; at most {MAX_BYTES}")
    try:
        model = onnx.load_model_from_string(data)
    except (DecodeError, ValueError) as exc:
        raise OnnxError(f"not an ONNX model: {exc}") from exc
    if not model.graph.node:
        raise OnnxError("the ONNX graph has no nodes")
    return model


def _tensor_shapes(model) -> dict[str, list[int | None]]:
    """Tensor name -> shape, from the model's own value infos and ONNX shape inference (which
    gives up on ops it does not know: then only the model's own)."""
    import onnx

    try:
        model = onnx.shape_inference.infer_shapes(model)
    except Exception:  # noqa: BLE001 - inference is a bonus; onnx raises several types
        pass
    g = model.graph
    out: dict[str, list[int | None]] = {}
    for vi in (*g.input, *g.value_info, *g.output):
        t = vi.type.tensor_type
        if vi.type.HasField("tensor_type") and t.HasField("shape"):
            out[vi.name] = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
    return out


def _graph(model, name: str) -> dict[str, Any]:
    g = model.graph
    weights = {t.name: list(t.dims) for t in g.initializer}
    ids = _node_ids(g.node)
    producer: dict[str, str] = {}
    inputs, used_ids = [], set()
    for vi in g.input:
        if vi.name in weights:
            continue
        ident = _unique(_safe(vi.name), used_ids)
        producer[vi.name] = ident
        inputs.append({"name": ident, "shape": _shape(vi), "dtype": _dtype(vi)})
    used_ids |= set(ids)
    for node, ident in zip(g.node, ids, strict=True):
        for out in node.output:
            producer[out] = ident
    nodes, edges = [], []
    for node, ident in zip(g.node, ids, strict=True):
        params = {a.name: _attribute(a) for a in node.attribute}
        inits = {t: weights[t] for t in node.input if t in weights}
        if inits:
            params["initializers"] = inits
        layer = VIEW_PREFIX + (f"{node.domain}." if node.domain else "") + node.op_type
        nodes.append({"id": ident, "layer": layer, "params": params})
        sources = [t for t in node.input if t in producer]
        for port, tensor in enumerate(node.input):
            if tensor in producer:
                edge = {"from": producer[tensor], "to": ident}
                if len(sources) > 1:
                    edge["port"] = port
                edges.append(edge)
    outputs = list(dict.fromkeys(producer[o.name] for o in g.output if o.name in producer))
    return {
        "format": FORMAT,
        "name": name[:128] or "onnx model",
        "view_only": True,
        "inputs": inputs,
        "nodes": nodes,
        "edges": edges,
        "outputs": outputs,
    }


def _node_ids(nodes) -> list[str]:
    used: set[str] = set()
    return [_unique(_safe(n.name or f"{n.op_type}_{i}"), used) for i, n in enumerate(nodes)]


def _safe(name: str) -> str:
    ident = re.sub(r"[^A-Za-z0-9_.-]", "_", name).lstrip(".-")[:60]
    return ident if ident and (ident[0].isalpha() or ident[0] == "_") else f"_{ident}"[:60]


def _unique(ident: str, used: set[str]) -> str:
    out, k = ident, 1
    while out in used:
        out, k = f"{ident}_{k}", k + 1
    used.add(out)
    return out


def _shape(vi) -> list[int | None]:
    dims = vi.type.tensor_type.shape.dim
    shape = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    return shape or [1]


def _dtype(vi) -> str:
    import onnx

    return "int64" if vi.type.tensor_type.elem_type == onnx.TensorProto.INT64 else "float32"


def _attribute(attr) -> Any:
    """An attribute as JSON: numbers, strings, lists; tensors and graphs by their shape only."""
    import onnx

    value = onnx.helper.get_attribute_value(attr)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, onnx.TensorProto):
        return {"tensor": list(value.dims)}
    if isinstance(value, onnx.GraphProto):
        return {"graph": value.name, "nodes": len(value.node)}
    if isinstance(value, list):
        items = [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value]
        items = [v if isinstance(v, int | float | str) else str(v) for v in items]
        return items[:MAX_ATTRIBUTE_ITEMS]
    return value if isinstance(value, int | float | str) else str(value)
