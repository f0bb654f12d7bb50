"""Paddle's launcher forms a collective job from the env the paddle plugin renders."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import manifest, script

pytestmark = pytest.mark.contract


def test_launcher_on_master_and_worker_runs_one_collective(python_of, cluster, tmp_path):
    python = python_of("paddle")
    pods = cluster(manifest("paddle", {"master": 1, "worker": 1}))
    for pod in pods.pods:
        log_dir = tmp_path / pod.name
        pods.start(
            pod,
            [python, "-m", "paddle.distributed.launch", "--log_dir", str(log_dir),
             script("paddle_allreduce.py")],
            extra_env={"PADDLE_DISTRI_BACKEND": "gloo"},
        )  # fmt: skip
    codes = pods.wait_all(timeout=240)
    assert set(codes.values()) == {0}, f"{codes}\n{pods.logs()}\n{worker_logs(tmp_path)}"
    results = [json.loads(line) for line in trainer_lines(tmp_path)]
    assert sorted(r["rank"] for r in results) == [0, 1]
    assert all(r["world"] == 2 and r["sum"] == 3.0 for r in results)


def trainer_lines(root: Path) -> list[str]:
    return [
        line
        for log in sorted(root.glob("*/workerlog.*"))
        for line in log.read_text().splitlines()
        if re.match(r"^\{.*\"rank\"", line)
    ]


def worker_logs(root: Path) -> str:
    return "\n".join(f"== {p}\n{p.read_text()[-2000:]}" for p in sorted(root.glob("*/*log*")))
