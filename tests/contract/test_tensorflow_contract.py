"""TensorFlow reads the TF_CONFIG the tensorflow plugin renders, and trains across workers."""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import last_json, manifest, run_pods, script

pytestmark = pytest.mark.contract


def test_cluster_resolver_reads_every_tasks_tf_config(python_of, cluster):
    pods = cluster(manifest("tensorflow", {"chief": 1, "ps": 2, "worker": 2, "evaluator": 1}))
    configs = [p.env["TF_CONFIG"] for p in pods.pods]
    done = subprocess.run(
        [python_of("tensorflow"), script("tf_resolve.py")],
        input=json.dumps(configs), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    resolved = last_json(done.stdout)
    port = ":2222"
    expected_cluster = {
        role: [f"train-{role}-{i}.train-{role}.team-a.svc{port}" for i in range(n)]
        for role, n in {"chief": 1, "worker": 2, "ps": 2}.items()
    }
    for pod, got in zip(pods.pods, resolved, strict=True):
        assert got["cluster"] == expected_cluster
        assert got["task"] == [pod.role, pod.index]
        expected_master = None if pod.role == "evaluator" else f"{pod.host}{port}"
        assert got["master"] == expected_master


def test_multi_worker_mirrored_strategy_all_reduces_across_two_workers(python_of, cluster):
    pods = cluster(manifest("tensorflow", {"worker": 2}))
    results = run_pods(pods, [python_of("tensorflow"), script("tf_multiworker.py")], timeout=240)
    assert sorted(r["task"]["index"] for r in results.values()) == [0, 1]
    assert all(r["replicas"] == 2 and r["sum"] == 3.0 for r in results.values())
