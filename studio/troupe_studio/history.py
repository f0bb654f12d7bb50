"""A run's history: numbered entries stored first, then handed to whoever is watching live.

Entries of one run get seq 1, 2, ... in the order they are recorded (one lock per service
process, so numbers never repeat or skip). An entry is committed before it is published,
and a viewer subscribes before it reads the stored ones: replay + live misses nothing, and
a viewer drops what it has already seen by seq.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from .db import RunEntry

QUEUE = 10_000  # entries a slow viewer may fall behind before it is cut off (it reconnects)


def entry_json(e: RunEntry) -> dict[str, Any]:
    """The wire form of an entry: seq, time, type, then its own fields."""
    return {"seq": e.seq, "time": e.time.isoformat(), "type": e.type, **e.data}


@dataclass(eq=False)  # each viewer is itself (hashable by identity)
class Viewer:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE))
    overflowed: bool = False

    def offer(self, items: list[dict]) -> None:
        for item in items:
            try:
                self.queue.put_nowait(item)
            except asyncio.QueueFull:
                self.overflowed = True
                return


class History:
    """Record entries of runs and fan them out to live viewers."""

    def __init__(self, sessions):
        self.sessions = sessions
        self.lock = threading.Lock()
        self.next_seq: dict[int, int] = {}
        self.viewers: dict[int, set[Viewer]] = defaultdict(set)

    def record(self, run_id: int, items: list[tuple[str, dict[str, Any]]], when=None) -> list:
        """Store (type, data) entries of one run under the next seqs; publish them."""
        if not items:
            return []
        when = when or dt.datetime.now(dt.UTC)
        with self.lock, self.sessions() as s:
            seq = self.next_seq.get(run_id)
            if seq is None:
                top = s.scalar(select(func.max(RunEntry.seq)).where(RunEntry.run_id == run_id))
                seq = (top or 0) + 1
            rows = []
            for kind, data in items:
                rows.append(
                    RunEntry(
                        run_id=run_id, seq=seq, time=when, type=kind, pod=data.get("pod", ""),
                        data=data,
                    )
                )  # fmt: skip
                seq += 1
            s.add_all(rows)
            s.commit()
            self.next_seq[run_id] = seq
            out = [entry_json(r) for r in rows]
            for viewer in list(self.viewers.get(run_id, ())):
                viewer.loop.call_soon_threadsafe(viewer.offer, out)
        return out

    def forget(self, run_id: int) -> None:
        with self.lock:
            self.next_seq.pop(run_id, None)

    def subscribe(self, run_id: int) -> Viewer:
        viewer = Viewer(asyncio.get_running_loop())
        with self.lock:
            self.viewers[run_id].add(viewer)
        return viewer

    def unsubscribe(self, run_id: int, viewer: Viewer) -> None:
        with self.lock:
            self.viewers[run_id].discard(viewer)
            if not self.viewers[run_id]:
                del self.viewers[run_id]

    def stored(
        self, run_id: int, after: int = 0, types: tuple[str, ...] = (), limit: int = 5000
    ) -> list[dict]:
        """Entries after seq `after`, oldest first (of some types only, if given)."""
        with self.sessions() as s:
            q = select(RunEntry).where(RunEntry.run_id == run_id, RunEntry.seq > after)
            if types:
                q = q.where(RunEntry.type.in_(types))
            return [entry_json(e) for e in s.scalars(q.order_by(RunEntry.seq).limit(limit))]
