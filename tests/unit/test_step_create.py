"""reconcile/create.py: a role's pods once its dependencies hold, its Service with them."""

from __future__ import annotations

from builders import FakeCluster
from steps import C, job

from troupe.core.reconcile.create import create, pods_to_create
from troupe.core.reconcile.run import role_states

PYTORCH = job(
    f"    - {{name: master, {C}}}\n    - {{name: worker, replicas: 2, {C}}}", framework="pytorch"
)


def created(cluster: FakeCluster) -> list[tuple[str, str]]:
    p = cluster.next_pass()
    ctx = p.context()
    create(p, ctx, role_states(p, p.live(), set(), ctx))
    return [(m["kind"], m["metadata"]["name"]) for m in p.result.creates]


def test_workers_wait_for_a_ready_master_by_default():
    cluster = FakeCluster(PYTORCH)
    assert created(cluster) == [("Service", "j-master"), ("Pod", "j-master-0")]
    cluster.reconcile()
    cluster.run("j-master-0", ready=False)
    assert created(cluster) == []
    cluster.run("j-master-0")
    assert created(cluster) == [
        ("Service", "j-worker"),
        ("Pod", "j-worker-0"),
        ("Pod", "j-worker-1"),
    ]


def test_a_pod_that_is_still_there_is_never_made_twice():
    cluster = FakeCluster(PYTORCH)
    cluster.reconcile()
    cluster.pods["j-master-0"]["metadata"]["deletionTimestamp"] = "2024-05-01T12:00:00Z"
    p = cluster.next_pass()
    ctx = p.context()
    progress = {n: s.progress for n, s in role_states(p, p.live(), set(), ctx).items()}
    assert pods_to_create(p, ctx, progress) == []


def test_the_pods_a_pass_creates_count_as_pending_at_once():
    cluster = FakeCluster(PYTORCH)
    p = cluster.next_pass()
    ctx = p.context()
    create(p, ctx, role_states(p, p.live(), set(), ctx))
    assert dict(p.creating) == {"master": 1}
