"""Build a troupe.graph/v1 model with real torch, run it once, export it to ONNX.

The service never imports torch: it runs this module in a subprocess
(`python -m troupe_studio.domain.torch_build`, JSON request on stdin, JSON report on stdout)
under TROUPE_STUDIO_TORCH_PYTHON, so a user's model or layer file cannot take it down.
`build_request` and `runner_command` are the pure halves the service calls.

ONNX: torch.onnx.export(dynamo=True), the torch.export-based exporter. It is the default
since torch 2.9; the TorchScript exporter is deprecated (a DeprecationWarning on every call)
and gets no fixes. It needs onnxscript, which hack/studio-deps.sh installs beside torch.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import types
from collections.abc import Mapping
from typing import Any

from troupe_studio.domain.graph import Graph, validate_graph
from troupe_studio.domain.issues import Issue
from troupe_studio.domain.layers import BUILTIN, LayerType, with_defaults
from troupe_studio.domain.user_layers import layer_class, parse_layer_file

BATCH = 2
MODULE = "troupe_studio.domain.torch_build"
# The parameter that must match the input's size: (param, input dimension it matches).
FITS_INPUT = {
    "Linear": ("in_features", -1),
    "Conv1d": ("in_channels", 1),
    "Conv2d": ("in_channels", 1),
    "BatchNorm1d": ("num_features", 1),
    "BatchNorm2d": ("num_features", 1),
    "LayerNorm": ("normalized_shape", -1),
    "LSTM": ("input_size", -1),
    "MultiheadAttention": ("embed_dim", -1),
}


def build_request(
    graph: dict[str, Any],
    user_layers: dict[str, str] | None = None,
    onnx_path: str | None = None,
) -> str:
    """The JSON the runner reads: the graph, user layer sources by file name, ONNX target."""
    return json.dumps({"graph": graph, "user_layers": user_layers or {}, "onnx_path": onnx_path})


def torch_python(environ: Mapping[str, str]) -> str:
    """The interpreter to build with: TROUPE_STUDIO_TORCH_PYTHON, else this one."""
    return environ.get("TROUPE_STUDIO_TORCH_PYTHON") or sys.executable


def runner_command(python: str) -> list[str]:
    """argv that runs the builder under `python` (PYTHONPATH must reach troupe_studio)."""
    return [python, "-m", MODULE]


def user_catalog(sources: dict[str, str]) -> tuple[dict[str, LayerType], list[Issue]]:
    """Built-in layers plus those the user layer files declare (read with ast, not run)."""
    catalog, issues = dict(BUILTIN), []
    for filename, source in sources.items():
        layer, found = parse_layer_file(source, filename)
        issues += found
        if layer is not None:
            if layer.name in catalog:
                issues.append(Issue(filename, f"layer {layer.name!r} is declared twice"))
            catalog[layer.name] = layer
    return catalog, issues


def build(request: dict[str, Any]) -> dict[str, Any]:
    """The report for one request; torch errors become issues naming node and parameter."""
    started = time.monotonic()
    sources = request.get("user_layers") or {}
    catalog, issues = user_catalog(sources)
    graph, found = validate_graph(request.get("graph"), catalog)
    issues += found
    if graph is not None and graph.view_only:
        issues.append(
            Issue("view_only", "an imported (ONNX) graph is for viewing; it is not built")
        )
    report: dict[str, Any] = {"ok": False, "issues": [], "nodes": [], "onnx": None}
    if graph is None or issues:
        report["issues"] = [i.to_json() for i in issues]
        return report
    import torch

    report["torch"] = torch.__version__
    torch.manual_seed(0)
    model, issues = _compile(graph, catalog, sources)
    if issues:
        report["issues"] = [i.to_json() for i in issues]
        return report
    model.eval()
    args = tuple(_sample(torch, x.shape, x.dtype) for x in graph.inputs)
    t0 = time.monotonic()
    with torch.no_grad():
        shapes, issue = model.trace(args)
    report["seconds"] = {"forward": round(time.monotonic() - t0, 4)}
    report["nodes"] = [
        {
            "id": n.id,
            "layer": n.layer,
            "output_shape": shapes.get(n.id),
            "parameters": _count(model.layer(n.id).parameters()),
        }
        for n in graph.nodes
    ]
    report["parameters"] = {
        "total": _count(model.parameters()),
        "trainable": _count(p for p in model.parameters() if p.requires_grad),
    }
    if issue:
        report["issues"] = [issue.to_json()]
        return report
    report["outputs"] = {o: shapes[o] for o in graph.outputs}
    if path := request.get("onnx_path"):
        t0 = time.monotonic()
        report["onnx"], issue = _export(torch, model, args, graph, path)
        report["seconds"]["onnx"] = round(time.monotonic() - t0, 3)
        if issue:
            report["issues"] = [issue.to_json()]
            return report
    report["ok"] = True
    report["seconds"]["total"] = round(time.monotonic() - started, 3)
    return report


def _compile(graph: Graph, catalog: dict[str, LayerType], sources: dict[str, str]):
    import torch

    classes: dict[str, type] = {}
    for filename, source in sources.items():
        layer, _ = parse_layer_file(source, filename)
        module = types.ModuleType(f"troupe_user_layer_{layer.name}")
        module.__file__ = filename
        try:
            exec(compile(source, filename, "exec"), module.__dict__)
        except Exception as exc:  # the user's file: any error is theirs to fix
            return None, [Issue(filename, f"failed to load: {type(exc).__name__}: {exc}")]
        cls = module.__dict__[layer_class(source)]
        if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
            return None, [Issue(filename, f"{cls.__name__} is not a torch.nn.Module subclass")]
        classes[layer.name] = cls
    built, issues = {}, []
    for i, node in enumerate(graph.nodes):
        layer = catalog[node.layer]
        params = with_defaults(layer, node.params)
        try:
            built[node.id] = _make(node.layer, params, classes)
        except Exception as exc:  # torch's own argument checks
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            at = f"nodes[{i}].params"
            named = [p for p in layer.params if re.search(rf"\b{p}\b", message)]
            if named:
                at += f".{named[-1]}"
            issues.append(Issue(at, f"node {node.id!r} ({node.layer}): {message}"))
    if issues:
        return None, issues
    return _graph_module_class()(graph, built), []


def _make(layer: str, params: dict[str, Any], classes: dict[str, type]):
    import torch
    from torch import nn

    if layer in classes:
        return classes[layer](**params)
    if layer == "LSTM":
        return _Wrapped.lstm(nn.LSTM(batch_first=True, **params))
    if layer == "MultiheadAttention":
        return _Wrapped.attention(nn.MultiheadAttention(batch_first=True, **params))
    if layer == "Add":
        return _Wrapped.fn(lambda *xs: sum(xs[1:], xs[0]))
    if layer == "Concat":
        return _Wrapped.fn(lambda *xs: torch.cat(xs, dim=params["dim"]))
    if layer == "Reshape":
        shape = tuple(params["shape"])
        return _Wrapped.fn(lambda x: x.reshape(x.shape[0], *shape))
    return getattr(nn, layer)(**params)


class _Wrapped:
    """Modules for layers torch has no single-input, single-output nn.Module for."""

    @staticmethod
    def lstm(inner):
        return _wrapper_class()(inner, lambda m, x: m(x)[0])

    @staticmethod
    def attention(inner):
        def run(m, q, k=None, v=None):
            k = q if k is None else k
            return m(q, k, q if v is None else v, need_weights=False)[0]

        return _wrapper_class()(inner, run)

    @staticmethod
    def fn(function):
        return _wrapper_class()(None, lambda _, *xs: function(*xs))


def _wrapper_class():
    from torch import nn

    class Wrapper(nn.Module):
        def __init__(self, inner, run):
            super().__init__()
            self.inner = inner
            self._run = run

        def forward(self, *xs):
            return self._run(self.inner, *xs)

    return Wrapper


def _graph_module_class():
    from torch import nn

    class GraphModule(nn.Module):
        """The graph as one module: nodes in topological order, outputs in declared order."""

        def __init__(self, graph: Graph, built: dict[str, nn.Module]):
            super().__init__()
            self.graph = graph
            self.keys: dict[str, str] = {}
            for node in graph.nodes:
                key = re.sub(r"[^A-Za-z0-9_]", "_", node.id)
                self.keys[node.id] = (
                    key if key not in self.keys.values() else f"{key}_{len(self.keys)}"
                )
            self.nodes = nn.ModuleDict({self.keys[n]: m for n, m in built.items()})
            self.order = graph.order()
            self.sources = graph.node_inputs()
            self.input_names = [x.name for x in graph.inputs]

        def layer(self, node_id: str) -> nn.Module:
            return self.nodes[self.keys[node_id]]

        def forward(self, *inputs):
            values = dict(zip(self.input_names, inputs, strict=True))
            for node_id in self.order:
                values[node_id] = self.layer(node_id)(*[values[s] for s in self.sources[node_id]])
            outs = tuple(values[o] for o in self.graph.outputs)
            return outs[0] if len(outs) == 1 else outs

        def trace(self, inputs) -> tuple[dict[str, list[int]], Issue | None]:
            """forward, keeping every node's output shape; the first failure as an Issue."""
            values = dict(zip(self.input_names, inputs, strict=True))
            shapes: dict[str, list[int]] = {}
            index = {n.id: i for i, n in enumerate(self.graph.nodes)}
            for node_id in self.order:
                xs = [values[s] for s in self.sources[node_id]]
                try:
                    values[node_id] = self.layer(node_id)(*xs)
                except Exception as exc:  # torch's shape and dtype checks
                    node = self.graph.nodes[index[node_id]]
                    return shapes, _forward_issue(index[node_id], node, xs, exc)
                shapes[node_id] = list(values[node_id].shape)
            return shapes, None

    return GraphModule


def _forward_issue(i: int, node, xs, exc: Exception) -> Issue:
    got = ", ".join(f"{list(x.shape)} {str(x.dtype).removeprefix('torch.')}" for x in xs)
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    at = f"nodes[{i}]"
    fits = FITS_INPUT.get(node.layer)
    if fits and xs and xs[0].dim() > abs(fits[1]) - (fits[1] < 0):
        param, dim = fits
        expected, actual = node.params.get(param), xs[0].shape[dim]
        if expected is not None and expected != actual:
            where = "last dimension" if dim == -1 else f"dimension {dim}"
            return Issue(
                f"{at}.params.{param}",
                f"node {node.id!r} ({node.layer}): {param} is {expected} but its input "
                f"{list(xs[0].shape)} has {actual} in the {where}",
            )
    return Issue(at, f"node {node.id!r} ({node.layer}) got input {got}: {message}")


def _export(torch, model, args, graph: Graph, path: str):
    """ONNX with a symbolic batch dimension where the input declares one; static if that fails."""
    batch = torch.export.Dim("batch", min=1)
    dynamic = tuple({0: batch} if x.shape[0] in (-1, None) else None for x in graph.inputs)
    attempts = [dynamic, None] if any(dynamic) else [None]
    for shapes in attempts:
        try:
            program = _onnx_program(torch, model, args, graph, shapes)
        except Exception as exc:  # the exporter's own limits (an op it cannot translate)
            issue = Issue("onnx", f"export failed: {_export_reason(exc)}")
            continue
        program.save(path, external_data=False)
        opset = next((o.version for o in program.model_proto.opset_import if o.domain == ""), None)
        info = {
            "path": path,
            "bytes": os.path.getsize(path),
            "exporter": "dynamo",
            "opset": opset,
            "dynamic_batch": shapes is not None,
        }
        return info, None
    return None, issue


def _export_reason(exc: Exception) -> str:
    """The exporter's message is a page of advice; keep its summary line."""
    lines = [ln.strip() for ln in re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).splitlines()]
    summary = next((ln for ln in lines if ln.startswith("<class ")), None)
    return summary or next((ln for ln in lines if ln), type(exc).__name__)[:500]


def _onnx_program(torch, model, args, graph: Graph, dynamic_shapes):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.onnx.export(
            model,
            args,
            dynamo=True,
            input_names=[x.name for x in graph.inputs],
            output_names=list(graph.outputs),
            dynamic_shapes=None if dynamic_shapes is None else (dynamic_shapes,),  # *inputs
            external_data=False,
            verbose=False,
        )


def _sample(torch, shape: list[int | None], dtype: str):
    dims = [BATCH if (d == 0 and s in (-1, None)) else s for d, s in enumerate(shape)]
    if dtype == "int64":
        return torch.zeros(dims, dtype=torch.int64)
    return torch.randn(dims)


def _count(params) -> int:
    return sum(p.numel() for p in params)


def main() -> int:
    try:
        request = json.loads(sys.stdin.read())
    except ValueError as exc:
        report = {"ok": False, "issues": [{"path": "request", "message": f"not JSON: {exc}"}]}
    else:
        report = build(request)
    sys.stdout.write(json.dumps(report) + "\n")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
