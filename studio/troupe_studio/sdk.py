"""Print metrics the way Troupe Studio reads them; stdlib only, so any training image runs it.

    from troupe_studio.sdk import log_metric
    log_metric(step=10, loss=0.31, accuracy=0.9)   # TROUPE_METRIC {"step": 10, ...}

The file has no imports from the rest of troupe_studio: copy it next to a training script
when the package is not installed in the image.
"""

from __future__ import annotations

import json
import math
import sys

MARKER = "TROUPE_METRIC"


def log_metric(step: int, *, epoch: float | None = None, file=None, **values: float) -> str:
    """Print one metric line (flushed at once) and return it; bad values raise ValueError."""
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        raise ValueError(f"step must be an integer >= 0, not {step!r}")
    if not values:
        raise ValueError("log_metric needs at least one value, e.g. loss=0.3")
    record: dict[str, float] = {"step": step}
    if epoch is not None:
        record["epoch"] = _number("epoch", epoch)
    for key, value in values.items():
        record[key] = _number(key, value)
    line = f"{MARKER} {json.dumps(record, allow_nan=False)}"
    out = file or sys.stdout
    print(line, file=out, flush=True)
    return line


def _number(key: str, value: object) -> float:
    """Plain numbers, and numpy/torch scalars through float(); never NaN or infinity."""
    if isinstance(value, bool) or isinstance(value, str):
        raise ValueError(f"{key} must be a number, not {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a number, not {type(value).__name__}") from None
    if not math.isfinite(number):
        raise ValueError(f"{key} is {number}; only finite numbers are metrics")
    return int(number) if isinstance(value, int) else number
