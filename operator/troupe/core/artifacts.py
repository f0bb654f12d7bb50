"""A pod's artifacts: the init container that fetches its inputs, the sidecar that uploads
its results, the volumes between them and the training containers, and what each reported.

The two containers run `troupe artifacts fetch|upload` from the operator's own image and
report in their termination message (JSON), which the kubelet copies into the pod's status:
the operator reads results from there, so it never talks to the store to know them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from troupe.api.spec import Artifacts, Input, Output

# The operator's own image; `troupe-operator --artifacts-image` (or its env) sets it.
IMAGE = "ghcr.io/troupe-dev/troupe-operator:0.1.0"
FETCH = "troupe-fetch"
UPLOAD = "troupe-upload"
INPUTS_VOLUME = "troupe-inputs"
OUTPUT_VOLUME = "troupe-output"
INPUTS_DIR = "/troupe-artifacts/inputs"  # where the fetcher writes, in its own container
OUTPUT_DIR = "/troupe-artifacts/output"  # where the uploader reads
MANIFEST = "troupe-manifest.json"  # written last under <uri><pod>/: the upload is complete
# Secret key -> env var of the two containers
CREDENTIALS = {
    "endpoint": "TROUPE_STORE_ENDPOINT",
    "region": "TROUPE_STORE_REGION",
    "accessKey": "TROUPE_STORE_ACCESS_KEY",
    "secretKey": "TROUPE_STORE_SECRET_KEY",
}
OPTIONAL_CREDENTIALS = {"region"}
# Grace after the training containers end (or a deletion) for the upload to finish.
UPLOAD_GRACE_SECONDS = 300


def env_name(input_name: str) -> str:
    return "TROUPE_INPUT_" + input_name.upper().replace("-", "_")


def inputs_for(artifacts: Artifacts | None, role: str) -> list[Input]:
    if artifacts is None:
        return []
    return [i for i in artifacts.inputs if i.roles is None or role in i.roles]


def output_for(artifacts: Artifacts | None, role: str) -> Output | None:
    output = artifacts.output if artifacts else None
    if output is None or (output.roles is not None and role not in output.roles):
        return None
    return output


def is_directory(item: Input) -> bool:
    """A prefix, or code (an archive or a script becomes a directory to run in)."""
    return item.is_prefix or item.kind == "code"


def result_prefix(output: Output, pod: str) -> str:
    return output.uri.rstrip("/") + f"/{pod}/"


def fetch_request(inputs: list[Input]) -> str:
    """What the fetcher reads from its env: each input and the name it writes it under."""
    return json.dumps(
        [
            {"name": i.name, "uri": i.uri, "sha256": i.sha256, "directory": is_directory(i)}
            for i in inputs
        ],
        separators=(",", ":"),
    )


def add_artifacts(pod: dict, artifacts: Artifacts | None, role: str) -> dict:
    """Add the fetcher, the uploader and their volumes to a rendered pod (in place)."""
    inputs, output = inputs_for(artifacts, role), output_for(artifacts, role)
    if not inputs and output is None:
        return pod
    spec = pod["spec"]
    pod_name = pod["metadata"]["name"]
    containers = spec.get("containers") or []
    added_init, volumes = [], []
    if inputs:
        volumes.append({"name": INPUTS_VOLUME, "emptyDir": {}})
        added_init.append(_fetcher(artifacts, inputs))
        for container in containers:
            _mount_inputs(container, inputs)
    if output is not None:
        volumes.append({"name": OUTPUT_VOLUME, "emptyDir": {}})
        added_init.append(_uploader(artifacts, output, pod_name))
        for container in containers:
            _mount(container, {"name": OUTPUT_VOLUME, "mountPath": output.path})
            _env(container, {"TROUPE_OUTPUT_DIR": output.path})
        grace = spec.get("terminationGracePeriodSeconds") or 30
        spec["terminationGracePeriodSeconds"] = max(grace, UPLOAD_GRACE_SECONDS)
    spec["initContainers"] = added_init + list(spec.get("initContainers") or [])
    spec["volumes"] = list(spec.get("volumes") or []) + volumes
    return pod


def _credentials(artifacts: Artifacts) -> list[dict]:
    return [
        {
            "name": env,
            "valueFrom": {
                "secretKeyRef": {
                    "name": artifacts.secret_name,
                    "key": key,
                    **({"optional": True} if key in OPTIONAL_CREDENTIALS else {}),
                }
            },
        }
        for key, env in CREDENTIALS.items()
    ]


def _fetcher(artifacts: Artifacts, inputs: list[Input]) -> dict:
    return {
        "name": FETCH,
        "image": IMAGE,
        "command": ["troupe", "artifacts", "fetch", "--dir", INPUTS_DIR],
        "env": [{"name": "TROUPE_ARTIFACTS_INPUTS", "value": fetch_request(inputs)}]
        + _credentials(artifacts),
        "volumeMounts": [{"name": INPUTS_VOLUME, "mountPath": INPUTS_DIR}],
        "terminationMessagePolicy": "File",
    }


def _uploader(artifacts: Artifacts, output: Output, pod: str) -> dict:
    """A native sidecar (restartPolicy Always): it starts before the training containers
    and the kubelet stops it, with SIGTERM, only once they have all ended."""
    command = ["troupe", "artifacts", "upload", "--dir", OUTPUT_DIR]
    return {
        "name": UPLOAD,
        "image": IMAGE,
        "restartPolicy": "Always",
        "command": [*command, "--to", result_prefix(output, pod)],
        "env": _credentials(artifacts),
        "volumeMounts": [{"name": OUTPUT_VOLUME, "mountPath": OUTPUT_DIR}],
        "terminationMessagePolicy": "File",
    }


def _mount_inputs(container: dict, inputs: list[Input]) -> None:
    env = {}
    for item in inputs:
        _mount(
            container,
            {
                "name": INPUTS_VOLUME,
                "mountPath": item.mount_path,
                "subPath": item.name,
                "readOnly": True,
            },
        )
        env[env_name(item.name)] = item.mount_path
        if item.kind == "code":
            container.setdefault("workingDir", item.mount_path)
            env["PYTHONPATH"] = _joined(container, "PYTHONPATH", item.mount_path)
    _env(container, env)


def _joined(container: dict, name: str, path: str) -> str:
    """`path` ahead of what the container already sets (a code input's dir comes first)."""
    current = next((e.get("value") for e in container.get("env") or [] if e["name"] == name), "")
    return f"{path}:{current}" if current else path


def _mount(container: dict, mount: dict) -> None:
    container["volumeMounts"] = list(container.get("volumeMounts") or []) + [mount]


def _env(container: dict, env: dict[str, str]) -> None:
    """Set env vars; PYTHONPATH is replaced (it was joined), others a user set are kept."""
    current = list(container.get("env") or [])
    present = {e.get("name") for e in current}
    for name, value in env.items():
        if name == "PYTHONPATH" and name in present:
            current = [e for e in current if e.get("name") != name]
        elif name in present:
            continue
        current.append({"name": name, "value": value})
    container["env"] = current


@dataclass(frozen=True, slots=True)
class Report:
    """What a fetcher or an uploader said when it ended: `ok`, and its JSON body."""

    ok: bool
    body: dict

    @property
    def error(self) -> str:
        return self.body.get("error") or ""


def read_report(message: str, exit_code: int | None) -> Report | None:
    """A termination message; None if there is none (yet) or it is not ours."""
    if exit_code is None or not message:
        return None
    try:
        body = json.loads(message)
    except ValueError:
        body = {"error": message.strip()[:500]}
    if not isinstance(body, dict):
        return None
    return Report(ok=exit_code == 0 and not body.get("error"), body=body)
