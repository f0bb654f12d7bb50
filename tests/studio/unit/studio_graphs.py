"""Small models in troupe.graph/v1 the tests share."""

from __future__ import annotations

import copy


def chain(*nodes: tuple[str, str, dict], shape=(None, 4), name="m") -> dict:
    """x -> nodes[0] -> nodes[1] -> ...; the last node is the output."""
    edges, prev = [], "x"
    for node_id, _, _ in nodes:
        edges.append({"from": prev, "to": node_id})
        prev = node_id
    return {
        "format": "troupe.graph/v1",
        "name": name,
        "inputs": [{"name": "x", "shape": list(shape)}],
        "nodes": [{"id": i, "layer": t, "params": p} for i, t, p in nodes],
        "edges": edges,
        "outputs": [prev],
    }


MLP = chain(
    ("fc1", "Linear", {"in_features": 4, "out_features": 8}),
    ("act", "ReLU", {}),
    ("fc2", "Linear", {"in_features": 8, "out_features": 3}),
)

CNN = chain(
    ("conv1", "Conv2d", {"in_channels": 1, "out_channels": 8, "kernel_size": 3, "padding": 1}),
    ("bn1", "BatchNorm2d", {"num_features": 8}),
    ("relu1", "ReLU", {}),
    ("pool1", "MaxPool2d", {"kernel_size": 2}),
    ("conv2", "Conv2d", {"in_channels": 8, "out_channels": 16, "kernel_size": 3}),
    ("pool2", "AvgPool2d", {"kernel_size": 2}),
    ("flat", "Flatten", {}),
    ("drop", "Dropout", {"p": 0.2}),
    ("fc", "Linear", {"in_features": 16 * 6 * 6, "out_features": 10}),
    ("soft", "Softmax", {"dim": 1}),
    shape=(-1, 1, 28, 28),
    name="small cnn",
)

RESIDUAL = {
    "format": "troupe.graph/v1",
    "name": "residual",
    "inputs": [{"name": "x", "shape": [None, 16]}],
    "nodes": [
        {"id": "a", "layer": "Linear", "params": {"in_features": 16, "out_features": 16}},
        {"id": "b", "layer": "Tanh", "params": {}},
        {"id": "sum", "layer": "Add", "params": {}},
        {"id": "cat", "layer": "Concat", "params": {"dim": 1}},
        {"id": "norm", "layer": "LayerNorm", "params": {"normalized_shape": 48}},
        {"id": "shape", "layer": "Reshape", "params": {"shape": [6, 8]}},
    ],
    "edges": [
        {"from": "x", "to": "a"},
        {"from": "a", "to": "b"},
        {"from": "b", "to": "sum"},
        {"from": "x", "to": "sum"},
        {"from": "sum", "to": "cat", "port": 0},
        {"from": "x", "to": "cat", "port": 1},
        {"from": "b", "to": "cat", "port": 2},
        {"from": "cat", "to": "norm"},
        {"from": "norm", "to": "shape"},
    ],
    "outputs": ["shape"],
}

SEQUENCE = {
    "format": "troupe.graph/v1",
    "name": "sequence",
    "inputs": [{"name": "tokens", "shape": [None, 7], "dtype": "int64"}],
    "nodes": [
        {"id": "emb", "layer": "Embedding", "params": {"num_embeddings": 50, "embedding_dim": 12}},
        {"id": "lstm", "layer": "LSTM", "params": {"input_size": 12, "hidden_size": 8}},
        {"id": "attn", "layer": "MultiheadAttention", "params": {"embed_dim": 8, "num_heads": 2}},
        {"id": "gelu", "layer": "GELU", "params": {"approximate": "tanh"}},
        {"id": "out", "layer": "Linear", "params": {"in_features": 8, "out_features": 2}},
        {"id": "sig", "layer": "Sigmoid", "params": {}},
    ],
    "edges": [
        {"from": "tokens", "to": "emb"},
        {"from": "emb", "to": "lstm"},
        {"from": "lstm", "to": "attn"},
        {"from": "attn", "to": "gelu"},
        {"from": "gelu", "to": "out"},
        {"from": "out", "to": "sig"},
    ],
    "outputs": ["sig"],
}


def edit(graph: dict, change) -> dict:
    """A deep copy of graph with change(copy) applied."""
    g = copy.deepcopy(graph)
    change(g)
    return g
