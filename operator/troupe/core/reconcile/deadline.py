"""Deadline: activeDeadlineSeconds, counted from the job's start."""

from __future__ import annotations

from datetime import timedelta

from troupe.core.plan import Verdict
from troupe.core.reconcile.state import Pass


def deadline(p: Pass) -> Verdict | None:
    """Failed once the deadline passed; before that, come back when it does."""
    seconds = p.spec.run_policy.active_deadline_seconds
    if seconds is None:
        return None
    left = (p.start + timedelta(seconds=seconds) - p.now).total_seconds()
    if left > 0:
        p.result.requeue(left)
        return None
    return Verdict("Failed", "DeadlineExceeded", f"job ran longer than {seconds}s")
