"""Models built with real torch in the runner subprocess: shapes, parameter counts, ONNX."""

from __future__ import annotations

import onnx
import pytest
from studio_graphs import CNN, MLP, RESIDUAL, SEQUENCE, chain, edit
from torch_runner import run_build

from troupe_studio.domain.graph import validate_graph
from troupe_studio.domain.onnx_graph import graph_from_onnx

SCALE = """
import torch
from torch import nn

TROUPE_LAYER = {
    "name": "Scale",
    "params": {"factor": {"type": "number", "default": 1.0, "minimum": 0}},
    "description": "Multiplies by a learned scalar, started at factor.",
}


class Scale(nn.Module):
    def __init__(self, factor=1.0):
        super().__init__()
        self.factor = nn.Parameter(torch.tensor(float(factor)))

    def forward(self, x):
        return x * self.factor
"""


def test_cnn_builds_runs_and_exports_onnx(tmp_path):
    path = tmp_path / "cnn.onnx"
    report = run_build(CNN, onnx_path=str(path))
    assert report["ok"], report["issues"]
    shapes = {n["id"]: n["output_shape"] for n in report["nodes"]}
    assert shapes["conv1"] == [2, 8, 28, 28]
    assert shapes["pool1"] == [2, 8, 14, 14]
    assert shapes["flat"] == [2, 576]
    assert report["outputs"] == {"soft": [2, 10]}
    # conv1 8*9+8, bn1 2*8, conv2 16*8*9+16, fc 576*10+10
    assert report["parameters"] == {"total": 80 + 16 + 1168 + 5770, "trainable": 7034}
    assert report["onnx"]["exporter"] == "dynamo" and report["onnx"]["dynamic_batch"]
    assert report["onnx"]["bytes"] == path.stat().st_size
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    view = graph_from_onnx(path.read_bytes(), "cnn")
    assert validate_graph(view)[1] == []
    assert view["inputs"] == [{"name": "x", "shape": [None, 1, 28, 28], "dtype": "float32"}]
    ops = [n["layer"] for n in view["nodes"]]
    assert ops.count("onnx:Conv") == 2 and "onnx:Softmax" in ops
    conv = next(n for n in view["nodes"] if n["layer"] == "onnx:Conv")
    assert sorted(conv["params"]["initializers"].values()) == [[8], [8, 1, 3, 3]]


@pytest.mark.parametrize(
    "graph, output, total",
    [
        (SEQUENCE, [2, 7, 2], 50 * 12 + 4 * 8 * (12 + 8 + 2) + 4 * 8 * 8 + 4 * 8 + 8 * 2 + 2),
        (RESIDUAL, [2, 6, 8], 16 * 16 + 16 + 2 * 48),
    ],
    ids=["embedding-lstm-attention", "add-concat-reshape"],
)
def test_multi_layer_models_run(graph, output, total):
    report = run_build(graph)
    assert report["ok"], report["issues"]
    assert list(report["outputs"].values()) == [output]
    assert report["parameters"]["total"] == total
    assert report["onnx"] is None


@pytest.mark.parametrize(
    "graph, path, words",
    [
        (
            edit(MLP, lambda g: g["nodes"][2]["params"].update(in_features=9)),
            "nodes[2].params.in_features",
            ["node 'fc2' (Linear)", "in_features is 9", "input [2, 8] has 8"],
        ),
        (
            edit(CNN, lambda g: g["nodes"][4]["params"].update(in_channels=3)),
            "nodes[4].params.in_channels",
            ["node 'conv2' (Conv2d)", "in_channels is 3", "has 8 in the dimension 1"],
        ),
        (
            chain(("a", "MultiheadAttention", {"embed_dim": 8, "num_heads": 3}), shape=(-1, 5, 8)),
            "nodes[0].params.num_heads",
            ["node 'a' (MultiheadAttention)", "divisible"],
        ),
        (
            chain(("r", "Reshape", {"shape": [3, 3]}), shape=(-1, 4)),
            "nodes[0]",
            ["node 'r' (Reshape) got input [2, 4] float32", "invalid for input of size 8"],
        ),
    ],
    ids=["linear-in-features", "conv-channels", "attention-heads", "reshape-size"],
)
def test_torch_errors_name_node_and_parameter(graph, path, words):
    report = run_build(graph)
    assert not report["ok"]
    [issue] = report["issues"]
    assert issue["path"] == path
    assert all(w in issue["message"] for w in words), issue["message"]


def test_user_layer_file_is_built():
    graph = chain(("fc", "Linear", {"in_features": 4, "out_features": 4}), ("s", "Scale", {}))
    report = run_build(graph, {"scale.py": SCALE})
    assert report["ok"], report["issues"]
    assert report["nodes"][1] == {
        "id": "s",
        "layer": "Scale",
        "output_shape": [2, 4],
        "parameters": 1,
    }


def test_user_layer_that_fails_to_load_is_named():
    broken = SCALE.replace("import torch\n", "import torch\nraise RuntimeError('no GPU here')\n")
    report = run_build(chain(("s", "Scale", {})), {"scale.py": broken})
    assert report["issues"] == [
        {"path": "scale.py", "message": "failed to load: RuntimeError: no GPU here"}
    ]


def test_invalid_graph_is_refused_before_torch():
    report = run_build(edit(MLP, lambda g: g["nodes"][1].update(layer="Relu")))
    assert "torch" not in report
    assert report["issues"][0]["path"] == "nodes[1].layer"


BRANCH = """
from torch import nn

TROUPE_LAYER = {"name": "Branch"}


class Branch(nn.Module):
    def forward(self, x):
        if x.sum() > 0:  # a branch on the data: torch.export cannot trace it
            return x
        return -x
"""


def test_export_failure_is_reported_after_a_good_forward(tmp_path):
    report = run_build(chain(("b", "Branch", {})), {"branch.py": BRANCH}, str(tmp_path / "b.onnx"))
    assert not report["ok"]
    assert report["outputs"] == {"b": [2, 4]}  # the forward pass itself worked
    [issue] = report["issues"]
    assert issue["path"] == "onnx" and issue["message"].startswith("export failed: "), issue


def test_view_only_graph_is_not_built():
    from troupe_studio.domain.torch_build import build  # refused before torch is imported

    graph = edit(MLP, lambda g: g.update(view_only=True))
    graph["nodes"][1]["layer"] = "onnx:Relu"
    assert build({"graph": graph})["issues"] == [
        {"path": "view_only", "message": "an imported (ONNX) graph is for viewing; it is not built"}
    ]


@pytest.mark.parametrize(
    "environ, python",
    [({"TROUPE_STUDIO_TORCH_PYTHON": "/venv/bin/python"}, "/venv/bin/python"), ({}, None)],
)
def test_request_and_command_the_service_runs(environ, python):
    import json
    import sys

    from troupe_studio.domain.torch_build import build_request, runner_command, torch_python

    chosen = torch_python(environ)
    assert chosen == (python or sys.executable)
    assert runner_command(chosen) == [chosen, "-m", "troupe_studio.domain.torch_build"]
    request = json.loads(build_request(MLP, {"a.py": "x"}, "/tmp/m.onnx"))
    assert request == {"graph": MLP, "user_layers": {"a.py": "x"}, "onnx_path": "/tmp/m.onnx"}
