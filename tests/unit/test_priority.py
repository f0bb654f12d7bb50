"""priority.py: urgent waiters and calls go first, then the oldest; nothing is lost."""

from __future__ import annotations

import asyncio
import threading

import pytest

from troupe.core import naming
from troupe.core.children import ChildCache
from troupe.kube.workers import JobWorkers, _Worker
from troupe.runtime.priority import FIRST_PODS, NORMAL, SETTLED, PriorityExecutor, PrioritySemaphore


async def _queue_behind_holder(sem: PrioritySemaphore, priorities: list[int]):
    """Fill the semaphore, queue one waiter per priority, release: return who got in when."""
    order: list[int] = []
    release = asyncio.Event()

    async def holder():
        async with sem.hold():
            await release.wait()

    async def waiter(i: int, prio: int):
        async with sem.hold(prio):
            order.append(i)

    held = asyncio.create_task(holder())
    await asyncio.sleep(0)  # the holder takes the only slot
    waiters = [asyncio.create_task(waiter(i, p)) for i, p in enumerate(priorities)]
    await asyncio.sleep(0)  # every waiter is queued
    return order, release, held, waiters


def test_semaphore_lets_urgent_waiters_in_first_then_oldest():
    async def main():
        sem = PrioritySemaphore(1)
        order, release, held, waiters = await _queue_behind_holder(
            sem, [NORMAL, SETTLED, FIRST_PODS, NORMAL, FIRST_PODS, SETTLED]
        )
        release.set()
        await asyncio.gather(held, *waiters)
        return order

    assert asyncio.run(main()) == [2, 4, 1, 5, 0, 3]


def _pod(name: str) -> dict:
    labels = {naming.JOB_LABEL: "j", naming.ROLE_LABEL: "worker", naming.INDEX_LABEL: name[-1]}
    return {"metadata": {"name": name, "namespace": "ns", "labels": labels}}


@pytest.mark.parametrize(
    ("pods", "total", "expected"),
    [
        (0, None, FIRST_PODS),  # not even a status yet
        (0, 3, FIRST_PODS),  # e.g. every pod deleted for a restart
        (1, None, NORMAL),
        (1, 3, NORMAL),  # the workers wait for the master
        (3, 3, SETTLED),
    ],
)
def test_a_pass_queues_by_the_pods_its_job_has(pods, total, expected):
    cache = ChildCache()
    for i in range(pods):
        cache.apply("Pod", "ADDED", _pod(f"j-worker-{i}"))
    body = {"metadata": {"name": "j", "namespace": "ns"}}
    if total is not None:
        body["status"] = {"totalPods": total}
    worker = _Worker(JobWorkers(adapter=None, children=cache), ("ns", "j"), body)
    assert worker._priority() == expected


def test_pods_created_but_not_yet_seen_count_as_existing():
    cache = ChildCache()
    cache.apply("Pod", "ADDED", _pod("j-worker-0"))
    body = {"metadata": {"name": "j", "namespace": "ns"}, "status": {"totalPods": 3}}
    worker = _Worker(JobWorkers(adapter=None, children=cache), ("ns", "j"), body)
    worker.expect_present = {"j-worker-1": 1e9, "svc/j-worker": 1e9}
    assert worker._priority() == NORMAL  # a Service is not a pod
    worker.expect_present["j-worker-0"] = 1e9  # also in the cache: counted once
    assert worker._priority() == NORMAL
    worker.expect_present["j-worker-2"] = 1e9
    assert worker._priority() == SETTLED


def test_semaphore_skips_a_cancelled_waiter_and_keeps_its_slots():
    async def main():
        sem = PrioritySemaphore(1)
        order, release, held, waiters = await _queue_behind_holder(sem, [FIRST_PODS, NORMAL])
        waiters[0].cancel()
        release.set()
        await asyncio.gather(held, *waiters, return_exceptions=True)
        async with sem.hold(), asyncio.timeout(5):
            pass  # the slot came back: a later holder still gets in
        return order, waiters[0].cancelled()

    assert asyncio.run(main()) == ([1], True)


def test_semaphore_admits_up_to_its_limit_at_once():
    async def main():
        sem = PrioritySemaphore(3)
        inside, most = 0, 0
        gate = asyncio.Event()

        async def one():
            nonlocal inside, most
            async with sem.hold():
                inside += 1
                most = max(most, inside)
                await gate.wait()
                inside -= 1

        tasks = [asyncio.create_task(one()) for _ in range(7)]
        await asyncio.sleep(0)
        first_wave = inside
        gate.set()
        await asyncio.gather(*tasks)
        return first_wave, most

    assert asyncio.run(main()) == (3, 3)


def test_executor_runs_urgent_calls_first_then_oldest():
    executor = PriorityExecutor(1, "test")
    started, unblock = threading.Event(), threading.Event()
    order: list[str] = []

    def block():
        started.set()
        unblock.wait(10)

    executor.submit(block)
    assert started.wait(10)
    futures = [
        executor.submit(order.append, name, priority=prio)
        for name, prio in (("a", NORMAL), ("b", FIRST_PODS), ("c", NORMAL), ("d", FIRST_PODS))
    ]
    unblock.set()
    for f in futures:
        f.result(10)
    assert order == ["b", "d", "a", "c"]


def test_executor_hands_back_results_and_exceptions():
    executor = PriorityExecutor(2, "test")
    assert executor.submit(lambda a, b: a + b, 2, 3).result(10) == 5
    with pytest.raises(ZeroDivisionError):
        executor.submit(lambda: 1 / 0).result(10)


def test_executor_skips_a_cancelled_call():
    executor = PriorityExecutor(1, "test")
    started, unblock = threading.Event(), threading.Event()
    ran: list[str] = []
    executor.submit(lambda: (started.set(), unblock.wait(10)))
    assert started.wait(10)
    dropped = executor.submit(ran.append, "dropped")
    kept = executor.submit(ran.append, "kept")
    assert dropped.cancel()
    unblock.set()
    kept.result(10)
    assert ran == ["kept"]


def test_an_awaited_call_runs_in_the_executor_from_asyncio():
    executor = PriorityExecutor(1, "test")

    async def main():
        return await asyncio.wrap_future(executor.submit(threading.current_thread))

    assert asyncio.run(main()).name == "test-0"
