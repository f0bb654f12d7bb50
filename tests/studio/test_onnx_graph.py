"""An uploaded ONNX model's graph over real HTTP, S3 and a database: its ops, their attributes
and output shapes, the edges between them; a clear 422 for a model that is not ONNX or whose
graph cannot be drawn, and 404 for a version that does not exist."""

from __future__ import annotations

import json

from onnx_models import empty_model, tiny_classifier

from troupe_studio.domain.graph import validate_graph

GRAPH = "/models/{name}/versions/{number}/onnx-graph"


def upload(api, name, filename, body):
    got = api.post(f"/models/{name}/versions", params={"filename": filename}, content=body)
    assert got.status_code == 201, got.text
    return got.json()["number"]


def test_an_onnx_models_graph_has_its_ops_attributes_shapes_and_edges(api):
    n = upload(api, "tiny", "tiny.onnx", tiny_classifier())
    got = api.get(GRAPH.format(name="tiny", number=n))
    assert got.status_code == 200, got.text
    g = got.json()
    assert (g["format"], g["name"], g["view_only"]) == ("troupe.graph/v1", "tiny.onnx", True)
    assert g["inputs"] == [{"name": "x", "shape": [None, 4], "dtype": "float32"}]
    nodes = {node["id"]: node for node in g["nodes"]}
    assert [(v["op_type"], v["name"], v["output_shapes"]) for v in nodes.values()] == [
        ("MatMul", "fc/MatMul", [[None, 3]]),
        ("Add", "fc/Add", [[None, 3]]),
        ("Relu", "", [[None, 3]]),
        ("Softmax", "soft", [[None, 3]]),
    ]
    assert list(nodes) == ["fc_MatMul", "fc_Add", "Relu_2", "soft"]
    assert nodes["soft"]["params"] == {"axis": 1} and nodes["soft"]["layer"] == "onnx:Softmax"
    assert nodes["fc_MatMul"]["params"] == {"initializers": {"w": [4, 3]}}
    assert g["edges"] == [
        {"from": "x", "to": "fc_MatMul"},
        {"from": "fc_MatMul", "to": "fc_Add"},
        {"from": "fc_Add", "to": "Relu_2"},
        {"from": "Relu_2", "to": "soft"},
    ]
    assert g["outputs"] == ["soft"]
    drawn = {**g, "nodes": [{k: v[k] for k in ("id", "layer", "params")} for v in g["nodes"]]}
    assert validate_graph(drawn)[1] == []  # what the viewer draws is a valid view-only graph


def test_a_graph_json_model_is_not_onnx_and_says_so(api):
    doc = {
        "format": "troupe.graph/v1",
        "name": "lin",
        "inputs": [{"name": "x", "shape": [None, 4]}],
        "nodes": [{"id": "fc", "layer": "Linear", "params": {"in_features": 4, "out_features": 2}}],
        "edges": [{"from": "x", "to": "fc"}],
        "outputs": ["fc"],
    }
    n = upload(api, "lin", "lin.json", json.dumps(doc).encode())
    got = api.get(GRAPH.format(name="lin", number=n))
    assert got.status_code == 422, got.text
    (issue,) = got.json()["detail"]
    assert issue["loc"] == ["version", "file"]
    assert "lin.json is troupe.graph/v1, not an ONNX model" in issue["msg"]


def test_an_onnx_model_without_ops_is_refused_naming_why(api):
    n = upload(api, "empty", "empty.onnx", empty_model())  # onnx's checker passes it
    got = api.get(GRAPH.format(name="empty", number=n))
    assert got.status_code == 422, got.text
    assert got.json()["detail"][0]["msg"] == "empty.onnx: the ONNX graph has no nodes"


def test_a_missing_model_or_version_is_404(api):
    assert api.get(GRAPH.format(name="nothing", number=1)).status_code == 404
    upload(api, "tiny", "tiny.onnx", tiny_classifier())
    missing = api.get(GRAPH.format(name="tiny", number=2))
    assert missing.status_code == 404 and "version 2" in missing.json()["detail"]
