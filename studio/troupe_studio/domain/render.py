"""A Studio task and one of its runs -> the TrainingJob manifest the operator runs.

Names and labels are a function of the task and run alone, so rendering a run twice gives
the same object (a retried submit is an update, not a second job). Hyper-parameters reach
the training code as env: one TROUPE_HP_<NAME> each and all of them in TROUPE_HPARAMS.
Artifacts go into spec.artifacts as docs/studio-plan.md describes.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from troupe_studio.domain.issues import Issue

API_VERSION = "troupe.dev/v1alpha1"
TASK_LABEL = "studio.troupe.dev/task"
RUN_LABEL = "studio.troupe.dev/run"
GPU = "nvidia.com/gpu"
Framework = Literal["pytorch", "tensorflow", "mpi", "xgboost", "paddle", "jax", "generic"]
# The images hack/images builds (catalog.py); a test keeps this table equal to it.
DEFAULT_IMAGES: dict[str, str] = {
    "pytorch": "localhost/troupe/pytorch:2.15.0",
    "tensorflow": "localhost/troupe/tensorflow:2.21.0",
    "mpi": "localhost/troupe/mpi:4.1.2",
    "xgboost": "localhost/troupe/xgboost:3.2.0",
    "paddle": "localhost/troupe/paddle:3.3.1",
    "jax": "localhost/troupe/jax:0.10.2",
    "generic": "localhost/troupe/base:bookworm",
}
# The container each framework plugin sets its env on (frameworks/*.py `container`).
CONTAINERS: dict[str, str] = {
    "pytorch": "pytorch",
    "tensorflow": "tensorflow",
    "mpi": "mpi",
    "xgboost": "xgboost",
    "paddle": "paddle",
    "jax": "jax",
    "generic": "main",
}
DNS_1035 = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"
CPU = r"^([1-9][0-9]{0,3}(\.[0-9]{1,3})?|0\.[0-9]{1,3}|[1-9][0-9]{0,6}m)$"
MEMORY = r"^[1-9][0-9]{0,6}(Ki|Mi|Gi|Ti|k|M|G|T)?$"
HP_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
INPUT_PATH = "/troupe/inputs"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TaskRole(_Model):
    name: str = Field(max_length=63, pattern=DNS_1035)
    replicas: int = Field(default=1, ge=0, le=1000)
    cpu: str = Field(default="1", pattern=CPU, description="Kubernetes quantity: 2, 0.5, 500m.")
    memory: str = Field(default="2Gi", pattern=MEMORY, description="e.g. 512Mi, 4Gi.")
    gpu: int = Field(default=0, ge=0, le=64)


class Task(_Model):
    name: str = Field(min_length=1, max_length=128)
    framework: Framework = "generic"
    roles: list[TaskRole] = Field(min_length=1, max_length=16)
    image: str | None = Field(default=None, max_length=512, pattern=r"^[^\s]+$")
    command: list[str] = Field(min_length=1, max_length=256)
    working_dir: str | None = Field(default=None, pattern=r"^/[^\x00-\x1f]*$")
    hyperparameters: dict[str, str | int | float | bool] = Field(default_factory=dict)

    @field_validator("hyperparameters")
    @classmethod
    def _names(cls, hps: dict[str, Any]) -> dict[str, Any]:
        seen: dict[str, str] = {}
        for name in hps:
            if not HP_NAME.match(name):
                raise ValueError(f"hyper-parameter {name!r} is not an identifier (A-Z a-z 0-9 _)")
            if name.upper() in seen:
                raise ValueError(f"{name!r} and {seen[name.upper()]!r} give the same env name")
            seen[name.upper()] = name
        return hps


class RunArtifacts(_Model):
    """s3:// URIs of the run's inputs and output prefix; the Secret holds the credentials."""

    secret_name: str = "store-credentials"
    dataset: str | None = None
    code: str | None = None
    model: str | None = None
    output: str | None = None
    sha256: dict[str, str] = Field(default_factory=dict, description="input name -> checksum")


def validate_task(raw: Any) -> tuple[Task | None, list[Issue]]:
    """Parse a task as the service stores it; every problem with its path."""
    try:
        return Task.model_validate(raw), []
    except ValidationError as exc:
        issues = []
        for e in exc.errors():
            path = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in e["loc"])
            issues.append(Issue(path.replace(".[", "["), e["msg"].removeprefix("Value error, ")))
        return None, issues


def job_name(task_name: str, run: int) -> str:
    """A DNS-1035 name from the task's name and run number, e.g. `mnist-cnn-r3`."""
    slug = re.sub(r"[^a-z0-9]+", "-", task_name.lower()).strip("-")
    if not slug or not slug[0].isalpha():
        slug = f"task-{slug}".rstrip("-")
    suffix = f"-r{run}"
    room = 63 - len(suffix)
    if len(slug) > room:  # keep it unique: a hash of the whole name in place of the cut tail
        digest = hashlib.sha256(task_name.encode()).hexdigest()[:8]
        slug = slug[: room - 9].rstrip("-") + "-" + digest
    return slug + suffix


def default_output_uri(bucket: str, namespace: str, name: str) -> str:
    return f"s3://{bucket}/runs/{namespace}/{name}/"


def hp_env(hyperparameters: dict[str, Any]) -> list[dict[str, str]]:
    """TROUPE_HP_<NAME> per hyper-parameter, then TROUPE_HPARAMS with them all as JSON."""
    env = [
        {"name": f"TROUPE_HP_{k.upper()}", "value": _env_value(v)}
        for k, v in sorted(hyperparameters.items())
    ]
    env.append({"name": "TROUPE_HPARAMS", "value": json.dumps(hyperparameters, sort_keys=True)})
    return env


def render_job(
    task: Task, run: int, namespace: str, artifacts: RunArtifacts | None = None
) -> dict[str, Any]:
    """The full TrainingJob manifest for run number `run` of `task`."""
    name = job_name(task.name, run)
    slug = name.removesuffix(f"-r{run}")
    labels = {
        TASK_LABEL: slug,
        RUN_LABEL: str(run),
        "app.kubernetes.io/managed-by": "troupe-studio",
    }
    container = {
        "name": CONTAINERS[task.framework],
        "image": task.image or DEFAULT_IMAGES[task.framework],
        "command": list(task.command),
        "env": [
            {"name": "TROUPE_STUDIO_TASK", "value": task.name},
            {"name": "TROUPE_STUDIO_RUN", "value": str(run)},
            *hp_env(task.hyperparameters),
        ],
    }
    if task.working_dir:
        container["workingDir"] = task.working_dir
    roles = []
    for role in task.roles:
        requests = {"cpu": role.cpu, "memory": role.memory}
        limits = dict(requests) | ({GPU: str(role.gpu)} if role.gpu else {})
        pod = {
            "metadata": {"labels": dict(labels)},
            "spec": {
                "containers": [container | {"resources": {"requests": requests, "limits": limits}}]
            },
        }
        roles.append({"name": role.name, "replicas": role.replicas, "template": pod})
    spec: dict[str, Any] = {"framework": task.framework, "roles": roles}
    if artifacts is not None:
        spec["artifacts"] = render_artifacts(artifacts)
    return {
        "apiVersion": API_VERSION,
        "kind": "TrainingJob",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": spec,
    }


def render_artifacts(artifacts: RunArtifacts) -> dict[str, Any]:
    """spec.artifacts: one input per given URI (named by its kind), the output prefix."""
    inputs = []
    for kind in ("dataset", "code", "model"):
        uri = getattr(artifacts, kind)
        if uri is None:
            continue
        item = {"name": kind, "kind": kind, "uri": uri, "path": f"{INPUT_PATH}/{kind}"}
        if kind in artifacts.sha256:
            item["sha256"] = artifacts.sha256[kind]
        inputs.append(item)
    out: dict[str, Any] = {"secretName": artifacts.secret_name, "inputs": inputs}
    if artifacts.output:
        out["output"] = {"uri": artifacts.output, "logs": True}
    return out


def _env_value(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def with_pod_spec(manifest: dict[str, Any], pod_spec: dict[str, Any]) -> dict[str, Any]:
    """A copy whose every role's pod spec has `pod_spec` merged in: the deployment's
    placement (nodeSelector, tolerations, ...); maps are merged, lists appended."""
    job = json.loads(json.dumps(manifest))
    for role in job["spec"]["roles"]:
        spec = role["template"].setdefault("spec", {})
        for key, value in pod_spec.items():
            if isinstance(value, dict):
                spec[key] = {**spec.get(key, {}), **value}
            elif isinstance(value, list):
                spec[key] = [*spec.get(key, []), *value]
            else:
                spec[key] = value
    return job


def with_env(manifest: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """A copy whose every training container also gets `env` (e.g. TROUPE_MAX_STEPS)."""
    job = json.loads(json.dumps(manifest))
    for role in job["spec"]["roles"]:
        for container in role["template"]["spec"]["containers"]:
            container["env"] = [*container.get("env", []), *map(_pair, sorted(env.items()))]
    return job


def _pair(item: tuple[str, str]) -> dict[str, str]:
    return {"name": item[0], "value": item[1]}


# The one role a short validation run of each framework's code starts (its plugin's names).
VALIDATION_ROLE: dict[str, str] = {
    "pytorch": "master",
    "tensorflow": "chief",
    "mpi": "launcher",
    "xgboost": "master",
    "paddle": "worker",
    "jax": "worker",
    "generic": "main",
}


def without_restarts(manifest: dict[str, Any]) -> dict[str, Any]:
    """A copy whose roles never restart a pod: a validation run ends at its first failure."""
    job = json.loads(json.dumps(manifest))
    for role in job["spec"]["roles"]:
        role["restartPolicy"] = "Never"
    return job
