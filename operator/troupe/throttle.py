"""Which status changes may wait: pod counters are written at most every few seconds.

A job's phase, conditions, restart accounting and membership go out at once; the
per-role pod counts (pending, running, ready, …) move with every pod event, and writing
each step would cost one status write per pod per transition. Counters still converge:
the worker flushes them once the interval has passed.
"""

from __future__ import annotations

JOB_COUNTERS = frozenset({"readyPods", "totalPods"})
ROLE_COUNTERS = frozenset({"pending", "running", "ready", "succeeded", "failed", "addresses"})


def _without_counters(status: dict) -> dict:
    kept = {k: v for k, v in status.items() if k not in JOB_COUNTERS and k != "roles"}
    kept["roles"] = [
        {k: v for k, v in role.items() if k not in ROLE_COUNTERS}
        for role in status.get("roles") or []
    ]
    return kept


def _all_ready(status: dict) -> bool:
    return bool(status.get("totalPods")) and status.get("readyPods") == status.get("totalPods")


def counters_only(old: dict, new: dict) -> bool:
    """True when `new` differs from `old` in pod counters and nothing else.

    Every pod becoming ready is a milestone people wait on, so it is never held back.
    """
    if _all_ready(new) and not _all_ready(old):
        return False
    return old != new and _without_counters(old) == _without_counters(new)
