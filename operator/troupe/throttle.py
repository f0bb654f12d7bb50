"""Which status changes may wait: progress details are written at most every few seconds.

A job's phase, conditions, restart accounting and membership go out at once. The per-role
breakdown (pod counts, role phases, addresses), the pod totals and the progress message move
with every pod event; writing each step would cost a status write per pod transition.
They still converge: the worker flushes them once the interval has passed, and nothing
in Troupe decides anything from them.
"""

from __future__ import annotations

from dataclasses import dataclass

PROGRESS = frozenset({"readyPods", "totalPods", "roles", "message"})


def _without_counters(status: dict) -> dict:
    """What must go out at once; a condition's message ("3/4 pods ready") is progress."""
    kept = {k: v for k, v in status.items() if k not in PROGRESS}
    kept["conditions"] = [
        (c.get("type"), c.get("status"), c.get("reason")) for c in status.get("conditions") or []
    ]
    return kept


def _all_ready(status: dict) -> bool:
    return bool(status.get("totalPods")) and status.get("readyPods") == status.get("totalPods")


def counters_only(old: dict, new: dict) -> bool:
    """True when `new` differs from `old` in progress details and nothing else.

    Every pod becoming ready is a milestone people wait on, so it is never held back.
    """
    if _all_ready(new) and not _all_ready(old):
        return False
    return old != new and _without_counters(old) == _without_counters(new)


@dataclass
class CounterPace:
    """When the next counter-only write may go out.

    A job whose pods trickle in slowly gets its counts refreshed less and less often
    (base, 2x, 4x … up to `cap`); any other status change resets the pace. Under load this
    bounds a job's status writes by the log of how long it takes to start, not by its pods.
    """

    base: float
    cap: float
    due: float = 0.0  # monotonic time before which counters may wait
    wait: float = 0.0

    def hold(self, now: float) -> float | None:
        """Seconds a counter-only change may still wait, or None to write it now."""
        return self.due - now if now < self.due else None

    def written(self, now: float, counters_only: bool) -> None:
        self.wait = min(self.cap, max(self.base, self.wait * 2)) if counters_only else self.base
        self.due = now + self.wait
