"""reconcile/restart.py: a pod recreated under its name, or the whole job restarted."""

from __future__ import annotations

from builders import FakeCluster
from steps import WORKERS

from troupe.core.reconcile.restart import delete_strays, recreate, restart_job


def running(manifest: str = WORKERS) -> FakeCluster:
    cluster = FakeCluster(manifest)
    cluster.reconcile()
    cluster.run()
    return cluster


def test_recreating_deletes_the_pod_and_settles_its_restarts():
    cluster = running()
    cluster.restart_in_place("j-worker-0")
    cluster.evict("j-worker-0")
    p = cluster.next_pass()
    recreate(p, [i for i in p.instances if i.name == "j-worker-0"])
    assert p.result.deletes == [("Pod", "j-worker-0")]
    assert p.settled == 2  # the recreation and the restart in place before it
    assert [e.reason for e in p.result.events] == ["DeletedPod", "RecreatingPod"]


def test_restarting_the_job_moves_every_pod_to_a_new_generation():
    cluster = running()
    cluster.restart_in_place("j-worker-1")
    cluster.finish("j-worker-0", 1)
    p = cluster.next_pass()
    cause = next(i for i in p.instances if i.name == "j-worker-0")
    restart_job(p, cause, in_place=1)
    assert (p.generation, p.settled) == (1, 2)
    assert p.live() == []  # every pod is of the old generation now
    assert "restarting every pod as generation 1" in p.result.events[0].message


def test_strays_are_old_generations_and_pods_beyond_replicas():
    cluster = running()
    cluster.set_spec(roles=[{**cluster.body["spec"]["roles"][0], "replicas": 1}])
    p = cluster.next_pass()
    delete_strays(p)
    assert p.result.deletes == [("Pod", "j-worker-1")]


def test_after_a_job_restart_the_old_generation_is_stray():
    p = running().next_pass()
    p.generation += 1
    delete_strays(p)
    assert p.result.deletes == [("Pod", "j-worker-0"), ("Pod", "j-worker-1")]
