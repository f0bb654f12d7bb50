"""Small real ONNX models for Studio's tests, built with the onnx library (no torch needed)."""

from __future__ import annotations

import onnx
from onnx import TensorProto, helper

OPSET = [helper.make_opsetid("", 17)]


def tiny_classifier() -> bytes:
    """x [N, 4] -> MatMul (weights 4x3) -> Add (bias) -> Relu -> Softmax(axis=1) -> y [N, 3]."""
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["xw"], name="fc/MatMul"),
        helper.make_node("Add", ["xw", "b"], ["logits"], name="fc/Add"),
        helper.make_node("Relu", ["logits"], ["h"]),  # unnamed: the viewer names it
        helper.make_node("Softmax", ["h"], ["y"], name="soft", axis=1),
    ]
    g = helper.make_graph(
        nodes, "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
        [helper.make_tensor("w", TensorProto.FLOAT, [4, 3], [0.5] * 12),
         helper.make_tensor("b", TensorProto.FLOAT, [3], [0.0] * 3)],
    )  # fmt: skip
    model = helper.make_model(g, opset_imports=OPSET)
    onnx.checker.check_model(model)
    return model.SerializeToString()


def empty_model() -> bytes:
    """A model without a single op: onnx's checker passes it, there is no graph to draw."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    return helper.make_model(
        helper.make_graph([], "empty", [x], [x]), opset_imports=OPSET
    ).SerializeToString()
