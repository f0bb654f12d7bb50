"""The layer catalog's schemas and user layer files read without running them."""

from __future__ import annotations

import pytest

from troupe_studio.domain.layers import BUILTIN, check_value, with_defaults
from troupe_studio.domain.user_layers import parse_layer_file

REQUIRED = {
    "Linear", "Conv1d", "Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d",
    "LayerNorm", "Dropout", "ReLU", "GELU", "Sigmoid", "Tanh", "Softmax", "Flatten",
    "Embedding", "LSTM", "MultiheadAttention", "Add", "Concat", "Reshape",
}  # fmt: skip


def test_catalog_has_the_promised_layers():
    assert REQUIRED <= set(BUILTIN)


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_every_layer_renders_a_form_schema(name):
    schema = BUILTIN[name].to_json()
    assert schema["name"] == name and schema["params"]["type"] == "object"
    props = schema["params"]["properties"]
    for param, spec in props.items():
        assert spec["type"] in ("integer", "number", "boolean", "string", "array"), param
        if "default" in spec and spec["default"] is not None:
            assert check_value(spec, spec["default"], param) == []
    assert set(schema["params"]["required"]) <= set(props)


def test_defaults_fill_what_a_node_leaves_out():
    params = with_defaults(
        BUILTIN["Conv2d"], {"in_channels": 1, "out_channels": 4, "kernel_size": 3}
    )
    assert params["stride"] == 1 and params["padding"] == 0 and params["bias"] is True


GOOD = """
from torch import nn

TROUPE_LAYER = {
    "name": "GatedSum",
    "class": "Gate",
    "params": {
        "features": {"type": "integer", "minimum": 1, "required": True},
        "mode": {"type": "string", "enum": ["sum", "max"], "default": "sum"},
    },
    "inputs": {"min": 2, "max": None},
    "description": "Sums its inputs through a learned gate.",
}


class Gate(nn.Module):
    pass
"""


def test_user_layer_file_declares_its_schema():
    layer, issues = parse_layer_file(GOOD, "gate.py")
    assert issues == []
    assert (layer.name, layer.min_inputs, layer.max_inputs, layer.source) == (
        "GatedSum",
        2,
        None,
        "user",
    )
    assert layer.required == ["features"]
    assert layer.to_json()["params"]["properties"]["mode"]["enum"] == ["sum", "max"]


def _with(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


BAD = [
    ("syntax", GOOD + "\ndef broken(:\n", "gate.py:19", "syntax error"),
    ("no declaration", _with("TROUPE_LAYER =", "LAYER ="), "gate.py", "no top-level TROUPE_LAYER"),
    (
        "not literal",
        _with('"name": "GatedSum"', '"name": make_name()'),
        "gate.py:4.TROUPE_LAYER",
        "must be a literal dict",
    ),
    ("bad name", _with('"GatedSum"', '"gated sum"'), "gate.py:4.TROUPE_LAYER.name", "CamelCase"),
    (
        "builtin name",
        _with('"GatedSum"', '"Linear"'),
        "gate.py:4.TROUPE_LAYER.name",
        "is a built-in layer",
    ),
    (
        "missing class",
        _with('"class": "Gate"', '"class": "Gated"'),
        "gate.py:4.TROUPE_LAYER.class",
        "no top-level class 'Gated'",
    ),
    (
        "no base",
        _with("class Gate(nn.Module):", "class Gate:"),
        "gate.py:4.TROUPE_LAYER.class",
        "must subclass torch.nn.Module",
    ),
    (
        "unknown type",
        _with('"type": "string"', '"type": "text"'),
        "gate.py:4.TROUPE_LAYER.params.mode.type",
        "must be one of",
    ),
    (
        "bad default",
        _with('"default": "sum"', '"default": "min"'),
        "gate.py:4.TROUPE_LAYER.params.mode.default",
        "'min' is not one of",
    ),
    (
        "no default",
        _with(', "required": True', ""),
        "gate.py:4.TROUPE_LAYER.params.features",
        "needs a default or 'required': True",
    ),
    (
        "unknown key",
        _with('"description":', '"version": 2, "description":'),
        "gate.py:4.TROUPE_LAYER",
        "unknown keys ['version']",
    ),
    (
        "bad arity",
        _with('"max": None', '"max": 1'),
        "gate.py:4.TROUPE_LAYER.inputs.max",
        "integer >= 2",
    ),
    (
        "param name",
        _with('"features": {', '"2features": {'),
        "gate.py:4.TROUPE_LAYER.params.2features",
        "not a Python identifier",
    ),
]


@pytest.mark.parametrize("source, path, words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_layer_files_say_where(source, path, words):
    layer, issues = parse_layer_file(source, "gate.py")
    assert layer is None
    assert any(i.path == path and words in i.message for i in issues), issues


def test_layer_file_is_never_run():
    source = "import os\nos._exit(3)\n" + GOOD
    layer, issues = parse_layer_file(source, "gate.py")
    assert issues == [] and layer.name == "GatedSum"
