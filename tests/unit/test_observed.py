"""observed.py: real pod bodies reduced to the facts the planner decides on."""

from __future__ import annotations

from builders import FakeCluster

from troupe.core.observed import instance_from_pod

JOB = """
metadata: {name: obs}
spec:
  roles:
    - name: worker
      replicas: 1
      template:
        spec:
          initContainers: [{name: fetch, image: busybox}]
          containers: [{name: main, image: busybox}, {name: sidecar, image: busybox}]
"""


def _cluster() -> FakeCluster:
    cluster = FakeCluster(JOB)
    cluster.reconcile()
    return cluster


def test_new_pod_is_pending_with_identity_from_labels():
    cluster = _cluster()
    instance = instance_from_pod(cluster.pods["obs-worker-0"])
    assert (instance.name, instance.role, instance.index, instance.generation) == (
        "obs-worker-0",
        "worker",
        0,
        0,
    )
    assert (instance.phase, instance.ready, instance.deleting) == ("Pending", False, False)


def test_ready_comes_from_the_ready_condition():
    cluster = _cluster()
    cluster.run(ready=False)
    assert instance_from_pod(cluster.pods["obs-worker-0"]).ready is False
    cluster.run(ready=True)
    assert instance_from_pod(cluster.pods["obs-worker-0"]).ready is True


def test_oom_killed_container_gives_exit_code_137_and_reason():
    cluster = _cluster()
    cluster.finish("obs-worker-0", 137, "OOMKilled")
    instance = instance_from_pod(cluster.pods["obs-worker-0"])
    assert (instance.phase, instance.exit_code, instance.reason) == ("Failed", 137, "OOMKilled")


def test_first_failing_container_wins_over_successful_ones():
    cluster = _cluster()
    cluster.finish("obs-worker-0", 0)
    pod = cluster.pods["obs-worker-0"]
    pod["status"]["phase"] = "Failed"
    pod["status"]["containerStatuses"][1]["state"]["terminated"] = {
        "exitCode": 2,
        "reason": "Error",
        "message": "bad flag",
    }
    instance = instance_from_pod(pod)
    assert (instance.exit_code, instance.reason, instance.message) == (2, "Error", "bad flag")


def test_evicted_pod_reports_pod_level_reason():
    cluster = _cluster()
    cluster.run()
    cluster.evict("obs-worker-0")
    instance = instance_from_pod(cluster.pods["obs-worker-0"])
    assert instance.reason == "Evicted"
    assert "memory" in instance.message


def test_container_restarts_are_summed_over_containers():
    cluster = _cluster()
    cluster.run()
    cluster.restart_in_place("obs-worker-0")
    cluster.restart_in_place("obs-worker-0")
    assert instance_from_pod(cluster.pods["obs-worker-0"]).container_restarts == 4


def test_terminating_pod_is_marked_deleting():
    cluster = _cluster()
    cluster.pods["obs-worker-0"]["metadata"]["deletionTimestamp"] = "2024-05-01T12:00:00Z"
    assert instance_from_pod(cluster.pods["obs-worker-0"]).deleting is True


def test_running_pod_has_no_exit_code_or_reason():
    cluster = _cluster()
    cluster.run()
    instance = instance_from_pod(cluster.pods["obs-worker-0"])
    assert (instance.exit_code, instance.reason, instance.ip) == (None, "", "10.0.0.1")
