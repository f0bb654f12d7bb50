"""The torch builder's report (domain.torch_build) in the API's shape for a model version.

Issues there name a path in the graph (`nodes[3].params.out_features`); the API names the
node by its id and the parameter by its name, so a page can point at both.
"""

from __future__ import annotations

import re
from typing import Any

NODE_PATH = re.compile(r"^nodes\[(\d+)\](?:\.params\.([A-Za-z_][A-Za-z0-9_]*))?")


def issue_at(graph: dict[str, Any], issue: dict[str, str]) -> dict[str, str]:
    """{node, param, message} of one issue; node "" when it is about the graph as a whole."""
    path = issue.get("path", "")
    node, param = "", ""
    if m := NODE_PATH.match(path):
        nodes = graph.get("nodes") if isinstance(graph, dict) else None
        index = int(m[1])
        if isinstance(nodes, list) and index < len(nodes) and isinstance(nodes[index], dict):
            node = str(nodes[index].get("id", ""))
        param = m[2] or ""
    elif path and not path.startswith(("nodes", "edges", "inputs", "outputs")):
        node = path  # the builder names a node or a layer file directly
    return {"node": node, "param": param, "message": issue.get("message", "")}


def model_validation(graph: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
    """{ok, parameters, layers: [{id, type, outputShape}], issues: [{node, param, message}]}."""
    return {
        "ok": bool(report.get("ok")),
        "parameters": (report.get("parameters") or {}).get("total"),
        "layers": [
            {"id": n["id"], "type": n["layer"], "outputShape": n.get("output_shape")}
            for n in report.get("nodes") or []
        ],
        "issues": [issue_at(graph, i) for i in report.get("issues") or []],
        "torch": report.get("torch"),
    }
