"""reconcile/suspend.py: a suspended job has no pods and starts over when resumed."""

from __future__ import annotations

from builders import NOW, FakeCluster
from steps import WORKERS

from troupe.core.observed import instance_from_pod
from troupe.core.planner import JobView
from troupe.core.reconcile.suspend import suspended


def test_suspending_deletes_every_pod_not_already_going():
    cluster = FakeCluster(WORKERS)
    cluster.reconcile()
    cluster.run()
    cluster.pods["j-worker-1"]["metadata"]["deletionTimestamp"] = "2024-05-01T12:00:00Z"
    instances = [instance_from_pod(p) for p in cluster.pods.values()]
    result = suspended(JobView.from_body(cluster.body), instances, NOW)
    assert result.deletes == [("Pod", "j-worker-0")]


def test_suspending_forgets_the_start_and_says_why():
    cluster = FakeCluster(WORKERS)
    cluster.reconcile()
    cluster.body["status"]["startTime"] = "2024-05-01T11:00:00Z"
    result = suspended(JobView.from_body(cluster.body), [], NOW)
    assert "startTime" not in result.status
    assert (result.status["phase"], result.status["readyPods"]) == ("Suspended", 0)
    assert [(e.type, e.reason) for e in result.events] == [("Normal", "Suspended")]
