"""The model-structure format troupe.graph/v1 and its checks (docs/studio-model-format.md).

A model is named inputs, nodes (a layer type and its params) and edges between them. The
checks are pure so the service can refuse a broken model before any torch process starts;
every issue names the node id and the parameter at fault.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from troupe_studio.domain.issues import Issue
from troupe_studio.domain.layers import BUILTIN, LayerType, check_params

FORMAT = "troupe.graph/v1"
ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
ID_RULE = "1-64 ASCII letters, digits, '_', '.', '-', starting with a letter or '_'"
MAX_NAME = 128
MAX_NODES = 2000
VIEW_PREFIX = "onnx:"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Input(_Model):
    name: str
    shape: list[int | None] = Field(min_length=1, max_length=8)
    dtype: Literal["float32", "int64"] = "float32"


class Node(_Model):
    id: str
    layer: str
    params: dict[str, Any] = Field(default_factory=dict)


class Edge(_Model):
    source: str = Field(alias="from")
    to: str
    port: int | None = Field(default=None, ge=0, le=63)


class Graph(_Model):
    format: Literal["troupe.graph/v1"] = FORMAT
    name: str
    inputs: list[Input] = Field(min_length=1, max_length=16)
    nodes: list[Node] = Field(min_length=1, max_length=MAX_NODES)
    edges: list[Edge] = Field(default_factory=list, max_length=4 * MAX_NODES)
    outputs: list[str] = Field(min_length=1, max_length=16)
    view_only: bool = Field(default=False, description="Imported (ONNX): shown, never built.")

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_defaults=False)

    def node_inputs(self) -> dict[str, list[str]]:
        """Each node's sources in port order (ports first, then edge order)."""
        into: dict[str, list[tuple[int, int, str]]] = {n.id: [] for n in self.nodes}
        for k, e in enumerate(self.edges):
            into.setdefault(e.to, []).append((e.port if e.port is not None else 64, k, e.source))
        return {n: [s for _, _, s in sorted(v)] for n, v in into.items()}

    def order(self) -> list[str]:
        """Node ids, each after every node it reads (Kahn's algorithm, declared order kept)."""
        inputs = self.node_inputs()
        waiting = {n: sum(1 for s in srcs if s in inputs) for n, srcs in inputs.items()}
        readers: dict[str, list[str]] = {}
        for n, srcs in inputs.items():
            for s in srcs:
                readers.setdefault(s, []).append(n)
        ready = deque(n.id for n in self.nodes if waiting[n.id] == 0)
        order: list[str] = []
        while ready:
            node = ready.popleft()
            order.append(node)
            for r in readers.get(node, []):
                waiting[r] -= 1
                if waiting[r] == 0:
                    ready.append(r)
        if len(order) != len(inputs):
            raise ValueError(f"cycle among {sorted(set(inputs) - set(order))}")
        return order


def validate_graph(
    raw: Any, layers: Mapping[str, LayerType] | None = None
) -> tuple[Graph | None, list[Issue]]:
    """Parse and check a model; never raises. `layers`: the catalog (built-in + user)."""
    catalog = BUILTIN if layers is None else layers
    try:
        graph = Graph.model_validate(raw)
    except ValidationError as exc:
        return None, [_pydantic_issue(e) for e in exc.errors()]
    issues = _name_issues(graph)
    ids = _id_issues(graph, issues)
    issues += _edge_issues(graph, ids)
    if issues:
        return None, issues
    issues += _layer_issues(graph, catalog)
    issues += _cycle_issues(graph)
    if not issues:
        issues += _reach_issues(graph)
    return (None if issues else graph), issues


def _name_issues(graph: Graph) -> list[Issue]:
    name = graph.name
    if not name.strip():
        return [Issue("name", "must not be empty")]
    if len(name) > MAX_NAME:
        return [Issue("name", f"is {len(name)} characters; at most {MAX_NAME}")]
    if unicodedata.normalize("NFC", name) != name:
        return [Issue("name", "must be NFC-normalized unicode")]
    for ch in name:
        if unicodedata.category(ch)[0] == "C":
            return [Issue("name", f"has a control or invisible character U+{ord(ch):04X}")]
    return []


def _id_issues(graph: Graph, issues: list[Issue]) -> dict[str, str]:
    """Checks input names and node ids; returns id -> 'an input' | 'a node'."""
    seen: dict[str, str] = {}
    entries = [(f"inputs[{i}].name", x.name, "an input") for i, x in enumerate(graph.inputs)]
    entries += [(f"nodes[{i}].id", n.id, "a node") for i, n in enumerate(graph.nodes)]
    for at, ident, kind in entries:
        if not ID.match(ident):
            issues.append(Issue(at, f"{ident[:80]!r} is not a valid id: {ID_RULE}"))
        elif ident in seen:
            issues.append(Issue(at, f"duplicate id {ident!r} (already {seen[ident]})"))
        else:
            seen[ident] = kind
    for i, x in enumerate(graph.inputs):
        for d, size in enumerate(x.shape):
            batch = d == 0 and size in (-1, None)
            if not batch and (size is None or size < 1):
                issues.append(
                    Issue(
                        f"inputs[{i}].shape[{d}]",
                        f"input {x.name!r}: {size} is not a size >= 1 (only the first, "
                        "batch dimension may be -1 or null)",
                    )
                )
    return seen


def _edge_issues(graph: Graph, ids: dict[str, str]) -> list[Issue]:
    issues = []
    ports: dict[str, set[int]] = {}
    seen: set[tuple[str, str, int | None]] = set()
    for k, e in enumerate(graph.edges):
        at = f"edges[{k}]"
        if e.source not in ids:
            issues.append(Issue(f"{at}.from", f"{e.source!r} is no node id or input name"))
        if e.to not in ids:
            issues.append(Issue(f"{at}.to", f"{e.to!r} is no node id"))
        elif ids[e.to] == "an input":
            issues.append(Issue(f"{at}.to", f"{e.to!r} is a model input; edges end at nodes"))
        if (e.source, e.to, e.port) in seen:
            issues.append(Issue(at, f"duplicate edge {e.source} -> {e.to}"))
        seen.add((e.source, e.to, e.port))
        if e.port is not None:
            if e.port in ports.setdefault(e.to, set()):
                issues.append(
                    Issue(f"{at}.port", f"node {e.to!r} already has an input on port {e.port}")
                )
            ports[e.to].add(e.port)
    for j, out in enumerate(graph.outputs):
        if ids.get(out) != "a node":
            issues.append(Issue(f"outputs[{j}]", f"{out!r} is no node id"))
    if len(set(graph.outputs)) != len(graph.outputs):
        issues.append(Issue("outputs", "lists a node twice"))
    return issues


def _layer_issues(graph: Graph, catalog: Mapping[str, LayerType]) -> list[Issue]:
    issues = []
    inputs = graph.node_inputs()
    node_ports: dict[str, list[int]] = {}
    for e in graph.edges:
        if e.port is not None:
            node_ports.setdefault(e.to, []).append(e.port)
    for i, node in enumerate(graph.nodes):
        at = f"nodes[{i}]"
        if node.layer.startswith(VIEW_PREFIX):
            if not graph.view_only:
                issues.append(
                    Issue(f"{at}.layer", f"node {node.id!r}: {node.layer} is view-only (imported)")
                )
            continue
        layer = catalog.get(node.layer)
        if layer is None:
            issues.append(
                Issue(f"{at}.layer", f"node {node.id!r}: unknown layer type {node.layer!r}")
            )
            continue
        issues += [
            Issue(p.path, f"node {node.id!r}: {p.message}")
            for p in check_params(layer, node.params, f"{at}.params")
        ]
        n = len(inputs[node.id])
        lo, hi = layer.min_inputs, layer.max_inputs
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" if lo == hi else f"{lo} or more" if hi is None else f"{lo} to {hi}"
            issues.append(
                Issue(f"{at}", f"node {node.id!r}: {layer.name} takes {want} inputs, has {n}")
            )
        ports = sorted(node_ports.get(node.id, []))
        if ports and ports != list(range(n)):
            issues.append(
                Issue(f"{at}", f"node {node.id!r}: ports must be 0..{n - 1} (got {ports})")
            )
    return issues


def _cycle_issues(graph: Graph) -> list[Issue]:
    """Each cycle found by a depth-first walk, named by its nodes in order."""
    succ: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for e in graph.edges:
        if e.source in succ:
            succ[e.source].append(e.to)
    state: dict[str, int] = {}
    stack: list[str] = []
    found: list[Issue] = []
    index = {n.id: i for i, n in enumerate(graph.nodes)}

    def walk(start: str) -> None:
        todo = [(start, iter(succ[start]))]
        state[start], stack[:] = 1, [start]
        while todo:
            node, it = todo[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                todo.pop()
                stack.pop()
            elif state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt]
                first = min(cycle[:-1], key=index.__getitem__)
                found.append(Issue(f"nodes[{index[first]}]", "cycle: " + " -> ".join(cycle)))
            elif nxt not in state:
                state[nxt] = 1
                stack.append(nxt)
                todo.append((nxt, iter(succ[nxt])))

    for n in graph.nodes:
        if n.id not in state:
            walk(n.id)
    return found


def _reach_issues(graph: Graph) -> list[Issue]:
    """Every node fed (from an input) and feeding an output; every input used."""
    succ: dict[str, list[str]] = {}
    pred: dict[str, list[str]] = {}
    for e in graph.edges:
        succ.setdefault(e.source, []).append(e.to)
        pred.setdefault(e.to, []).append(e.source)
    fed = _closure([i.name for i in graph.inputs], succ)
    feeds = _closure(graph.outputs, pred)
    issues = []
    for i, x in enumerate(graph.inputs):
        if x.name not in succ:
            issues.append(Issue(f"inputs[{i}]", f"input {x.name!r} is not used by any node"))
    for i, n in enumerate(graph.nodes):
        if n.id not in fed:
            issues.append(Issue(f"nodes[{i}]", f"node {n.id!r} is not connected to any input"))
        elif n.id not in feeds:
            issues.append(Issue(f"nodes[{i}]", f"node {n.id!r} does not lead to any output"))
    return issues


def _closure(start: list[str], nxt: dict[str, list[str]]) -> set[str]:
    seen, todo = set(start), list(start)
    while todo:
        for m in nxt.get(todo.pop(), []):
            if m not in seen:
                seen.add(m)
                todo.append(m)
    return seen


def _pydantic_issue(error: dict) -> Issue:
    path = ""
    for part in error["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return Issue(path or "(model)", error["msg"])
