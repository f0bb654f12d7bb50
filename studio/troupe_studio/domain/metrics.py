"""The metric-line convention: `TROUPE_METRIC {json}` on stdout, from any framework.

The marker may follow a log prefix (torchrun's `[default0]:`, a timestamp), so it is found
anywhere in the line. "step" (int >= 0) and optional "epoch"/"time" are coordinates; every
other key is a metric and must be a finite number, or the line is refused with the reason.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

MARKER = "TROUPE_METRIC"
MAX_LINE = 64 * 1024
MAX_VALUES = 256
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]{0,127}$")
COORDINATES = ("step", "epoch", "time")
_FIND = re.compile(rf"(?:^|[\s:\]|]){MARKER} ")


@dataclass(frozen=True)
class Metric:
    step: int
    values: dict[str, float]
    epoch: float | None = None
    time: float | None = None
    prefix: str = ""  # what came before the marker, e.g. "[default0]:"


@dataclass(frozen=True)
class BadLine:
    line: int  # 1-based, in the text parsed
    reason: str


@dataclass
class Parsed:
    metrics: list[Metric] = field(default_factory=list)
    errors: list[BadLine] = field(default_factory=list)


class MetricLineError(ValueError):
    """A line with the marker whose JSON breaks the convention."""


def parse_line(line: str) -> Metric | None:
    """The metric on one log line; None without the marker; MetricLineError if malformed."""
    match = _FIND.search(line)
    if match is None:
        return None
    if len(line) > MAX_LINE:
        raise MetricLineError(f"line is {len(line)} characters; at most {MAX_LINE}")
    prefix = line[: match.end() - len(MARKER) - 1]
    body = line[match.end() :].strip()
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except MetricLineError:
        raise
    except ValueError as exc:
        raise MetricLineError(f"not a JSON object after {MARKER}: {exc}") from exc
    if not isinstance(data, dict):
        raise MetricLineError(f"{MARKER} must be followed by a JSON object")
    step = data.pop("step", None)
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        raise MetricLineError(f'"step" must be an integer >= 0, not {step!r}')
    coords = {k: data.pop(k) for k in ("epoch", "time") if k in data}
    for k, v in coords.items():
        _check_number(k, v)
    if not data:
        raise MetricLineError("no metric values besides the coordinates")
    if len(data) > MAX_VALUES:
        raise MetricLineError(f"{len(data)} values; at most {MAX_VALUES}")
    for k, v in data.items():
        if not KEY.match(k):
            raise MetricLineError(f"metric name {k[:40]!r} is not 1-128 of A-Z a-z 0-9 _ . / -")
        _check_number(k, v)
    values = {k: float(v) for k, v in data.items()}
    return Metric(step, values, coords.get("epoch"), coords.get("time"), prefix.strip())


def parse_lines(text: str) -> Parsed:
    """Every metric in a chunk of log text; bad lines are reported by number, not raised."""
    parsed = Parsed()
    for n, line in enumerate(text.splitlines(), start=1):
        try:
            metric = parse_line(line)
        except MetricLineError as exc:
            parsed.errors.append(BadLine(n, str(exc)))
            continue
        if metric is not None:
            parsed.metrics.append(metric)
    return parsed


def _check_number(key: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MetricLineError(f"{key!r} must be a number, not {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise MetricLineError(f"{key!r} is {value}, not a finite number")


def _no_constant(name: str) -> float:
    raise MetricLineError(f"{name} is not a finite number (JSON has no {name})")
