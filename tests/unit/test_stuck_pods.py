"""Pods whose containers cannot start are told in the job's status and Events, by name."""

from __future__ import annotations

import pytest
from builders import FakeCluster
from steps import PS_WORKER

from troupe.core.observed import instance_from_pod

NEVER_PULL = 'Container image "my/absent:1" is not present with pull policy of Never'


def waiting_pod(reason: str, phase: str = "Pending") -> dict:
    return {
        "metadata": {"name": "j-worker-0"},
        "status": {
            "phase": phase,
            "containerStatuses": [
                {"name": "main", "state": {"waiting": {"reason": reason, "message": "why"}}}
            ],
        },
    }


@pytest.mark.parametrize(
    "reason, stuck",
    [
        ("ErrImageNeverPull", True),
        ("ImagePullBackOff", True),
        ("ErrImagePull", True),
        ("InvalidImageName", True),
        ("CreateContainerConfigError", True),
        ("ContainerCreating", False),  # passes by itself
        ("PodInitializing", False),
        ("CrashLoopBackOff", False),  # a restart, counted as one
    ],
)
def test_which_waiting_reasons_mean_a_pod_cannot_start(reason, stuck):
    instance = instance_from_pod(waiting_pod(reason))
    assert (instance.stuck_reason, instance.stuck_message) == (
        (reason, "why") if stuck else ("", "")
    )


def test_a_running_pod_is_not_stuck_though_a_sidecar_waits():
    assert instance_from_pod(waiting_pod("ImagePullBackOff", phase="Running")).stuck_reason == ""


def test_a_pod_that_cannot_start_is_named_in_status_message_and_one_warning():
    cluster = FakeCluster(PS_WORKER)
    cluster.reconcile()
    cluster.cannot_start("j-ps-0", "ErrImageNeverPull", NEVER_PULL)
    result = cluster.reconcile()
    assert result.status["stuckPods"] == [
        {"pod": "j-ps-0", "reason": "ErrImageNeverPull", "message": NEVER_PULL}
    ]
    assert f"pod j-ps-0 cannot start: ErrImageNeverPull: {NEVER_PULL}" in result.status["message"]
    warnings = [e for e in result.events if e.type == "Warning"]
    assert [(e.reason, e.message) for e in warnings] == [
        ("ErrImageNeverPull", f"pod j-ps-0: {NEVER_PULL}")
    ]
    assert not [e for e in cluster.reconcile().events if e.type == "Warning"]  # told once


def test_a_new_reason_is_told_again_and_a_started_pod_leaves_the_list():
    cluster = FakeCluster(PS_WORKER)
    cluster.reconcile()
    cluster.cannot_start("j-ps-0", "ErrImagePull", "pull failed")
    cluster.reconcile()
    cluster.cannot_start("j-ps-0", "ImagePullBackOff", "Back-off pulling image")
    assert [e.reason for e in cluster.reconcile().events] == ["ImagePullBackOff"]
    cluster.run("j-ps-0")
    assert "stuckPods" not in cluster.reconcile().status
