"""reconcile/status.py: the status a pass leaves, with cleanup and TTL once finished."""

from __future__ import annotations

from builders import FakeCluster
from steps import PS_WORKER, C, job

from troupe.core.plan import Verdict
from troupe.core.reconcile.run import role_states
from troupe.core.reconcile.status import finish_status

RUNNING = Verdict("Running", "Running", "2/2 pods ready")
SUCCEEDED = Verdict("Succeeded", "Succeeded", "job succeeded")


def settle(cluster: FakeCluster, verdict: Verdict):
    p = cluster.next_pass()
    ctx = p.context()
    finish_status(p, verdict, role_states(p, p.live(), set(), ctx), restarts=0)
    return p.result


def test_a_running_job_counts_its_pods_and_records_its_start():
    cluster = FakeCluster(PS_WORKER)
    cluster.reconcile()
    cluster.run()
    result = settle(cluster, RUNNING)
    status = result.status
    assert (status["phase"], status["readyPods"], status["totalPods"]) == ("Running", 2, 2)
    assert status["startTime"] == "2024-05-01T12:00:00Z"
    assert result.deletes == []
    assert "completionTime" not in status


def test_a_finished_job_is_cleaned_up_and_completed():
    cluster = FakeCluster(
        job(f"    - {{name: ps, {C}}}\n    - {{name: worker, {C}}}", "{ttlSecondsAfterFinished: 5}")
    )
    cluster.reconcile()
    cluster.run()
    cluster.finish("j-worker-0", 0)
    result = settle(cluster, SUCCEEDED)
    assert result.deletes == [("Pod", "j-ps-0")]  # cleanPodPolicy Running
    assert result.status["completionTime"] == "2024-05-01T12:00:00Z"
    assert result.requeue_after == 5
    assert [e.reason for e in result.events] == ["DeletedPod", "Succeeded"]
