"""reconcile/ttl.py: ttlSecondsAfterFinished deletes a finished job."""

from __future__ import annotations

from datetime import timedelta

from builders import NOW, spec_from_yaml
from steps import C, job

from troupe.core.plan import Plan
from troupe.core.reconcile.ttl import apply_ttl
from troupe.core.status import timestamp

SPEC = spec_from_yaml(job(f"    - {{name: worker, {C}}}", "{ttlSecondsAfterFinished: 100}"))


def finished_ago(seconds: float) -> dict:
    return {"completionTime": timestamp(NOW - timedelta(seconds=seconds))}


def test_a_job_past_its_ttl_is_deleted():
    result = Plan()
    apply_ttl(result, SPEC, finished_ago(100), NOW)
    assert result.delete_job


def test_before_its_ttl_the_pass_comes_back_when_it_runs_out():
    result = Plan(requeue_after=500)
    apply_ttl(result, SPEC, finished_ago(40), NOW)
    assert (result.delete_job, result.requeue_after) == (False, 60)


def test_without_a_ttl_or_a_completion_nothing_happens():
    result = Plan()
    apply_ttl(result, spec_from_yaml(job(f"    - {{name: worker, {C}}}")), finished_ago(1e6), NOW)
    apply_ttl(result, SPEC, {}, NOW)
    assert (result.delete_job, result.requeue_after) == (False, None)
