"""Run troupe_studio.domain.torch_build in the torch venv hack/studio-deps.sh builds.

The unit venv has no torch, so these tests go through the runner exactly as the service
does: a subprocess, a JSON request on stdin, a JSON report on stdout. Absent venv: skip,
unless TROUPE_REQUIRE_TORCH=1 (CI), which makes it a failure.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from troupe_studio.domain.torch_build import build_request, runner_command

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "hack/studio-deps.sh"
CACHE = Path(os.environ.get("TROUPE_STUDIO_CACHE", Path.home() / ".cache/troupe/studio"))


def torch_python() -> str:
    """The venv's python: TROUPE_STUDIO_TORCH_PYTHON, else the one studio-deps.sh names."""
    if explicit := os.environ.get("TROUPE_STUDIO_TORCH_PYTHON"):
        return explicit
    pins = re.search(r"^pins=\((.*)\)$", SCRIPT.read_text(), re.M).group(1).split()
    text = (ROOT / "tests/contract/requirements/torch.txt").read_text()
    digest = hashlib.sha256((text + "".join(p + "\n" for p in pins)).encode()).hexdigest()[:12]
    venv = CACHE / f"torch-{digest}"
    if not (venv / ".ok").exists():
        reason = f"{venv} missing: run hack/studio-deps.sh"
        if os.environ.get("TROUPE_REQUIRE_TORCH") == "1":
            pytest.fail(f"TROUPE_REQUIRE_TORCH=1 but {reason}")
        pytest.skip(reason)
    return str(venv / "bin/python")


def run_build(graph: dict, user_layers: dict | None = None, onnx_path: str | None = None) -> dict:
    """The runner's report for one request, as the service gets it."""
    env = os.environ | {"PYTHONPATH": str(ROOT / "studio")}
    done = subprocess.run(
        runner_command(torch_python()),
        input=build_request(graph, user_layers, onnx_path),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    report = json.loads(done.stdout)
    assert done.returncode == (0 if report["ok"] else 1), done.stderr[-2000:]
    return report
