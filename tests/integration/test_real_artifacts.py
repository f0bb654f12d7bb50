"""spec.artifacts on the real node with the real store: inputs fetched from it, results and
logs uploaded to it, the job's status telling what went which way."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import subprocess
import uuid

import pytest
import yaml

from support.cluster import REPO
from support.jobs import apply
from support.realnode import BASE, pin, require, shell
from support.waiting import wait_for
from troupe.runtime import store

pytestmark = pytest.mark.realnode

XGBOOST = "localhost/troupe/xgboost:3.2.0"
OPERATOR = "localhost/troupe/operator:0.1.0"
EXAMPLE = REPO / "examples/artifacts/xgboost-from-store.yaml"


@pytest.fixture
def s3(core, namespace):
    """A client of the local store, a fresh bucket, and the Secret in the test's namespace."""
    require(core, (BASE, OPERATOR))
    secret = core.read_namespaced_secret("store-credentials", "troupe-system")
    core.create_namespaced_secret(
        namespace, {"metadata": {"name": "store-credentials"}, "data": secret.data}
    )
    data = {k: base64.b64decode(v).decode() for k, v in secret.data.items()}
    creds = store.Credentials("http://127.0.0.1:7070", data["accessKey"], data["secretKey"])
    client = store.client(creds)
    client.bucket = f"t-{uuid.uuid4().hex[:10]}"
    client.make_bucket(client.bucket)
    return client


def put(s3, key: str, data: bytes) -> None:
    s3.put_object(s3.bucket, key, io.BytesIO(data), len(data))


def get(s3, key: str) -> bytes:
    response = s3.get_object(s3.bucket, key)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def keys(s3, prefix: str) -> dict[str, int]:
    return dict(store.list_keys(s3, s3.bucket, prefix))


def example(s3, name: str, env: dict[str, str] | None = None) -> dict:
    """The example job, on this test's bucket, pinned to the real node."""
    text = EXAMPLE.read_text().replace("s3://examples/", f"s3://{s3.bucket}/")
    doc = pin(yaml.safe_load(text))
    doc["metadata"]["name"] = name
    doc["spec"]["artifacts"]["output"]["uri"] = f"s3://{s3.bucket}/runs/{name}/"
    main = doc["spec"]["roles"][0]["template"]["spec"]["containers"][0]
    main["env"] = [{"name": k, "value": v} for k, v in (env or {}).items()]
    return doc


def upload_example_inputs(s3) -> None:
    put(s3, "iris/data.csv", (REPO / "examples/artifacts/data.csv").read_bytes())
    put(s3, "code/train.py", (REPO / "examples/artifacts/train.py").read_bytes())


def xgboost_python() -> str:
    """The contract tests' xgboost venv (hack/contract-deps.sh), to load the model here."""
    cache = os.environ.get("TROUPE_CONTRACT_CACHE", os.path.expanduser("~/.cache/troupe/contract"))
    found = (
        sorted(p for p in os.listdir(cache) if p.startswith("xgboost-"))
        if os.path.isdir(cache)
        else []
    )
    venvs = [os.path.join(cache, p) for p in found if os.path.exists(f"{cache}/{p}/.ok")]
    if not venvs:
        pytest.skip("no xgboost venv: run hack/contract-deps.sh xgboost")
    return os.path.join(venvs[-1], "bin/python")


LOAD_AND_SCORE = """
import sys, numpy as np, xgboost as xgb
booster = xgb.Booster(model_file=sys.argv[1])
rows = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1)
predicted = booster.predict(xgb.DMatrix(rows[:, :-1])) > 0.5
print((predicted == rows[:, -1].astype(bool)).mean())
"""


def test_a_job_trains_on_the_stores_files_and_its_model_loads(
    s3, core, kubeconfig, namespace, jobs, tmp_path
):
    require(core, (XGBOOST,))
    upload_example_inputs(s3)
    apply(kubeconfig, namespace, example(s3, "from-store"))
    status = jobs.wait_phase("from-store", "Succeeded", timeout=240)
    record = status["artifacts"]
    data = (REPO / "examples/artifacts/data.csv").read_bytes()
    assert record["inputs"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert record["inputs"][0]["bytes"] == len(data)
    [output] = record["outputs"]
    prefix = "runs/from-store/from-store-train-0/"
    assert (output["state"], output["uri"]) == ("Uploaded", f"s3://{s3.bucket}/{prefix}")
    assert output["logs"] == f"s3://{s3.bucket}/{prefix}logs/"
    model = tmp_path / "model.json"
    model.write_bytes(get(s3, prefix + "model.json"))
    manifest = json.loads(get(s3, prefix + "troupe-manifest.json"))
    assert [(f["path"], f["bytes"]) for f in manifest["files"]] == [
        ("model.json", model.stat().st_size)
    ]
    csv = tmp_path / "data.csv"
    csv.write_bytes(data)
    score = subprocess.run(
        [xgboost_python(), "-c", LOAD_AND_SCORE, str(model), str(csv)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert float(score) > 0.9, score
    log = get(s3, prefix + "logs/main.log").decode()
    assert "final logloss" in log and "TROUPE_METRIC" in log
    assert "fetched dataset" in get(s3, prefix + "logs/troupe-fetch.log").decode()
    printed = subprocess.run(
        ["kubectl", "--kubeconfig", kubeconfig, "get", "tj", "-n", namespace, "-o", "wide"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "1/1 pods uploaded (1 files" in printed, printed
    described = subprocess.run(
        [str(REPO / ".venv/bin/troupe"), "--kubeconfig", kubeconfig, "-n", namespace]
        + ["describe", "from-store"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    row = rf"out\s+from-store-train-0\s+s3://{s3.bucket}/{prefix}\s+Uploaded"
    assert re.search(row, described), described


def test_a_failing_job_still_uploads_its_partial_output(s3, core, kubeconfig, namespace, jobs):
    require(core, (XGBOOST,))
    upload_example_inputs(s3)
    apply(kubeconfig, namespace, example(s3, "fails", {"FAIL_AFTER_CHECKPOINT": "1"}))
    status = jobs.wait_phase("fails", "Failed", timeout=240)
    [output] = status["artifacts"]["outputs"]
    assert output["state"] == "Uploaded" and output["files"] == 1
    assert get(s3, "runs/fails/fails-train-0/model.json").startswith(b"{")
    assert b"failing on purpose" in get(s3, "runs/fails/fails-train-0/logs/main.log")


def artifact_job(s3, name: str, command: str, inputs: list[dict], **output) -> dict:
    template = shell(command)
    template["spec"]["restartPolicy"] = "Never"
    return pin(
        {
            "apiVersion": "troupe.dev/v1alpha1",
            "kind": "TrainingJob",
            "metadata": {"name": name},
            "spec": {
                "roles": [{"name": "main", "restartPolicy": "Never", "template": template}],
                "artifacts": {
                    "secretName": "store-credentials",
                    "inputs": inputs,
                    "output": {"uri": f"s3://{s3.bucket}/runs/{name}/", **output},
                },
            },
        }
    )


def test_a_missing_input_fails_the_job_before_training_naming_it(
    s3, core, kubeconfig, namespace, jobs
):
    put(s3, "present.txt", b"here")
    inputs = [
        {"name": "present", "uri": f"s3://{s3.bucket}/present.txt"},
        {"name": "absent", "uri": f"s3://{s3.bucket}/absent.csv"},
    ]
    apply(kubeconfig, namespace, artifact_job(s3, "missing", "echo TRAINED", inputs))
    jobs.wait_phase("missing", "Failed", timeout=120)
    failed = jobs.condition("missing", "Failed")
    assert failed["reason"] == "InputFetchFailed"
    assert failed["message"] == (
        f"pod missing-main-0: input absent: s3://{s3.bucket}/absent.csv: no such object"
    )
    pod = jobs.pod("missing-main-0")
    main = pod.status.container_statuses[0]
    assert not (main.state.running or main.state.terminated), main.state  # never started
    assert (
        "fetched present" in get(s3, "runs/missing/missing-main-0/logs/troupe-fetch.log").decode()
    )


def test_a_500_mb_input_streams_in_bounded_memory(s3, core, kubeconfig, namespace, jobs):
    size = 500 * 1000 * 1000
    block = os.urandom(1 << 20)

    class Stream(io.RawIOBase):
        """500 MB made of one random block, never whole in memory here either."""

        sent = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            at = self.sent % len(block)
            n = min(len(buffer), size - self.sent, len(block) - at)
            buffer[:n] = block[at : at + n]
            self.sent += n
            return n

    s3.put_object(s3.bucket, "big.bin", io.BufferedReader(Stream()), size, part_size=64 << 20)
    digest = hashlib.sha256()
    for _ in range(size // len(block)):
        digest.update(block)
    digest.update(block[: size % len(block)])
    inputs = [{"name": "big", "uri": f"s3://{s3.bucket}/big.bin", "sha256": digest.hexdigest()}]
    apply(
        kubeconfig,
        namespace,
        artifact_job(s3, "big", 'stat -c "size %s" "$TROUPE_INPUT_BIG"', inputs),
    )
    status = jobs.wait_phase("big", "Succeeded", timeout=300)
    assert status["artifacts"]["inputs"][0]["bytes"] == size
    assert f"size {size}" in core.read_namespaced_pod_log("big-main-0", namespace, container="main")
    fetch = next(
        c for c in jobs.pod("big-main-0").status.init_container_statuses if c.name == "troupe-fetch"
    )
    peak = json.loads(fetch.state.terminated.message)["peakRssKiB"] / 1024
    print(f"\nfetcher peak RSS for a {size / 1e6:.0f} MB input: {peak:.0f} MiB")
    assert peak < 150, peak  # the whole object would be 477 MiB


def test_an_upload_cut_by_a_pod_deletion_is_never_half_listed(
    s3, core, kubeconfig, namespace, jobs
):
    """Forty 8 MB files; the pod is force-deleted once the upload has begun: the status lists
    its results only from the uploader's own report, which a killed upload never gives."""
    write = (
        'for i in $(seq 1 40); do head -c 8000000 /dev/urandom > "$TROUPE_OUTPUT_DIR/part-$i"; '
        "done; echo WROTE"
    )
    apply(kubeconfig, namespace, artifact_job(s3, "cut", write, [], logs=False))
    prefix = "runs/cut/cut-main-0/"
    wait_for(lambda: keys(s3, prefix), timeout=180, interval=0.05, what="the upload to start")
    subprocess.run(
        [
            "kubectl",
            "--kubeconfig",
            kubeconfig,
            "delete",
            "pod",
            "-n",
            namespace,
            "cut-main-0",
            "--grace-period=0",
            "--force",
            "--wait=false",
        ],
        check=True,
        capture_output=True,
    )
    outputs = (jobs.status("cut").get("artifacts") or {}).get("outputs") or []
    if prefix + "troupe-manifest.json" in keys(s3, prefix):  # it finished before the kill
        assert_complete(s3, prefix)
    else:
        assert not [o for o in outputs if o.get("state") == "Uploaded"], outputs
    # the pod is made again, writes and uploads again: then the listing is whole
    status = jobs.wait_phase("cut", "Succeeded", timeout=300)
    [output] = status["artifacts"]["outputs"]
    assert output["files"] == 40
    assert_complete(s3, prefix)


def assert_complete(s3, prefix: str) -> None:
    manifest = json.loads(get(s3, prefix + "troupe-manifest.json"))
    stored = keys(s3, prefix)
    assert len(manifest["files"]) == 40
    assert all(stored[prefix + f["path"]] == f["bytes"] == 8000000 for f in manifest["files"])


def test_a_job_naming_an_absent_secret_says_so(s3, core, kubeconfig, namespace, jobs):
    put(s3, "present.txt", b"here")
    job = artifact_job(
        s3, "nosecret", "true", [{"name": "p", "uri": f"s3://{s3.bucket}/present.txt"}]
    )
    job["spec"]["artifacts"]["secretName"] = "no-such-secret"
    apply(kubeconfig, namespace, job)
    stuck = wait_for(
        lambda: jobs.status("nosecret").get("stuckPods"),
        timeout=90,
        what="the pod to be named as stuck",
        show=lambda: jobs.status("nosecret"),
    )
    assert stuck[0]["reason"] == "CreateContainerConfigError"
    assert "no-such-secret" in stuck[0]["message"]


def test_a_wrong_key_or_an_unreachable_store_fails_the_fetch_by_name(
    s3, core, kubeconfig, namespace, jobs
):
    put(s3, "present.txt", b"here")
    secret = core.read_namespaced_secret("store-credentials", namespace).data
    bad = {
        "wrong-key": dict(secret, secretKey=base64.b64encode(b"not-the-key").decode()),
        "no-store": dict(secret, endpoint=base64.b64encode(b"http://198.18.0.1:1").decode()),
    }
    for name, data in bad.items():
        core.create_namespaced_secret(namespace, {"metadata": {"name": name}, "data": data})
        job = artifact_job(
            s3, name, "true", [{"name": "p", "uri": f"s3://{s3.bucket}/present.txt"}]
        )
        job["spec"]["artifacts"]["secretName"] = name
        apply(kubeconfig, namespace, job)
    uri = f"s3://{s3.bucket}/present.txt"
    expected = {
        "wrong-key": f"input p: {uri}: access denied (SignatureDoesNotMatch)",
        "no-store": f"input p: {uri}: store unreachable",
    }
    for name, words in expected.items():
        jobs.wait_phase(name, "Failed", timeout=240)
        failed = jobs.condition(name, "Failed")
        assert failed["reason"] == "InputFetchFailed"
        assert words in failed["message"], failed["message"]
