"""A job's first pods go ahead of everything else the operator has to do.

When many jobs arrive together, each job's first pass creates its roots (a master every
worker waits for) and later passes create the pods that waited. Served first come, first
served, the roots of late jobs queue behind the workers of early ones, and on a busy
cluster the nodes start pods in the order they are bound: every late job's master starts
last. Passes of jobs that have no pod yet, and the API calls those passes make, are
served first. Next come jobs whose pods all exist: their passes mostly write the status
people read ("Running", "Succeeded"), take a moment, and should not wait behind other
jobs' pod creations. Among equals, the oldest first.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import queue
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future
from contextvars import ContextVar

from troupe.runtime.osthread import name_os_thread

FIRST_PODS = 0  # a job with no pod yet: its roots gate everything after them
SETTLED = 1  # a job whose pods all exist
NORMAL = 2
NAMES = ("first_pods", "settled", "normal")  # metric labels, by priority

# The priority of the pass under way in this task; the adapter's calls take it.
current: ContextVar[int] = ContextVar("troupe_priority", default=NORMAL)


class PrioritySemaphore:
    """At most `limit` holders; waiters get in most urgent first, then in arrival order."""

    def __init__(self, limit: int):
        self._free = limit
        self._waiters: list[tuple[int, int, asyncio.Future]] = []
        self._order = itertools.count()

    @contextlib.asynccontextmanager
    async def hold(self, priority: int = NORMAL) -> AsyncIterator[None]:
        await self._acquire(priority)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, priority: int) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        turn = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # handed the slot as it was cancelled
                self._release()
            raise

    def _release(self) -> None:
        """Hand the slot straight to the best live waiter, or give it back."""
        while self._waiters:
            _, _, turn = heapq.heappop(self._waiters)
            if not turn.done():  # a cancelled waiter is done
                turn.set_result(None)
                return
        self._free += 1


class PriorityExecutor:
    """A fixed set of threads that each take the most urgent call waiting, then the oldest.
    They live as long as the process (daemon threads), as the adapter that owns them."""

    def __init__(self, threads: int, name: str):
        self._calls: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()
        for i in range(threads):
            threading.Thread(target=self._serve, name=f"{name}-{i}", daemon=True).start()

    def submit(self, fn: Callable, *args, priority: int = NORMAL) -> Future:
        future: Future = Future()
        self._calls.put((priority, next(self._order), fn, args, future))
        return future

    def _serve(self) -> None:
        name_os_thread()
        while True:
            _, _, fn, args, future = self._calls.get()
            if not future.set_running_or_notify_cancel():
                continue  # its caller stopped waiting
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to the caller, as ThreadPoolExecutor does
                future.set_exception(exc)
            else:
                future.set_result(result)
