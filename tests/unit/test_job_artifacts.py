"""spec.artifacts: which containers get which volumes, env and init containers; what the
fetcher and uploader report becomes status; a failed fetch fails the job by name; a job
finishes only once its pods' logs are archived."""

from __future__ import annotations

import json

import pytest
from builders import FakeCluster, raw_spec

from troupe.api.spec import validate_spec
from troupe.core import artifacts
from troupe.core.observed import instance_from_pod

JOB = """
apiVersion: troupe.dev/v1alpha1
kind: TrainingJob
metadata: {name: j, namespace: ns, uid: u1}
spec:
  framework: generic
  roles:
  - name: master
    template:
      spec:
        containers: [{name: main, image: img, env: [{name: PYTHONPATH, value: /lib}]}]
  - name: worker
    replicas: 2
    template:
      spec:
        containers: [{name: main, image: img, workingDir: /mine}]
  artifacts:
    secretName: store-credentials
    inputs:
    - {name: train-data, uri: "s3://data/iris/iris.csv", sha256: "%s"}
    - {name: code, kind: code, uri: "s3://code/train.tar.gz", roles: [master]}
    output: {uri: "s3://runs/j/", roles: [master]}
""" % ("a" * 64)


def pod(cluster: FakeCluster, name: str) -> dict:
    return cluster.pods[name]


def container(p: dict, name: str, init: bool = False) -> dict:
    key = "initContainers" if init else "containers"
    return next(c for c in p["spec"][key] if c["name"] == name)


def env(c: dict) -> dict[str, str]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in c.get("env") or []}


@pytest.fixture
def cluster() -> FakeCluster:
    c = FakeCluster(JOB)
    c.reconcile()
    return c


def test_the_fetcher_comes_first_and_gets_only_its_roles_inputs(cluster):
    master, worker = pod(cluster, "j-master-0"), pod(cluster, "j-worker-0")
    assert [c["name"] for c in master["spec"]["initContainers"]] == [
        "troupe-fetch",
        "troupe-upload",
    ]
    assert [c["name"] for c in worker["spec"]["initContainers"]] == ["troupe-fetch"]
    fetch = container(master, "troupe-fetch", init=True)
    assert fetch["image"] == artifacts.IMAGE
    assert fetch["command"][:3] == ["troupe", "artifacts", "fetch"]
    wanted = json.loads(env(fetch)["TROUPE_ARTIFACTS_INPUTS"])
    assert [(w["name"], w["directory"]) for w in wanted] == [("train-data", False), ("code", True)]
    worker_wants = json.loads(
        env(container(worker, "troupe-fetch", init=True))["TROUPE_ARTIFACTS_INPUTS"]
    )
    assert [w["name"] for w in worker_wants] == ["train-data"]


def test_credentials_come_from_the_secret_never_the_spec(cluster):
    fetch = container(pod(cluster, "j-master-0"), "troupe-fetch", init=True)
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in fetch["env"] if "valueFrom" in e}
    assert refs["TROUPE_STORE_ACCESS_KEY"] == {"name": "store-credentials", "key": "accessKey"}
    assert refs["TROUPE_STORE_REGION"]["optional"] is True
    assert set(refs) == set(artifacts.CREDENTIALS.values())


def test_inputs_are_mounted_read_only_where_the_spec_says_with_env(cluster):
    main = container(pod(cluster, "j-master-0"), "main")
    mounts = {m["mountPath"]: m for m in main["volumeMounts"]}
    data = mounts["/troupe/inputs/train-data"]
    assert (data["name"], data["subPath"], data["readOnly"]) == (
        "troupe-inputs",
        "train-data",
        True,
    )
    assert env(main)["TROUPE_INPUT_TRAIN_DATA"] == "/troupe/inputs/train-data"
    assert env(main)["TROUPE_INPUT_CODE"] == "/troupe/inputs/code"


def test_code_is_the_working_directory_and_first_on_pythonpath(cluster):
    main = container(pod(cluster, "j-master-0"), "main")
    assert main["workingDir"] == "/troupe/inputs/code"
    assert env(main)["PYTHONPATH"] == "/troupe/inputs/code:/lib"  # the user's path kept, after
    worker = container(pod(cluster, "j-worker-0"), "main")
    assert worker["workingDir"] == "/mine"  # no code input there; theirs stays


def test_the_uploader_is_a_native_sidecar_on_output_roles_only(cluster):
    master, worker = pod(cluster, "j-master-0"), pod(cluster, "j-worker-0")
    upload = container(master, "troupe-upload", init=True)
    assert upload["restartPolicy"] == "Always"
    assert upload["command"][-2:] == ["--to", "s3://runs/j/j-master-0/"]
    main = container(master, "main")
    assert env(main)["TROUPE_OUTPUT_DIR"] == "/troupe/output"
    assert {"name": "troupe-output", "mountPath": "/troupe/output"} in main["volumeMounts"]
    assert master["spec"]["terminationGracePeriodSeconds"] == artifacts.UPLOAD_GRACE_SECONDS
    assert {v["name"] for v in master["spec"]["volumes"]} == {"troupe-inputs", "troupe-output"}
    assert {v["name"] for v in worker["spec"]["volumes"]} == {"troupe-inputs"}
    assert "terminationGracePeriodSeconds" not in worker["spec"]


def test_a_job_without_artifacts_renders_as_before():
    plain = FakeCluster(JOB.split("  artifacts:")[0])
    plain.reconcile()
    spec = pod(plain, "j-master-0")["spec"]
    assert "initContainers" not in spec and "volumes" not in spec


@pytest.mark.parametrize(
    "change, path, words",
    [
        ({"uri": "http://x/y"}, "spec.artifacts.inputs[0].uri", "s3://bucket/key"),
        ({"uri": "s3://data"}, "spec.artifacts.inputs[0].uri", "end it with /"),
        ({"path": "relative/p"}, "spec.artifacts.inputs[0].path", "absolute path"),
        ({"path": "/troupe/../etc"}, "spec.artifacts.inputs[0].path", ". or .. segment"),
        ({"path": "/troupe/output/x"}, "spec.artifacts.inputs[0].path", "output path"),
        ({"roles": ["ps"]}, "spec.artifacts.inputs[0].roles[0]", 'no role named "ps"'),
        ({"sha256": "xyz"}, "spec.artifacts.inputs[0].sha256", "pattern"),
        ({"name": "Code"}, "spec.artifacts.inputs[0].name", "DNS-1035"),
        ({"name": "code"}, "spec.artifacts.inputs[1].name", "duplicate input name"),
        (
            {"uri": "s3://data/dir/", "sha256": "a" * 64},
            "spec.artifacts.inputs[0].sha256",
            "prefix",
        ),
    ],
)
def test_bad_artifacts_are_refused_naming_the_field(change, path, words):
    spec = raw_spec(JOB)
    spec["artifacts"]["inputs"][0].update(change)
    _, errors = validate_spec(spec)
    assert any(e.path == path and words in e.message for e in errors), errors


def test_a_secret_name_must_be_a_dns_name():
    spec = raw_spec(JOB)
    spec["artifacts"]["secretName"] = "Bad_Name"
    _, errors = validate_spec(spec)
    assert [e.path for e in errors] == ["spec.artifacts.secretName"]


def fetched(cluster: FakeCluster, name: str, exit_code: int, body: dict) -> None:
    """The kubelet's record of the fetcher's end, termination message and all."""
    status = cluster.pods[name].setdefault("status", {})
    status["initContainerStatuses"] = [
        {
            "name": "troupe-fetch",
            "state": {"terminated": {"exitCode": exit_code, "message": json.dumps(body)}},
        }
    ]


def uploaded(cluster: FakeCluster, name: str, body: dict) -> None:
    statuses = cluster.pods[name]["status"].setdefault("initContainerStatuses", [])
    statuses.append(
        {
            "name": "troupe-upload",
            "state": {"terminated": {"exitCode": 0, "message": json.dumps(body)}},
        }
    )


def test_a_failed_fetch_fails_the_job_naming_input_and_uri(cluster):
    error = "input train-data: s3://data/iris/iris.csv: no such object"
    fetched(cluster, "j-worker-1", 1, {"error": error, "input": "train-data"})
    held = cluster.reconcile()  # the master's log so far goes to the store first
    assert [a.pod for a in held.archive_logs] == ["j-master-0"]
    assert held.status["phase"] == "Pending" and error in held.status["message"]
    cluster.pods["j-master-0"]["metadata"]["annotations"] = {"troupe.dev/logs": "s3://x/"}
    result = cluster.reconcile()
    assert result.status["phase"] == "Failed"
    assert ("Pod", "j-master-0") in result.deletes
    failed = cluster.condition("Failed")
    assert failed["reason"] == "InputFetchFailed"
    assert failed["message"] == f"pod j-worker-1: {error}"


def test_a_fetch_retried_in_place_still_fails_the_job(cluster):
    fetched(cluster, "j-worker-0", 1, {"error": "input code: access denied"})
    statuses = cluster.pods["j-worker-0"]["status"]["initContainerStatuses"]
    statuses[0]["lastState"] = statuses[0].pop("state")
    statuses[0]["state"] = {"waiting": {"reason": "CrashLoopBackOff"}}
    cluster.pods["j-master-0"]["metadata"]["annotations"] = {"troupe.dev/logs": "s3://x/"}
    assert cluster.reconcile().status["phase"] == "Failed"


FETCHED = {
    "inputs": [
        {
            "name": "train-data",
            "uri": "s3://data/iris/iris.csv",
            "objects": 1,
            "bytes": 4551,
            "sha256": "a" * 64,
        }
    ]
}


def finish_job(cluster: FakeCluster) -> None:
    cluster.run()
    for name in cluster.live():
        fetched(cluster, name, 0, FETCHED)
    assert cluster.reconcile().status["phase"] == "Running"
    for name in cluster.live():
        cluster.finish(name, 0)
        fetched(cluster, name, 0, FETCHED)
    uploaded(
        cluster,
        "j-master-0",
        {"uri": "s3://runs/j/j-master-0/", "files": 2, "bytes": 900, "manifest": "b" * 64},
    )


def test_what_was_fetched_and_uploaded_is_in_the_status(cluster):
    finish_job(cluster)
    status = cluster.reconcile().status
    record = status["artifacts"]
    assert record["inputs"] == FETCHED["inputs"]
    assert record["outputs"] == [
        {
            "pod": "j-master-0",
            "uri": "s3://runs/j/j-master-0/",
            "state": "Uploaded",
            "files": 2,
            "bytes": 900,
            "manifest": "b" * 64,
        }
    ]
    assert record["summary"] == "1 in (4.6 kB), 1/1 pods uploaded (2 files, 900 B)"


def test_the_job_holds_until_the_logs_are_archived_then_records_where(cluster):
    finish_job(cluster)
    result = cluster.reconcile()
    assert result.status["phase"] == "Running"
    assert cluster.condition("Running")["reason"] == "ArchivingLogs"
    [archive] = result.archive_logs  # output roles only: the master
    assert archive.pod == "j-master-0"
    assert archive.uri == "s3://runs/j/j-master-0/logs/"
    assert archive.containers == ("troupe-fetch", "troupe-upload", "main")
    assert archive.secret == "store-credentials"
    assert not [d for d in result.deletes if d[0] == "Pod"]  # pods (and logs) stay meanwhile
    cluster.pods["j-master-0"]["metadata"]["annotations"] = {
        "troupe.dev/logs": "s3://runs/j/j-master-0/logs/"
    }
    result = cluster.reconcile()
    assert result.status["phase"] == "Succeeded"
    assert result.archive_logs == []
    assert result.status["artifacts"]["outputs"][0]["logs"] == "s3://runs/j/j-master-0/logs/"


def test_an_archive_that_failed_is_recorded_and_lets_the_job_finish(cluster):
    finish_job(cluster)
    cluster.reconcile()
    cluster.pods["j-master-0"]["metadata"]["annotations"] = {"troupe.dev/logs": "error: denied"}
    result = cluster.reconcile()
    assert result.status["phase"] == "Succeeded"
    assert result.status["artifacts"]["outputs"][0]["logs"] == "error: denied"


def test_a_failed_upload_is_reported_and_the_record_outlives_the_pods(cluster):
    finish_job(cluster)
    statuses = cluster.pods["j-master-0"]["status"]["initContainerStatuses"]
    statuses[-1]["state"]["terminated"]["message"] = json.dumps({"error": "store unreachable"})
    cluster.pods["j-master-0"]["metadata"]["annotations"] = {"troupe.dev/logs": "s3://x/"}
    status = cluster.reconcile().status
    assert status["artifacts"]["outputs"][0]["state"] == "Failed"
    assert status["artifacts"]["outputs"][0]["message"] == "store unreachable"
    for name in list(cluster.pods):
        cluster.delete(name)
    assert cluster.reconcile().status["artifacts"] == status["artifacts"]


def test_reports_are_read_from_the_termination_message():
    body = {
        "metadata": {"name": "p"},
        "status": {
            "initContainerStatuses": [
                {
                    "name": "troupe-fetch",
                    "state": {"terminated": {"exitCode": 0, "message": '{"inputs": []}'}},
                },
                {"name": "troupe-upload", "state": {"running": {}}},
            ]
        },
    }
    i = instance_from_pod(body)
    assert i.fetched.ok and i.fetched.body == {"inputs": []}
    assert i.uploaded is None  # still waiting for the training containers
    body["status"]["initContainerStatuses"][0]["state"]["terminated"] = {
        "exitCode": 1,
        "message": "not json at all",
    }
    assert instance_from_pod(body).fetched.error == "not json at all"


def test_describe_lists_inputs_and_each_pods_results():
    from troupe.cli.show import artifact_table

    table = artifact_table(
        {
            "inputs": FETCHED["inputs"],
            "outputs": [
                {
                    "pod": "j-master-0",
                    "uri": "s3://runs/j/j-master-0/",
                    "state": "Failed",
                    "message": "store unreachable",
                }
            ],
        }
    )
    lines = table.splitlines()
    assert lines[1].split()[:4] == ["in", "train-data", "s3://data/iris/iris.csv", "Fetched"]
    assert lines[2].split()[:4] == ["out", "j-master-0", "s3://runs/j/j-master-0/", "Failed"]
    assert lines[2].endswith("store unreachable")
