"""reconcile/deadline.py: activeDeadlineSeconds, counted from the job's start."""

from __future__ import annotations

from builders import FakeCluster
from steps import C, job

from troupe.core.reconcile.deadline import deadline

WITH_DEADLINE = job(f"    - {{name: worker, {C}}}", "{activeDeadlineSeconds: 60}")


def test_before_the_deadline_the_pass_comes_back_when_it_falls():
    cluster = FakeCluster(WITH_DEADLINE)
    cluster.reconcile()
    cluster.advance(45)
    p = cluster.next_pass()
    assert deadline(p) is None
    assert p.result.requeue_after == 15


def test_past_the_deadline_the_job_fails():
    cluster = FakeCluster(WITH_DEADLINE)
    cluster.reconcile()
    cluster.advance(60)
    verdict = deadline(cluster.next_pass())
    assert (verdict.phase, verdict.reason) == ("Failed", "DeadlineExceeded")
    assert verdict.message == "job ran longer than 60s"


def test_a_job_without_a_deadline_never_comes_back_for_it():
    cluster = FakeCluster(job(f"    - {{name: worker, {C}}}"))
    p = cluster.next_pass()
    assert (deadline(p), p.result.requeue_after) == (None, None)
