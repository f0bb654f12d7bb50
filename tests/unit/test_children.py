"""children.py: the cache of a job's pods and Services, fed by watch events and relists."""

from __future__ import annotations

from troupe.core import naming
from troupe.core.children import Change, ChildCache
from troupe.kube.childwatch import last_write


def _pod(name: str, job: str | None = "j", namespace: str = "ns", phase: str = "Pending"):
    labels = {naming.ROLE_LABEL: "worker", naming.INDEX_LABEL: name[-1]}
    if job:
        labels[naming.JOB_LABEL] = job
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "status": {"phase": phase},
    }


def _svc(name: str, job: str = "j", namespace: str = "ns"):
    meta = {"name": name, "namespace": namespace, "labels": {naming.JOB_LABEL: job}}
    return {"metadata": meta}


def test_pod_events_keep_the_newest_instance_per_job():
    cache = ChildCache()
    assert cache.apply("Pod", "ADDED", _pod("j-worker-0")) == Change(
        ("ns", "j"), "j-worker-0", False
    )
    cache.apply("Pod", "MODIFIED", _pod("j-worker-0", phase="Running"))
    cache.apply("Pod", "ADDED", _pod("k-worker-0", job="k"))
    [pod] = cache.pods(("ns", "j"))
    assert (pod.name, pod.phase, pod.index) == ("j-worker-0", "Running", 0)
    assert [p.name for p in cache.pods(("ns", "k"))] == ["k-worker-0"]


def test_deleted_pod_leaves_the_cache_and_reports_deleted():
    cache = ChildCache()
    cache.apply("Pod", "ADDED", _pod("j-worker-0"))
    change = cache.apply("Pod", "DELETED", _pod("j-worker-0"))
    assert change == Change(("ns", "j"), "j-worker-0", True)
    assert cache.pods(("ns", "j")) == []
    assert cache._pods == {}  # no empty per-job entries left behind


def test_services_are_named_apart_from_pods():
    cache = ChildCache()
    change = cache.apply("Service", "ADDED", _svc("j-worker"))
    assert change == Change(("ns", "j"), "svc/j-worker", False)
    assert cache.services(("ns", "j")) == {"j-worker"}
    cache.apply("Service", "DELETED", _svc("j-worker"))
    assert cache.services(("ns", "j")) == set()


def test_objects_without_the_job_label_are_ignored():
    cache = ChildCache()
    assert cache.apply("Pod", "ADDED", _pod("stray-0", job=None)) is None
    assert cache._pods == {}


def test_same_job_name_in_two_namespaces_stays_apart():
    cache = ChildCache()
    cache.apply("Pod", "ADDED", _pod("j-worker-0", namespace="a"))
    cache.apply("Pod", "ADDED", _pod("j-worker-1", namespace="b"))
    assert [p.name for p in cache.pods(("a", "j"))] == ["j-worker-0"]
    assert [p.name for p in cache.pods(("b", "j"))] == ["j-worker-1"]


def test_relist_reports_children_missing_from_it_as_deleted():
    cache = ChildCache()
    for name in ("j-worker-0", "j-worker-1"):
        cache.apply("Pod", "ADDED", _pod(name))
    changes = cache.replace("Pod", None, [_pod("j-worker-1", phase="Running")])
    assert Change(("ns", "j"), "j-worker-0", True) in changes
    assert Change(("ns", "j"), "j-worker-1", False) in changes
    [pod] = cache.pods(("ns", "j"))
    assert (pod.name, pod.phase) == ("j-worker-1", "Running")


def test_namespaced_relist_leaves_other_namespaces_alone():
    cache = ChildCache()
    cache.apply("Service", "ADDED", _svc("j-master", namespace="a"))
    cache.apply("Service", "ADDED", _svc("j-master", namespace="b"))
    changes = cache.replace("Service", "a", [])
    assert changes == [Change(("a", "j"), "svc/j-master", True)]
    assert cache.services(("a", "j")) == set()
    assert cache.services(("b", "j")) == {"j-master"}


def test_last_write_is_the_newest_managed_fields_or_condition_time():
    pod = _pod("j-worker-0")
    assert last_write(pod) is None
    pod["metadata"]["managedFields"] = [
        {"manager": "troupe-operator", "time": "2026-11-23T10:00:00Z"},
        {"manager": "kwok", "time": "2026-11-23T10:00:07Z", "subresource": "status"},
        {"manager": "other"},
    ]
    assert last_write(pod) == 1795428007.0
    # bound by the scheduler later: the binding leaves managedFields alone
    pod["status"] = {
        "conditions": [{"type": "PodScheduled", "lastTransitionTime": "2026-11-23T10:01:00Z"}]
    }
    assert last_write(pod) == 1795428060.0
    pod["metadata"]["managedFields"] = [{"time": "not a time"}]
    pod["status"] = {}
    assert last_write(pod) is None
