"""reconcile/backoff.py: backoffLimit allows that many restarts; the next one fails."""

from __future__ import annotations

import pytest
from builders import FakeCluster
from steps import WORKERS

from troupe.core.reconcile.backoff import backoff


def running() -> FakeCluster:
    cluster = FakeCluster(WORKERS)
    cluster.reconcile()
    cluster.run()
    return cluster


def evicted():
    cluster = running()
    cluster.evict("j-worker-0")
    return [i for i in cluster.next_pass().instances if i.name == "j-worker-0"]


@pytest.mark.parametrize(
    ("limit", "restarts", "retrying", "fails"),
    [
        (None, 100, True, False),  # unlimited
        (2, 2, False, False),  # the limit reached by in-place restarts: still allowed
        (2, 3, False, True),  # one in-place restart past it
        (2, 1, True, False),  # a recreation that makes the second restart
        (2, 2, True, True),  # a recreation that would make the third
        (0, 0, True, True),  # no restart at all
    ],
)
def test_the_restart_past_the_limit_fails_the_job(limit, restarts, retrying, fails):
    verdict = backoff(limit, restarts, evicted() if retrying else [], [])
    assert (verdict is not None) == fails
    if fails:
        assert (verdict.phase, verdict.reason) == ("Failed", "BackoffLimitExceeded")


def test_a_recreation_past_the_limit_names_the_pod_and_its_exit_code():
    verdict = backoff(2, 2, evicted(), [])
    assert verdict.message == (
        "backoff limit 2 exceeded: pod j-worker-0 failed with exit code 137 (Evicted): "
        "The node was low on resource: memory."
    )


def test_in_place_restarts_past_the_limit_name_the_pod_that_restarted_most():
    cluster = running()
    for _ in range(2):
        cluster.restart_in_place("j-worker-1", exit_code=3)
    cluster.restart_in_place("j-worker-0")
    live = cluster.next_pass().live()
    verdict = backoff(2, 3, [], live)
    assert verdict.message == (
        "backoff limit 2 exceeded: pod j-worker-1 restarted in place 2 times, last with exit code 3"
    )
