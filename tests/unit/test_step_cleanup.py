"""reconcile/cleanup.py: cleanPodPolicy on a finished job."""

from __future__ import annotations

import pytest
from builders import FakeCluster
from steps import C, job

from troupe.core.reconcile.cleanup import cleanup


@pytest.mark.parametrize(
    ("policy", "deleted"),
    [("Running", ["j-ps-0"]), ("All", ["j-ps-0", "j-worker-0"]), ("None", [])],
)
def test_clean_pod_policy_picks_the_pods(policy, deleted):
    cluster = FakeCluster(
        job(
            f"    - {{name: ps, {C}}}\n    - {{name: worker, {C}}}", f"{{cleanPodPolicy: {policy}}}"
        )
    )
    cluster.reconcile()
    cluster.run()
    cluster.finish("j-worker-0", 0)
    p = cluster.next_pass()
    assert cleanup(p.spec, p.instances) == [("Pod", n) for n in deleted]


def test_a_pod_already_going_is_not_deleted_again():
    cluster = FakeCluster(job(f"    - {{name: worker, {C}}}", "{cleanPodPolicy: All}"))
    cluster.reconcile()
    cluster.pods["j-worker-0"]["metadata"]["deletionTimestamp"] = "2024-05-01T12:00:00Z"
    p = cluster.next_pass()
    assert cleanup(p.spec, p.instances) == []
