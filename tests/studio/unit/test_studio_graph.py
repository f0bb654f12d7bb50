"""troupe.graph/v1 checks: each broken model names the node, the parameter and the rule."""

from __future__ import annotations

import pytest
from studio_graphs import CNN, MLP, RESIDUAL, SEQUENCE, chain, edit

from troupe_studio.domain.graph import validate_graph
from troupe_studio.domain.layers import BUILTIN


@pytest.mark.parametrize("graph", [MLP, CNN, RESIDUAL, SEQUENCE], ids=lambda g: g["name"])
def test_valid_models_pass(graph):
    parsed, issues = validate_graph(graph)
    assert issues == []
    assert parsed.order()[-1] == graph["outputs"][0]


def _set(path, value):
    def change(g):
        *head, last = path
        target = g
        for p in head:
            target = target[p]
        target[last] = value

    return change


def _add_node(node_id, layer, params, sources):
    def change(g):
        g["nodes"].append({"id": node_id, "layer": layer, "params": params})
        g["edges"] += [{"from": s, "to": node_id} for s in sources]

    return change


CASES = [
    # (case, graph, path, words in the message)
    (
        "unknown layer",
        edit(MLP, _set(["nodes", 1, "layer"], "Relu")),
        "nodes[1].layer",
        ["'act'", "unknown layer type 'Relu'"],
    ),
    (
        "missing parameter",
        edit(MLP, lambda g: g["nodes"][2]["params"].pop("out_features")),
        "nodes[2].params.out_features",
        ["'fc2'", "needs parameter 'out_features'"],
    ),
    (
        "extra parameter",
        edit(MLP, _set(["nodes", 0, "params", "units"], 3)),
        "nodes[0].params.units",
        ["'fc1'", "no parameter 'units'", "in_features"],
    ),
    (
        "wrong type",
        edit(MLP, _set(["nodes", 2, "params", "out_features"], "3")),
        "nodes[2].params.out_features",
        ["'fc2'", "must be an integer"],
    ),
    (
        "bool is no integer",
        edit(MLP, _set(["nodes", 2, "params", "out_features"], True)),
        "nodes[2].params.out_features",
        ["must be an integer, not a boolean"],
    ),
    (
        "below minimum",
        edit(MLP, _set(["nodes", 2, "params", "out_features"], 0)),
        "nodes[2].params.out_features",
        ["'fc2'", "below the minimum 1"],
    ),
    (
        "above maximum",
        edit(CNN, _set(["nodes", 7, "params", "p"], 1.5)),
        "nodes[7].params.p",
        ["'drop'", "above the maximum 1"],
    ),
    (
        "enum",
        edit(SEQUENCE, _set(["nodes", 3, "params", "approximate"], "erf")),
        "nodes[3].params.approximate",
        ["'gelu'", "'erf' is not one of"],
    ),
    (
        "array item",
        edit(RESIDUAL, _set(["nodes", 5, "params", "shape"], [6, -2])),
        "nodes[5].params.shape[1]",
        ["'shape'", "below the minimum -1"],
    ),
    (
        "duplicate id",
        edit(MLP, _set(["nodes", 2, "id"], "fc1")),
        "nodes[2].id",
        ["duplicate id 'fc1'"],
    ),
    (
        "id clashes with input",
        edit(MLP, _set(["nodes", 0, "id"], "x")),
        "nodes[0].id",
        ["duplicate id 'x' (already an input)"],
    ),
    (
        "edge from nowhere",
        edit(MLP, _set(["edges", 1, "from"], "ghost")),
        "edges[1].from",
        ["'ghost' is no node id or input name"],
    ),
    (
        "edge to nowhere",
        edit(MLP, _set(["edges", 1, "to"], "ghost")),
        "edges[1].to",
        ["'ghost' is no node id"],
    ),
    (
        "edge into an input",
        edit(MLP, lambda g: g["edges"].append({"from": "fc1", "to": "x"})),
        "edges[3].to",
        ["is a model input"],
    ),
    ("output not a node", edit(MLP, _set(["outputs"], ["x"])), "outputs[0]", ["no node id"]),
    (
        "cycle",
        edit(MLP, lambda g: g["edges"].append({"from": "fc2", "to": "fc1"})),
        "nodes[0]",
        ["cycle: fc1 -> act -> fc2 -> fc1"],
    ),
    (
        "self loop",
        edit(RESIDUAL, lambda g: g["edges"].append({"from": "sum", "to": "sum"})),
        "nodes[2]",
        ["cycle: sum -> sum"],
    ),
    (
        "unconnected node",
        edit(MLP, _add_node("lost", "ReLU", {}, [])),
        "nodes[3]",
        ["'lost'", "takes 1 inputs, has 0"],
    ),
    (
        "dead end",
        edit(MLP, _add_node("side", "ReLU", {}, ["act"])),
        "nodes[3]",
        ["'side' does not lead to any output"],
    ),
    (
        "unused input",
        edit(MLP, lambda g: g["inputs"].append({"name": "y", "shape": [None, 2]})),
        "inputs[1]",
        ["input 'y' is not used"],
    ),
    (
        "Add needs two",
        edit(RESIDUAL, lambda g: g["edges"].pop(3)),
        "nodes[2]",
        ["'sum'", "Add takes 2 or more inputs, has 1"],
    ),
    (
        "Concat needs two",
        edit(RESIDUAL, lambda g: g["edges"].__delitem__(slice(5, 7))),
        "nodes[3]",
        ["'cat'", "Concat takes 2 or more inputs, has 1"],
    ),
    (
        "two into Linear",
        edit(MLP, lambda g: g["edges"].append({"from": "x", "to": "fc2"})),
        "nodes[2]",
        ["'fc2'", "Linear takes 1 inputs, has 2"],
    ),
    (
        "duplicate port",
        edit(RESIDUAL, _set(["edges", 5, "port"], 0)),
        "edges[5].port",
        ["node 'cat' already has an input on port 0"],
    ),
    ("port gap", edit(RESIDUAL, _set(["edges", 6, "port"], 5)), "nodes[3]", ["ports must be 0..2"]),
    (
        "odd id",
        edit(MLP, _set(["nodes", 1, "id"], "act\u200b")),
        "nodes[1].id",
        ["is not a valid id"],
    ),
    (
        "long id",
        edit(MLP, _set(["nodes", 1, "id"], "a" * 65)),
        "nodes[1].id",
        ["is not a valid id"],
    ),
    ("invisible name", edit(MLP, _set(["name"], "m\u202e")), "name", ["U+202E"]),
    ("long name", edit(MLP, _set(["name"], "m" * 129)), "name", ["at most 128"]),
    ("empty name", edit(MLP, _set(["name"], "  ")), "name", ["must not be empty"]),
    (
        "bad size",
        edit(MLP, _set(["inputs", 0, "shape"], [None, 0])),
        "inputs[0].shape[1]",
        ["input 'x'", "only the first, batch dimension"],
    ),
    ("missing field", edit(MLP, lambda g: g.pop("outputs")), "outputs", ["Field required"]),
    ("extra field", edit(MLP, _set(["nodes", 0, "kind"], "x")), "nodes[0].kind", ["Extra inputs"]),
    ("wrong format", edit(MLP, _set(["format"], "troupe.graph/v2")), "format", ["troupe.graph/v1"]),
    (
        "view-only op",
        edit(MLP, _set(["nodes", 1, "layer"], "onnx:Relu")),
        "nodes[1].layer",
        ["view-only"],
    ),
]


@pytest.mark.parametrize("graph, path, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_models_name_the_fault(graph, path, words):
    parsed, issues = validate_graph(graph)
    assert parsed is None
    hits = [i for i in issues if i.path == path]
    assert hits, issues
    assert any(all(w in h.message for w in words) for h in hits), hits


def test_every_issue_is_reported_not_just_the_first():
    graph = edit(MLP, _set(["nodes", 0, "params"], {"in_features": 0}))
    paths = {i.path for i in validate_graph(graph)[1]}
    assert paths == {"nodes[0].params.in_features", "nodes[0].params.out_features"}


def test_view_only_graph_accepts_onnx_ops():
    graph = edit(MLP, _set(["nodes", 1, "layer"], "onnx:Relu"))
    graph["view_only"] = True
    assert validate_graph(graph)[1] == []


def test_port_order_decides_concat_inputs():
    parsed, _ = validate_graph(RESIDUAL)
    assert parsed.node_inputs()["cat"] == ["sum", "x", "b"]


def test_user_layer_catalog_extends_builtins():
    from troupe_studio.domain.layers import LayerType

    scale = LayerType("Scale", {"factor": {"type": "number", "default": 1.0}}, source="user")
    graph = chain(("s", "Scale", {"factor": 2.0}))
    assert validate_graph(graph)[1][0].message == "node 's': unknown layer type 'Scale'"
    assert validate_graph(graph, BUILTIN | {"Scale": scale})[1] == []


def test_chain_of_2000_nodes_validates():
    graph = chain(*[(f"n{i}", "ReLU", {}) for i in range(2000)])
    assert validate_graph(graph)[1] == []
