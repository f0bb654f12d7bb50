"""An ONNX model as the viewer draws it: each op's name, type and output shapes where known."""

from __future__ import annotations

import pytest
from onnx import TensorProto, helper
from onnx_models import OPSET, empty_model, tiny_classifier  # tests/studio

from troupe_studio.domain.graph import validate_graph
from troupe_studio.domain.onnx_graph import OnnxError, graph_from_onnx, onnx_view


def test_each_op_has_its_type_name_and_inferred_output_shape():
    view = onnx_view(tiny_classifier(), "tiny")
    assert [(n["id"], n["op_type"], n["name"], n["output_shapes"]) for n in view["nodes"]] == [
        ("fc_MatMul", "MatMul", "fc/MatMul", [[None, 3]]),  # inferred: not in the file
        ("fc_Add", "Add", "fc/Add", [[None, 3]]),
        ("Relu_2", "Relu", "", [[None, 3]]),
        ("soft", "Softmax", "soft", [[None, 3]]),  # the model's declared output
    ]
    # the graph under the extras is graph_from_onnx's, which validate_graph accepts
    plain = graph_from_onnx(tiny_classifier(), "tiny")
    assert [{k: n[k] for k in ("id", "layer", "params")} for n in view["nodes"]] == plain["nodes"]
    assert validate_graph(plain)[1] == []


def test_an_op_onnx_does_not_know_has_no_shape_and_the_rest_keep_theirs():
    nodes = [
        helper.make_node("Relu", ["x"], ["h"], name="relu"),
        helper.make_node("Mystery", ["h"], ["y"], name="odd", domain="example.custom"),
    ]
    g = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )  # fmt: skip
    opsets = [*OPSET, helper.make_opsetid("example.custom", 1)]
    view = onnx_view(helper.make_model(g, opset_imports=opsets).SerializeToString())
    got = {n["id"]: (n["layer"], n["domain"], n["output_shapes"]) for n in view["nodes"]}
    assert got == {
        "relu": ("onnx:Relu", "", [[2, 5]]),
        "odd": ("onnx:example.custom.Mystery", "example.custom", [None]),
    }


@pytest.mark.parametrize(
    "data, why",
    [(b"\x00 not protobuf", "not an ONNX model"), (empty_model(), "the ONNX graph has no nodes")],
)
def test_bytes_without_a_graph_to_draw_say_why(data, why):
    with pytest.raises(OnnxError, match=why):
        onnx_view(data)
