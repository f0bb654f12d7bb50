"""The layer catalog: each layer type's parameter schema and how many inputs it takes.

Schemas are JSON-schema-like dicts (type, minimum, maximum, enum, items, default,
description) so the web page can render a form from the same data the checks use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from troupe_studio.domain.issues import Issue

SCHEMA_TYPES = ("integer", "number", "boolean", "string", "array")
SCHEMA_KEYS = {"type", "minimum", "maximum", "enum", "items", "default", "description", "required"}


@dataclass(frozen=True)
class LayerType:
    """One buildable layer: name, parameter schemas, input arity (max None = any number)."""

    name: str
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    min_inputs: int = 1
    max_inputs: int | None = 1
    description: str = ""
    source: str = "torch"  # "torch" (built in) or "user" (a layer file)

    @property
    def required(self) -> list[str]:
        return [n for n, s in self.params.items() if s.get("required")]

    def schema(self) -> dict[str, Any]:
        """The JSON-schema object a form renders for this layer's params."""
        props = {n: {k: v for k, v in s.items() if k != "required"} for n, s in self.params.items()}
        return {
            "type": "object",
            "properties": props,
            "required": self.required,
            "additionalProperties": False,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "inputs": {"min": self.min_inputs, "max": self.max_inputs},
            "params": self.schema(),
        }


def _int(minimum: int | None = 1, required: bool = True, default: Any = None, desc: str = ""):
    s: dict[str, Any] = {"type": "integer", "description": desc}
    if minimum is not None:
        s["minimum"] = minimum
    if required:
        s["required"] = True
    else:
        s["default"] = default
    return s


def _num(default: float, minimum: float | None = None, maximum: float | None = None, desc=""):
    s: dict[str, Any] = {"type": "number", "default": default, "description": desc}
    if minimum is not None:
        s["minimum"] = minimum
    if maximum is not None:
        s["maximum"] = maximum
    return s


def _bool(default: bool, desc: str = "") -> dict[str, Any]:
    return {"type": "boolean", "default": default, "description": desc}


def _conv(dims: str) -> dict[str, dict[str, Any]]:
    return {
        "in_channels": _int(desc="Channels of the input."),
        "out_channels": _int(desc="Channels the layer produces."),
        "kernel_size": _int(desc=f"Side of the {dims} kernel."),
        "stride": _int(required=False, default=1),
        "padding": _int(minimum=0, required=False, default=0),
        "dilation": _int(required=False, default=1),
        "groups": _int(required=False, default=1),
        "bias": _bool(True),
    }


def _pool() -> dict[str, dict[str, Any]]:
    return {
        "kernel_size": _int(desc="Side of the pooling window."),
        "stride": _int(required=False, default=None, desc="Default: kernel_size."),
        "padding": _int(minimum=0, required=False, default=0),
    }


def _norm() -> dict[str, dict[str, Any]]:
    return {
        "num_features": _int(desc="Features (channels) of the input."),
        "eps": _num(1e-5, minimum=0),
        "momentum": _num(0.1, minimum=0, maximum=1),
        "affine": _bool(True),
    }


_DIM = {"type": "integer", "default": -1, "description": "Dimension to work along."}

BUILTIN: dict[str, LayerType] = {
    t.name: t
    for t in (
        LayerType(
            "Linear",
            {
                "in_features": _int(desc="Size of each input sample's last dimension."),
                "out_features": _int(desc="Size of each output sample's last dimension."),
                "bias": _bool(True),
            },
            description="y = xW^T + b over the last dimension.",
        ),
        LayerType("Conv1d", _conv("1-d"), description="1-d convolution over (N, C, L)."),
        LayerType("Conv2d", _conv("2-d"), description="2-d convolution over (N, C, H, W)."),
        LayerType("MaxPool2d", _pool(), description="Max over 2-d windows."),
        LayerType("AvgPool2d", _pool(), description="Average over 2-d windows."),
        LayerType("BatchNorm1d", _norm(), description="Batch normalization over (N, C[, L])."),
        LayerType("BatchNorm2d", _norm(), description="Batch normalization over (N, C, H, W)."),
        LayerType(
            "LayerNorm",
            {
                "normalized_shape": _int(desc="Size of the last dimension normalized."),
                "eps": _num(1e-5, minimum=0),
                "elementwise_affine": _bool(True),
            },
            description="Normalizes over the last dimension.",
        ),
        LayerType(
            "Dropout",
            {"p": _num(0.5, minimum=0, maximum=1, desc="Probability of zeroing an element.")},
            description="Zeroes elements at random while training.",
        ),
        LayerType("ReLU", description="max(0, x)."),
        LayerType(
            "GELU",
            {"approximate": {"type": "string", "enum": ["none", "tanh"], "default": "none"}},
            description="Gaussian error linear unit.",
        ),
        LayerType("Sigmoid", description="1 / (1 + e^-x)."),
        LayerType("Tanh", description="Hyperbolic tangent."),
        LayerType("Softmax", {"dim": _DIM}, description="Normalizes to probabilities along dim."),
        LayerType(
            "Flatten",
            {
                "start_dim": {"type": "integer", "default": 1},
                "end_dim": {"type": "integer", "default": -1},
            },
            description="Flattens dimensions start_dim..end_dim into one.",
        ),
        LayerType(
            "Embedding",
            {
                "num_embeddings": _int(desc="Size of the vocabulary."),
                "embedding_dim": _int(desc="Size of each embedding vector."),
                "padding_idx": _int(minimum=None, required=False, default=None),
            },
            description="Looks up a vector for each integer index (input dtype int64).",
        ),
        LayerType(
            "LSTM",
            {
                "input_size": _int(desc="Features of each step of the input."),
                "hidden_size": _int(desc="Features of the hidden state."),
                "num_layers": _int(required=False, default=1),
                "bias": _bool(True),
                "dropout": _num(0.0, minimum=0, maximum=1),
                "bidirectional": _bool(False),
            },
            description="LSTM over (N, L, input_size), batch first; outputs the whole sequence.",
        ),
        LayerType(
            "MultiheadAttention",
            {
                "embed_dim": _int(desc="Features of query, key and value."),
                "num_heads": _int(desc="Heads; must divide embed_dim."),
                "dropout": _num(0.0, minimum=0, maximum=1),
                "bias": _bool(True),
            },
            max_inputs=3,
            description=(
                "Attention over (N, L, embed_dim), batch first. One input: self-attention; "
                "three (ports 0, 1, 2): query, key, value. Outputs the attended sequence."
            ),
        ),
        LayerType(
            "Add", min_inputs=2, max_inputs=None, description="Sums its inputs (same shape)."
        ),
        LayerType(
            "Concat",
            {"dim": {"type": "integer", "default": 1, "description": "Dimension to join along."}},
            min_inputs=2,
            max_inputs=None,
            description="Joins its inputs along dim, in port order.",
        ),
        LayerType(
            "Reshape",
            {
                "shape": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": -1},
                    "required": True,
                    "description": "Shape of each sample (the batch dimension is kept); -1 once.",
                }
            },
            description="Reshapes each sample, keeping the batch dimension.",
        ),
    )
}


def check_value(schema: dict[str, Any], value: Any, at: str) -> list[Issue]:
    """One value against one parameter schema: type, bounds, enum, array items."""
    kind = schema.get("type")
    if value is None:
        if "default" in schema and schema["default"] is None:
            return []
        return [Issue(at, f"must be {_a(kind)}, not null")]
    ok = {
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "string": isinstance(value, str),
        "array": isinstance(value, list),
    }.get(kind, False)
    if not ok:
        return [Issue(at, f"must be {_a(kind)}, not {_a(_kind_of(value))} {value!r}")]
    if kind == "number" and not math.isfinite(value):
        return [Issue(at, f"must be a finite number, not {value!r}")]
    if "enum" in schema and value not in schema["enum"]:
        return [Issue(at, f"{value!r} is not one of {schema['enum']}")]
    if "minimum" in schema and kind in ("integer", "number") and value < schema["minimum"]:
        return [Issue(at, f"{value} is below the minimum {schema['minimum']}")]
    if "maximum" in schema and kind in ("integer", "number") and value > schema["maximum"]:
        return [Issue(at, f"{value} is above the maximum {schema['maximum']}")]
    if kind == "array":
        items = schema.get("items", {})
        return [e for i, v in enumerate(value) for e in check_value(items, v, f"{at}[{i}]")]
    return []


def check_params(layer: LayerType, params: dict[str, Any], at: str) -> list[Issue]:
    """A node's params: each known and valid, the required ones present."""
    issues = []
    for name, value in params.items():
        if name not in layer.params:
            known = ", ".join(layer.params) or "none"
            issues.append(
                Issue(f"{at}.{name}", f"{layer.name} has no parameter {name!r}; known: {known}")
            )
        else:
            issues += check_value(layer.params[name], value, f"{at}.{name}")
    for name in layer.required:
        if name not in params:
            issues.append(Issue(f"{at}.{name}", f"{layer.name} needs parameter {name!r}"))
    return issues


def with_defaults(layer: LayerType, params: dict[str, Any]) -> dict[str, Any]:
    """Params as the layer is built with them: defaults filled in."""
    full = {n: s["default"] for n, s in layer.params.items() if "default" in s}
    return full | params


def check_schema(params: Any, at: str) -> list[Issue]:
    """A declared parameter schema (a user layer's): known types and keys, valid defaults."""
    if not isinstance(params, dict):
        return [Issue(at, "must be a dict of parameter name -> schema")]
    issues = []
    for name, schema in params.items():
        here = f"{at}.{name}"
        if not isinstance(name, str) or not name.isidentifier():
            issues.append(Issue(here, f"{name!r} is not a Python identifier"))
            continue
        if not isinstance(schema, dict):
            issues.append(Issue(here, "must be a dict such as {'type': 'integer'}"))
            continue
        if schema.get("type") not in SCHEMA_TYPES:
            issues.append(Issue(f"{here}.type", f"must be one of {list(SCHEMA_TYPES)}"))
            continue
        if extra := set(schema) - SCHEMA_KEYS:
            issues.append(Issue(here, f"unknown schema keys {sorted(extra)}"))
        if "default" in schema and schema["default"] is not None:
            issues += check_value(schema, schema["default"], f"{here}.default")
        if not schema.get("required") and "default" not in schema:
            issues.append(Issue(here, "needs a default or 'required': True"))
    return issues


def _kind_of(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}.get(
        type(value), type(value).__name__
    )


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word
