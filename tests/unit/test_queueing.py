"""queueing.py: the built-in queue's admission as a pure function over a queue's jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from builders import FakeCluster, job_body, spec_from_yaml

from troupe.core.observed import instance_from_pod
from troupe.core.planner import JobView, plan
from troupe.core.queueing import (
    Decision,
    QueuedJob,
    QueueLimits,
    decide,
    job_demand,
    managed_by_troupe,
    parse_quantity,
    queue_entry,
)

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def qjob(name, minute=0, priority=0, gpus=0, admitted=False):
    demand = {"pods": Decimal(1), "nvidia.com/gpu": Decimal(gpus)}
    return QueuedJob(("ns", name), priority, T0 + timedelta(minutes=minute), demand, admitted)


def admitted(decisions):
    return sorted(k[1] for k, d in decisions.items() if d.admitted)


@pytest.mark.parametrize(
    ("text", "value"),
    [("500m", "0.5"), ("4Gi", str(4 * 2**30)), ("2", "2"), ("1k", "1000"), (3, "3")],
)
def test_quantities(text, value):
    assert parse_quantity(text) == Decimal(value)


def test_no_queue_object_admits_everything():
    assert admitted(decide(None, [qjob("a"), qjob("b")])) == ["a", "b"]


def test_max_running_jobs_admits_in_creation_order_and_gives_positions():
    result = decide(QueueLimits(max_running_jobs=1), [qjob("b", 2), qjob("a", 1), qjob("c", 3)])
    assert admitted(result) == ["a"]
    assert result[("ns", "b")].position == 1 and result[("ns", "c")].position == 2
    assert result[("ns", "c")].message == "position 2 in the queue: maxRunningJobs reached"


def test_priority_comes_before_creation_time():
    result = decide(QueueLimits(max_running_jobs=1), [qjob("old", 0), qjob("vip", 5, 100)])
    assert admitted(result) == ["vip"]


def test_an_admission_is_never_taken_back_by_a_higher_priority_job():
    jobs = [qjob("running", 0, admitted=True), qjob("vip", 5, priority=1000)]
    result = decide(QueueLimits(max_running_jobs=1), jobs)
    assert admitted(result) == ["running"]
    assert result[("ns", "vip")].reason == "Waiting"


def test_a_job_that_does_not_fit_now_does_not_block_smaller_ones():
    limits = QueueLimits(resources={"nvidia.com/gpu": Decimal(8)})
    jobs = [
        qjob("busy", 0, gpus=6, admitted=True),
        qjob("big", 1, gpus=4),
        qjob("small", 2, gpus=2),
    ]
    result = decide(limits, jobs)
    assert admitted(result) == ["busy", "small"]
    assert result[("ns", "big")].position == 1


def test_strict_fifo_holds_everything_behind_the_head():
    limits = QueueLimits(resources={"nvidia.com/gpu": Decimal(8)}, strategy="StrictFIFO")
    jobs = [
        qjob("busy", 0, gpus=6, admitted=True),
        qjob("big", 1, gpus=4),
        qjob("small", 2, gpus=2),
    ]
    result = decide(limits, jobs)
    assert admitted(result) == ["busy"]
    assert result[("ns", "small")].position == 2


def test_a_job_larger_than_the_queue_waits_without_blocking_anyone():
    limits = QueueLimits(resources={"nvidia.com/gpu": Decimal(8)}, strategy="StrictFIFO")
    result = decide(limits, [qjob("huge", 0, gpus=16), qjob("small", 1, gpus=2)])
    assert admitted(result) == ["small"]
    assert result[("ns", "huge")].reason == "ExceedsQueueLimits"
    assert "nvidia.com/gpu 16 > 8" in result[("ns", "huge")].message


def test_demand_counts_replicas_containers_and_init_containers():
    spec = spec_from_yaml(
        """
        spec:
          roles:
            - name: worker
              replicas: 2
              template:
                spec:
                  initContainers: [{name: i, resources: {requests: {cpu: "3"}}}]
                  containers:
                    - {name: a, resources: {requests: {cpu: 500m, nvidia.com/gpu: 1}}}
                    - {name: b, resources: {limits: {cpu: "1", memory: 1Gi}}}
        """
    )
    demand = job_demand(spec)
    assert demand == {
        "pods": Decimal(2),
        "cpu": Decimal(6),
        "nvidia.com/gpu": Decimal(2),
        "memory": Decimal(2 * 2**30),
    }


@pytest.mark.parametrize(
    ("managed_by", "ours"),
    [
        (None, True),
        ("troupe.dev/trainingjob-controller", True),
        ("kueue.x-k8s.io/multikueue", False),
    ],
)
def test_managed_by(managed_by, ours):
    assert managed_by_troupe({"spec": {"managedBy": managed_by}}) is ours


# --- the planner's queue gate ------------------------------------------------------------

JOB = """
metadata: {name: j}
spec:
  scheduling: {queue: research}
  roles:
    - {name: worker, replicas: 2, template: {spec: {containers: [{name: main, image: busybox}]}}}
"""
WAIT = Decision(False, "Waiting", "position 3 in the queue: maxRunningJobs reached", 3)
ADMIT = Decision(True, "Admitted", "admitted")


def _pass(cluster, decision):
    instances = [instance_from_pod(p) for p in cluster.pods.values()]
    result = plan(
        JobView.from_body(cluster.body),
        instances,
        cluster.services,
        cluster.now,
        cluster.framework,
        decision,
    )
    cluster.body["status"] = result.status
    return result


def test_a_waiting_job_is_queued_with_reason_and_position_and_no_pods():
    cluster = FakeCluster(JOB)
    result = _pass(cluster, WAIT)
    assert result.creates == []
    assert cluster.status["phase"] == "Queued" and cluster.status["queuePosition"] == 3
    cond = cluster.condition("Queued")
    assert (cond["status"], cond["reason"]) == ("True", "Waiting")


def test_admission_is_recorded_before_any_pod_is_created():
    cluster = FakeCluster(JOB)
    _pass(cluster, WAIT)
    recorded = _pass(cluster, ADMIT)
    assert recorded.creates == [] and recorded.requeue_after == 0
    assert cluster.status["phase"] == "Pending" and "queuePosition" not in cluster.status
    assert (cluster.condition("Queued")["status"], cluster.condition("Queued")["reason"]) == (
        "False",
        "Admitted",
    )
    created = _pass(cluster, ADMIT)
    assert [m["kind"] for m in created.creates].count("Pod") == 2


def test_a_job_holding_an_admission_is_not_gated_again():
    cluster = FakeCluster(JOB)
    cluster.reconcile()  # no queue: admitted as before
    assert cluster.status["phase"] == "Pending"
    assert _pass(cluster, WAIT).creates == []  # pods exist already; nothing deleted either
    assert cluster.status["phase"] == "Pending"


def test_queue_entry_reads_holding_from_the_phase():
    body = job_body(JOB, status={"phase": "Running"})
    entry = queue_entry(body)
    assert (entry.queue, entry.holds, entry.waiting) == ("research", True, False)
    assert queue_entry(job_body(JOB, status={"phase": "Queued"})).waiting
    assert not queue_entry(job_body(JOB, status={"phase": "Succeeded"})).waiting
