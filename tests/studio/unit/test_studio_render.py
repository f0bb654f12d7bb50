"""Task -> TrainingJob: deterministic names, hyper-parameter env, artifacts, a valid spec."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # hack/ lives outside the package
from hack.images.catalog import IMAGES  # noqa: E402
from troupe.api.spec import validate_spec
from troupe.core.framework import get_framework
from troupe_studio.domain.render import (
    DEFAULT_IMAGES,
    RunArtifacts,
    Task,
    hp_env,
    job_name,
    render_job,
    validate_task,
)

ROLES = {
    "pytorch": [{"name": "master"}, {"name": "worker", "replicas": 2, "gpu": 1}],
    "tensorflow": [{"name": "chief"}, {"name": "worker", "replicas": 2}, {"name": "ps"}],
    "mpi": [{"name": "launcher", "cpu": "500m"}, {"name": "worker", "replicas": 2}],
    "xgboost": [{"name": "master"}, {"name": "worker", "replicas": 2}],
    "paddle": [{"name": "worker", "replicas": 2, "memory": "4Gi"}],
    "jax": [{"name": "worker", "replicas": 2}],
    "generic": [{"name": "main"}],
}
ARTIFACTS = RunArtifacts(
    dataset="s3://studio/datasets/iris/3/iris.csv",
    code="s3://studio/code/train/1/",
    model="s3://studio/models/mlp/2/model.json",
    output="s3://studio/runs/team-a/iris-mlp-r7/",
    sha256={"dataset": "a" * 64},
)


def task(framework="pytorch", **extra) -> Task:
    raw = {
        "name": "Iris MLP",
        "framework": framework,
        "roles": ROLES[framework],
        "command": ["python3", "train.py"],
        "hyperparameters": {"lr": 0.01, "epochs": 5, "optimizer": "adam", "shuffle": True},
    }
    return Task.model_validate(raw | extra)


def test_default_images_are_the_ones_hack_images_builds():
    refs = {name: image.ref for name, image in IMAGES.items()}
    assert DEFAULT_IMAGES == {f: refs["base" if f == "generic" else f] for f in DEFAULT_IMAGES}


@pytest.mark.parametrize("framework", sorted(ROLES))
def test_every_framework_renders_a_valid_spec(framework):
    job = render_job(task(framework), 7, "team-a", ARTIFACTS)
    spec, errors = validate_spec(job["spec"])
    assert errors == []
    assert get_framework(framework).validate(spec) == []  # the plugin's own role rules
    assert spec.framework == framework
    assert [r.name for r in spec.roles] == [r["name"] for r in ROLES[framework]]
    container = job["spec"]["roles"][0]["template"]["spec"]["containers"][0]
    assert container["image"] == DEFAULT_IMAGES[framework]


def test_artifacts_validate_as_the_operator_reads_them():
    spec, errors = validate_spec(render_job(task(), 7, "team-a", ARTIFACTS)["spec"])
    assert errors == []
    inputs = {i.name: i for i in spec.artifacts.inputs}
    assert {n: (i.kind, i.mount_path) for n, i in inputs.items()} == {
        "dataset": ("dataset", "/troupe/inputs/dataset"),
        "code": ("code", "/troupe/inputs/code"),
        "model": ("model", "/troupe/inputs/model"),
    }
    assert inputs["dataset"].sha256 == "a" * 64
    assert spec.artifacts.secret_name == "store-credentials"
    assert spec.artifacts.output.uri == ARTIFACTS.output


def test_artifacts_as_the_plan_writes_them():
    rendered = render_job(task(), 7, "team-a", ARTIFACTS)["spec"]["artifacts"]
    assert rendered["secretName"] == "store-credentials"
    assert rendered["inputs"][0] == {
        "name": "dataset",
        "kind": "dataset",
        "uri": "s3://studio/datasets/iris/3/iris.csv",
        "path": "/troupe/inputs/dataset",
        "sha256": "a" * 64,
    }
    assert rendered["output"] == {"uri": ARTIFACTS.output, "logs": True}
    assert "artifacts" not in render_job(task(), 7, "team-a")["spec"]


def test_names_and_labels_are_deterministic():
    a, b = render_job(task(), 7, "team-a", ARTIFACTS), render_job(task(), 7, "team-a", ARTIFACTS)
    assert a == b
    assert a["metadata"]["name"] == "iris-mlp-r7"
    assert a["metadata"]["labels"]["studio.troupe.dev/task"] == "iris-mlp"
    assert a["metadata"]["labels"]["studio.troupe.dev/run"] == "7"
    pod_labels = a["spec"]["roles"][1]["template"]["metadata"]["labels"]
    assert pod_labels["studio.troupe.dev/run"] == "7"


@pytest.mark.parametrize(
    "name, run, expected",
    [
        ("Iris MLP", 1, "iris-mlp-r1"),
        ("  ResNet_50 (v2) ", 12, "resnet-50-v2-r12"),
        ("3 layers", 1, "task-3-layers-r1"),
        ("日本語", 2, "task-r2"),
    ],
)
def test_job_names(name, run, expected):
    assert job_name(name, run) == expected


def test_long_names_keep_a_hash_so_they_stay_distinct():
    a, b = job_name("x" * 100 + "a", 1), job_name("x" * 100 + "b", 1)
    assert a != b and len(a) == len(b) <= 63
    assert validate_spec({"roles": [{"name": "m"}]})[1] == []


def test_hyperparameters_become_env():
    env = {
        e["name"]: e["value"]
        for e in hp_env({"lr": 0.01, "epochs": 5, "shuffle": True, "opt": "adam"})
    }
    assert env == {
        "TROUPE_HP_LR": "0.01",
        "TROUPE_HP_EPOCHS": "5",
        "TROUPE_HP_SHUFFLE": "true",
        "TROUPE_HP_OPT": "adam",
        "TROUPE_HPARAMS": '{"epochs": 5, "lr": 0.01, "opt": "adam", "shuffle": true}',
    }
    assert json.loads(env["TROUPE_HPARAMS"])["lr"] == 0.01


def test_resources_and_gpu():
    job = render_job(task(), 1, "team-a")
    worker = job["spec"]["roles"][1]["template"]["spec"]["containers"][0]
    assert worker["resources"] == {
        "requests": {"cpu": "1", "memory": "2Gi"},
        "limits": {"cpu": "1", "memory": "2Gi", "nvidia.com/gpu": "1"},
    }
    master = job["spec"]["roles"][0]["template"]["spec"]["containers"][0]
    assert "nvidia.com/gpu" not in master["resources"]["limits"]


BAD_TASKS = [
    ({"framework": "caffe"}, "framework", "Input should be"),
    ({"roles": []}, "roles", "at least 1 item"),
    ({"roles": [{"name": "Master"}]}, "roles[0].name", "should match pattern"),
    ({"roles": [{"name": "w", "cpu": "lots"}]}, "roles[0].cpu", "should match pattern"),
    ({"roles": [{"name": "w", "memory": "2GB"}]}, "roles[0].memory", "should match pattern"),
    ({"roles": [{"name": "w", "gpu": -1}]}, "roles[0].gpu", "greater than or equal to 0"),
    ({"command": []}, "command", "at least 1 item"),
    ({"hyperparameters": {"learning rate": 1}}, "hyperparameters", "'learning rate' is not"),
    ({"hyperparameters": {"lr": 1, "LR": 2}}, "hyperparameters", "same env name"),
    ({"hyperparameters": {"lr": [1]}}, "hyperparameters.lr", "Input should be"),
]


@pytest.mark.parametrize(
    "change, path, words", BAD_TASKS, ids=[b[1] + ":" + b[2] for b in BAD_TASKS]
)
def test_bad_tasks_name_the_field(change, path, words):
    raw = {"name": "t", "roles": [{"name": "main"}], "command": ["true"]} | change
    parsed, issues = validate_task(raw)
    assert parsed is None
    assert any(i.path.startswith(path) and words in i.message for i in issues), issues
