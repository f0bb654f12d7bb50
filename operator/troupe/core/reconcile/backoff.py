"""Backoff: backoffLimit counts every restart, in place or by recreation."""

from __future__ import annotations

from troupe.core.observed import Instance
from troupe.core.plan import Verdict
from troupe.core.status import describe_failure


def backoff(limit: int | None, restarts: int, retries: list[Instance]) -> Verdict | None:
    """`restarts` so far and the pods that want one more: one more than allowed fails."""
    if limit is None or (restarts <= limit and not (retries and restarts >= limit)):
        return None
    cause = f"; last: {describe_failure(retries[0])}" if retries else ""
    return Verdict("Failed", "BackoffLimitExceeded", f"backoff limit {limit} reached{cause}")
