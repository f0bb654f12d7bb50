"""reconcile/backoff.py: backoffLimit allows that many restarts; the next one fails."""

from __future__ import annotations

import pytest
from builders import FakeCluster
from steps import WORKERS

from troupe.core.reconcile.backoff import backoff


def evicted():
    cluster = FakeCluster(WORKERS)
    cluster.reconcile()
    cluster.run()
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
    verdict = backoff(limit, restarts, evicted() if retrying else [])
    assert (verdict is not None) == fails
    if fails:
        assert (verdict.phase, verdict.reason) == ("Failed", "BackoffLimitExceeded")
