"""restarts.py: the outcome of a finished pod under each restart policy."""

from __future__ import annotations

import pytest
import yaml
from builders import FakeCluster

from troupe.api.spec import parse_spec
from troupe.core.framework import apply_defaults
from troupe.core.observed import instance_from_pod
from troupe.core.restarts import Outcome, outcome
from troupe_frameworks.generic import Generic


def _outcome(role: dict, exit_code: int | None, reason: str = "", evicted: bool = False):
    role = {"name": "worker", "template": {"spec": {"containers": [{"name": "main"}]}}, **role}
    spec = apply_defaults(parse_spec({"roles": [role]}), Generic())
    cluster = FakeCluster(yaml.safe_dump({"metadata": {"name": "r"}, "spec": {"roles": [role]}}))
    cluster.reconcile()
    cluster.run()
    if evicted:
        cluster.evict("r-worker-0")
    elif exit_code is not None:
        cluster.finish("r-worker-0", exit_code, reason)
    return outcome(instance_from_pod(cluster.pods["r-worker-0"]), spec.roles[0])


@pytest.mark.parametrize(
    ("role", "exit_code", "expected"),
    [
        ({"restartPolicy": "ExitCode"}, 137, Outcome.RECREATE),
        ({"restartPolicy": "ExitCode"}, 143, Outcome.RECREATE),
        ({"restartPolicy": "ExitCode"}, 1, Outcome.FAILED),
        ({"restartPolicy": "ExitCode"}, 0, Outcome.DONE),
        ({"restartPolicy": "ExitCode", "retryableExitCodes": [3]}, 3, Outcome.RECREATE),
        ({"restartPolicy": "ExitCode", "retryableExitCodes": [3]}, 137, Outcome.FAILED),
        ({"restartPolicy": "ExitCode", "restartScope": "Job"}, 137, Outcome.RESTART_JOB),
        ({"restartPolicy": "Never"}, 137, Outcome.FAILED),
        ({"restartPolicy": "Never"}, 0, Outcome.DONE),
        ({"restartPolicy": "OnFailure"}, 1, Outcome.RECREATE),
        ({"restartPolicy": "OnFailure"}, 0, Outcome.DONE),
        ({"restartPolicy": "Always"}, 0, Outcome.RECREATE),
        ({"restartPolicy": "Always", "restartScope": "Job"}, 0, Outcome.RESTART_JOB),
        ({}, 1, Outcome.RECREATE),  # generic default is OnFailure
        ({"restartPolicy": "Never"}, None, Outcome.RUNNING),
    ],
)
def test_outcome_of_a_finished_pod(role, exit_code, expected):
    assert _outcome(role, exit_code) is expected


def test_exit_code_137_is_retried():
    assert _outcome({"restartPolicy": "ExitCode"}, 137, "OOMKilled") is Outcome.RECREATE


def test_evicted_pod_is_recreated_under_on_failure_and_fails_under_never():
    assert _outcome({"restartPolicy": "OnFailure"}, None, evicted=True) is Outcome.RECREATE
    assert _outcome({"restartPolicy": "Never"}, None, evicted=True) is Outcome.FAILED
