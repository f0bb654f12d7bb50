"""Wait on a condition with a deadline; on timeout, show what the object looked like."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    check: Callable[[], T],
    *,
    timeout: float = 30.0,
    interval: float = 0.2,
    what: str = "condition",
    show: Callable[[], object] | None = None,
) -> T:
    """Poll `check` until it returns something truthy; return that value.

    `show` is called once on timeout so the failure message carries the state that was
    seen (an object's status, a list of pods) rather than just "timed out".
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # the object may not exist yet; keep polling
            last_error = exc
        if time.monotonic() >= deadline:
            state = show() if show else None
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what}; "
                f"last error: {last_error!r}; state: {state}"
            )
        time.sleep(interval)
