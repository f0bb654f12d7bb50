"""kube/handlers.py: the workers read kopf's indexes through bindings made once."""

from __future__ import annotations

import asyncio

from troupe.kube import handlers


class Workers:
    """What the handlers touch of JobWorkers."""

    def __init__(self):
        self.observed: list[tuple] = []

    def observe(self, key, body):
        self.observed.append(key)

    def forget(self, key):
        pass


def bound(monkeypatch, training_queues: dict | None = None) -> Workers:
    """Workers bound as the operator's startup binds them, to these indexes."""
    workers = Workers()
    monkeypatch.setattr(handlers, "WORKERS", workers)
    queues = {} if training_queues is None else training_queues
    asyncio.run(handlers.read_indexes(queued_jobs={}, training_queues=queues, priority_classes={}))
    return workers


def test_the_bindings_read_the_indexes_as_they_change(monkeypatch):
    queues: dict = {}
    workers = bound(monkeypatch, queues)
    assert not workers.queue_limited("gpu")
    queues["gpu"] = [{"maxActiveJobs": 1}]  # kopf updates an index in place
    assert workers.queue_limited("gpu")
    assert workers.kueue_for(("ns", "j")).available is False


def test_a_job_event_leaves_the_bindings_alone(monkeypatch):
    workers = bound(monkeypatch)
    bindings = (workers.queue_limited, workers.admission_for, workers.kueue_for)
    body = {"metadata": {"uid": "u"}, "spec": {}}
    asyncio.run(handlers.job_changed(type="MODIFIED", body=body, namespace="ns", name="j"))
    assert workers.observed == [("ns", "j")]
    assert (workers.queue_limited, workers.admission_for, workers.kueue_for) == bindings
