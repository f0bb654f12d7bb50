"""bench/peers.py: the peers' jobs have the bench's shape, their status reads as phases, and
each request is put down to the right client."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import peers  # noqa: E402

JOB_CONTROLLER = "kube-controller-manager/v1.34.4 (linux/amd64) kubernetes/abc1234/job-controller"


def _condition(kind: str, status: str = "True") -> dict:
    return {"type": kind, "status": status}


def test_pytorchjob_has_one_master_and_the_workers_with_the_bench_label():
    job = peers.pytorchjob_manifest("j0001", 7)
    specs = job["spec"]["pytorchReplicaSpecs"]
    assert {role: s["replicas"] for role, s in specs.items()} == {"Master": 1, "Worker": 7}
    for spec in specs.values():
        assert spec["template"]["metadata"]["labels"] == {"bench/job": "j0001"}
        assert spec["template"]["spec"]["containers"][0]["name"] == "pytorch"


def test_jobset_workers_wait_for_a_ready_master_and_the_first_job_depends_on_nothing():
    jobs = peers.jobset_manifest("j0001", 7)["spec"]["replicatedJobs"]
    assert [j["name"] for j in jobs] == ["master", "worker"]
    assert "dependsOn" not in jobs[0]  # JobSet refuses dependsOn on its first job
    assert jobs[1]["dependsOn"] == [{"name": "master", "status": "Ready"}]
    assert [j["template"]["spec"]["parallelism"] for j in jobs] == [1, 7]
    assert [j["template"]["spec"]["completions"] for j in jobs] == [1, 7]


def test_pytorchjob_phase_is_its_furthest_true_condition():
    created = {"status": {"conditions": [_condition("Created")]}}
    running = {"status": {"conditions": [_condition("Created"), _condition("Running")]}}
    done = {
        "status": {
            "conditions": [
                _condition("Created"),
                _condition("Running", "False"),
                _condition("Succeeded"),
            ]
        }
    }
    assert [peers.pytorchjob_phase(o) for o in (created, running, done)] == [
        "Created",
        "Running",
        "Succeeded",
    ]
    assert peers.pytorchjob_phase({}) is None


def _jobset(ready: dict[str, int], conditions: list[dict] | None = None) -> dict:
    obj = peers.jobset_manifest("j", 7)
    obj["status"] = {
        "replicatedJobsStatus": [{"name": n, "ready": r} for n, r in ready.items()],
        "conditions": conditions or [],
    }
    return obj


def test_jobset_runs_only_once_every_replicated_job_is_ready():
    assert peers.jobset_phase(_jobset({"master": 1})) == "Pending"  # workers not created yet
    assert peers.jobset_phase(_jobset({"master": 1, "worker": 0})) == "Pending"
    assert peers.jobset_phase(_jobset({"master": 1, "worker": 1})) == "Running"


def test_jobset_completed_condition_is_success_even_with_nothing_ready():
    done = _jobset({"master": 0, "worker": 0}, [_condition("Completed")])
    assert peers.jobset_phase(done) == "Succeeded"
    failed = _jobset({"master": 1, "worker": 1}, [_condition("Failed")])
    assert peers.jobset_phase(failed) == "Failed"


def test_the_job_controller_works_for_jobset_only_and_other_controllers_for_nobody():
    jobset, kubeflow = peers.PEERS["jobset"], peers.PEERS["kubeflow"]
    assert jobset.key_prefix("jobset/v0.12.0 (linux/amd64) 09e9a3b") == ""
    assert jobset.key_prefix(JOB_CONTROLLER) == "job-controller: "
    assert jobset.key_prefix(JOB_CONTROLLER.replace("job-", "endpointslice-")) is None
    assert kubeflow.key_prefix(JOB_CONTROLLER) is None
    assert kubeflow.key_prefix("training-operator/v0.0.0 (linux/amd64) kubernetes/$Format") == ""
    assert kubeflow.key_prefix("troupe-bench") is None


def test_peers_parse_in_order_once_each():
    assert [p.name for p in peers.parse_peers("jobset, kubeflow,jobset")] == ["jobset", "kubeflow"]
    assert peers.parse_peers("") == []


def test_an_unknown_peer_is_named_in_the_error():
    with pytest.raises(ValueError, match="unknown peer volcano"):
        peers.parse_peers("kubeflow,volcano")
