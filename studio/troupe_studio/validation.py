"""Validating versions: a model graph built with torch in a subprocess, the outcome stored.

The service never imports torch: the builder runs under TROUPE_STUDIO_TORCH_PYTHON
(domain.torch_build), with the project's user layer files as sources, so a bad layer file
cannot take the service down. The result is a `validations` row of the version.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from sqlalchemy import select

from . import catalog
from .db import Artifact, Validation, Version
from .domain.model_report import model_validation
from .domain.torch_build import build_request, runner_command, torch_python
from .names import Invalid

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # the dir holding troupe_studio
TIMEOUT_S = 300


def read_all(store, key: str) -> bytes:
    return b"".join(store.read(key))


def user_layer_sources(sessions, store, project: str) -> dict[str, str]:
    """file name -> source of each of the project's layers (newest version)."""
    with sessions() as s:
        arts = s.scalars(
            select(Artifact).where(Artifact.project == project, Artifact.kind == "layers")
        )
        newest = [a.versions[-1] for a in arts if a.versions]
        wanted = [(v.filename, v.key) for v in newest]
    return {name: read_all(store, key).decode("utf-8", "replace") for name, key in wanted}


def run_builder(graph: dict, sources: dict[str, str]) -> dict:
    env = os.environ | {"PYTHONPATH": str(PACKAGE_ROOT)}
    done = subprocess.run(
        runner_command(torch_python(os.environ)),
        input=build_request(graph, sources),
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT_S,
    )
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        tail = (done.stderr or "").strip().splitlines()[-1:] or ["no output"]
        return {"ok": False, "issues": [{"path": "", "message": f"builder failed: {tail[0]}"}]}


def validate_model(sessions, store, project: str, name: str, number: int) -> dict:
    with sessions() as s:
        v = catalog.version(s, project, "models", name, number)
        key, fmt, version_id = v.key, v.meta.get("format"), v.id
    if fmt not in (None, "troupe.graph/v1", "graph"):
        raise Invalid("number", f"version {number} is {fmt}, not a troupe.graph/v1 model: "
                      "only graphs are built", "path")  # fmt: skip
    try:
        graph = json.loads(read_all(store, key))
    except ValueError as exc:
        raise Invalid("number", f"version {number} is not JSON: {exc}", "path") from exc
    sources = user_layer_sources(sessions, store, project)
    try:
        report = run_builder(graph, sources)
    except (OSError, subprocess.TimeoutExpired) as exc:
        report = {"ok": False, "issues": [{"path": "", "message": f"builder: {exc}"}]}
    result = model_validation(graph, report)
    record(sessions, version_id, result)
    return result


def record(sessions, version_id: int, result: dict) -> None:
    with sessions() as s:
        s.add(Validation(version_id=version_id, ok=result["ok"], result=result))
        s.commit()


def latest(sessions, version: Version) -> dict | None:
    with sessions() as s:
        row = s.scalar(
            select(Validation)
            .where(Validation.version_id == version.id)
            .order_by(Validation.id.desc())
            .limit(1)
        )
        return row.result if row else None
