"""Every example manifest is a job its framework accepts and renders pods for."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from troupe.api.spec import parse_spec
from troupe.core import naming, render
from troupe.core.framework import InstanceContext, JobContext, apply_defaults, get_framework

EXAMPLES = sorted((Path(__file__).parents[3] / "examples").glob("*/*.yaml"))


FEATURES = {"artifacts"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_validates_and_renders_every_pod(path):
    manifest = yaml.safe_load(path.read_text())
    spec = parse_spec(manifest["spec"])
    # a folder is named after its framework, or after the feature it shows (artifacts)
    assert spec.framework == path.parent.name or path.parent.name in FEATURES
    plugin = get_framework(spec.framework)
    assert plugin.validate(spec) == []
    spec = apply_defaults(spec, plugin)
    name = manifest["metadata"]["name"]
    job = JobContext(name, "default", "uid-1", spec, naming.role_hosts(name, "default", spec))
    render.render_extra_objects(job, plugin)
    for role in spec.roles:
        for index in range(role.replicas):
            pod = render.render_pod(InstanceContext(job, role.name, index), plugin)
            assert pod["spec"]["containers"][0]["image"]


def test_every_built_in_framework_has_an_example():
    assert {p.parent.name for p in EXAMPLES} >= {
        "generic",
        "pytorch",
        "tensorflow",
        "mpi",
        "xgboost",
        "paddle",
        "jax",
    }
