"""Which status changes may wait: progress details are written when they settle.

A job's phase, conditions, restart accounting and membership go out at once. The per-role
breakdown (pod counts, role phases, addresses), the pod totals and the progress message move
with every pod event; writing each step would cost a status write per pod transition, and
most steps are overtaken by the next phase (Pending -> Running carries the counts anyway).
So progress alone is written only once it has stopped moving for a while (a job that is
stuck, which is when people read it) or has waited too long, and never for a finished job:
its status records how it ended, not the exits of pods left behind. Nothing in Troupe
decides anything from these fields.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from troupe.core.status import TERMINAL_PHASES

PROGRESS = frozenset({"readyPods", "totalPods", "roles", "message"})


def _without_counters(status: dict) -> dict:
    """What must go out at once; a condition's message ("3/4 pods ready") is progress."""
    kept = {k: v for k, v in status.items() if k not in PROGRESS}
    kept["conditions"] = [
        (c.get("type"), c.get("status"), c.get("reason")) for c in status.get("conditions") or []
    ]
    kept["failedRoles"] = failed_roles(status)  # a failure is news, even one the job survives
    return kept


def failed_roles(status: dict) -> list[str]:
    return [r.get("name") for r in status.get("roles") or [] if r.get("phase") == "Failed"]


def counters_only(old: dict, new: dict) -> bool:
    """True when `new` differs from `old` in progress details and nothing else."""
    return old != new and _without_counters(old) == _without_counters(new)


@dataclass
class ProgressPace:
    """When held progress must go out: once it has been still for `quiet` seconds, or has
    waited `cap` seconds while still moving. Any other status write takes it along."""

    quiet: float
    cap: float
    held: dict | None = None  # the unwritten progress, as last planned
    since: float = 0.0  # monotonic time it started waiting
    moved: float = 0.0  # monotonic time it last changed

    def due(self, now: float, old: dict, new: dict) -> float:
        """Seconds until status `new` must replace the stored `old`: 0 at once, math.inf
        never on its own (a finished job's progress)."""
        if not counters_only(old, new):
            self.clear()
            return 0.0
        if old.get("phase") in TERMINAL_PHASES:
            self.clear()
            return math.inf
        wait = self.hold(now, new)
        if wait is None:
            self.clear()
            return 0.0
        return wait

    def hold(self, now: float, status: dict) -> float | None:
        """Seconds the progress in `status` may still wait, or None to write it now."""
        if status != self.held:
            if self.held is None:
                self.since = now
            self.held, self.moved = status, now
        due = min(self.moved + self.quiet, self.since + self.cap)
        return due - now if now < due else None

    def clear(self) -> None:
        """The status went out (or there is nothing to hold)."""
        self.held = None
