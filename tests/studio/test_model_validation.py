"""A model version validated through the API: built with real torch, the outcome stored."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

from sqlalchemy import select
from test_artifacts import MLP, upload

from troupe_studio.db import Validation

sys.path.insert(0, str(Path(__file__).parent / "unit"))
from torch_runner import torch_python  # noqa: E402


def test_a_model_is_built_with_torch_and_a_wrong_parameter_is_named(api, service, monkeypatch):
    monkeypatch.setenv("TROUPE_STUDIO_TORCH_PYTHON", torch_python())
    assert upload(api, "models", "mlp", "mlp.json", json.dumps(MLP).encode()).status_code == 201
    broken = copy.deepcopy(MLP)
    broken["nodes"][2]["params"]["in_features"] = 7
    assert upload(api, "models", "mlp", "mlp.json", json.dumps(broken).encode()).status_code == 201

    good = api.post("/models/mlp/versions/1/validate")
    assert good.status_code == 200, good.text
    report = good.json()
    assert report["ok"] and report["issues"] == []
    assert report["parameters"] == 4 * 8 + 8 + 8 * 3 + 3
    assert [(x["id"], x["type"], x["outputShape"][-1]) for x in report["layers"]] == [
        ("fc1", "Linear", 8),
        ("act", "ReLU", 8),
        ("fc2", "Linear", 3),
    ]
    bad = api.post("/models/mlp/versions/2/validate").json()
    assert not bad["ok"]
    assert [(i["node"], i["param"]) for i in bad["issues"]] == [("fc2", "in_features")], bad
    with service.app.state.sessions() as s:
        stored = sorted((v.ok, v.result["issues"] == []) for v in s.scalars(select(Validation)))
    assert stored == [(False, False), (True, True)]
    missing = api.post("/models/mlp/versions/3/validate")
    assert missing.status_code == 404
