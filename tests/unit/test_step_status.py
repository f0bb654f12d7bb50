"""reconcile/status.py: the status a pass leaves, with cleanup and TTL once finished."""

from __future__ import annotations

from builders import FakeCluster
from steps import PS_WORKER, C, job

from troupe.core.plan import Verdict
from troupe.core.reconcile.run import role_states
from troupe.core.reconcile.status import finish_status
from troupe.core.throttle import counters_only

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


def worker_done(run_policy: str = "{}") -> FakeCluster:
    """A ps and a worker, both run; the worker has just succeeded, the ps still runs."""
    cluster = FakeCluster(job(f"    - {{name: ps, {C}}}\n    - {{name: worker, {C}}}", run_policy))
    cluster.reconcile()
    cluster.run()
    cluster.finish("j-worker-0", 0)
    return cluster


def test_a_finished_job_is_cleaned_up_and_completed():
    result = settle(worker_done("{ttlSecondsAfterFinished: 5}"), SUCCEEDED)
    assert result.deletes == [("Pod", "j-ps-0")]  # cleanPodPolicy Running
    assert result.status["completionTime"] == "2024-05-01T12:00:00Z"
    assert result.requeue_after == 5
    assert [e.reason for e in result.events] == ["DeletedPod", "Succeeded"]


def test_a_finished_job_does_not_count_the_pods_its_cleanup_deletes_as_ready():
    result = settle(worker_done(), SUCCEEDED)
    assert result.status["readyPods"] == 0
    assert [r["ready"] for r in result.status["roles"]] == [0, 0]


def test_a_finished_job_keeps_counting_the_pods_it_keeps():
    assert settle(worker_done("{cleanPodPolicy: None}"), SUCCEEDED).status["readyPods"] == 1


def test_a_succeeded_job_shows_no_ready_pods_once_it_ends():
    """READY in `troupe get` reads readyPods: 0/2, not the ps pod that is being removed."""
    tensorflow = job(f"    - {{name: ps, {C}}}\n    - {{name: chief, {C}}}", framework="tensorflow")
    cluster = FakeCluster(tensorflow)
    cluster.reconcile()
    cluster.run()
    cluster.reconcile()
    cluster.finish("j-chief-0", 0)
    cluster.reconcile()
    assert (cluster.status["phase"], cluster.status["readyPods"]) == ("Succeeded", 0)
    cluster.finish_deletions()
    cluster.reconcile()
    assert cluster.status["readyPods"] == 0


EVALUATED = job(
    f"    - {{name: chief, {C}}}\n    - {{name: evaluator, restartPolicy: Never, {C}}}",
    framework="tensorflow",
)


def test_a_role_that_fails_without_failing_the_job_gets_a_warning_at_once():
    cluster = FakeCluster(EVALUATED)
    cluster.reconcile()
    cluster.run()
    cluster.reconcile()
    cluster.finish("j-evaluator-0", 2)
    before = cluster.status
    plan = cluster.reconcile()
    assert cluster.status["phase"] == "Running"  # an evaluator does not decide the job
    assert cluster.role("evaluator")["phase"] == "Failed"
    assert [(e.type, e.reason, e.message) for e in plan.events] == [
        (
            "Warning",
            "RoleFailed",
            "role evaluator failed: pod j-evaluator-0 failed with exit code 2 (Error)",
        )
    ]
    assert not counters_only(before, cluster.status)  # written now, not at the progress pace
    assert cluster.reconcile().events == []  # told once
